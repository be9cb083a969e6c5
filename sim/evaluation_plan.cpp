#include "sim/evaluation_plan.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace localsgd {

std::vector<long> evaluation_steps(long total_steps, int points, EvalSpacing spacing) {
  if (total_steps < 1 || points < 2) throw std::invalid_argument("evaluation_steps: need T >= 1, points >= 2");
  std::vector<long> steps{0};
  const double last = points - 1;
  for (int k = 1; k < points; ++k) {
    const double fraction = k / last;
    const double t = spacing == EvalSpacing::log ? std::pow(static_cast<double>(total_steps), fraction)
                                                 : fraction * static_cast<double>(total_steps);
    steps.push_back(std::clamp(std::lround(t), 1L, total_steps));
  }
  steps.push_back(total_steps);
  std::sort(steps.begin(), steps.end());
  steps.erase(std::unique(steps.begin(), steps.end()), steps.end());
  return steps;
}

std::vector<long> evaluation_steps_every(long total_steps, long every) {
  if (total_steps < 1 || every < 1) throw std::invalid_argument("evaluation_steps_every: need T >= 1, every >= 1");
  std::vector<long> steps;
  for (long t = 0; t < total_steps; t += every) steps.push_back(t);
  steps.push_back(total_steps);
  return steps;
}

}  // namespace localsgd
