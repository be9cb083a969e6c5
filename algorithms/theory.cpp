#include "algorithms/theory.hpp"

#include <algorithm>
#include <cmath>

namespace localsgd {

long lupa_theory_period(long total_steps, int workers, int batch, double c) {
  const double t = static_cast<double>(total_steps);
  const double pb = static_cast<double>(workers) * batch;
  return std::max(1L, std::lround(c * std::pow(t, 2.0 / 3.0) / std::cbrt(pb)));
}

long stich_period(long total_steps, int workers, int batch, double c) {
  const double pb = static_cast<double>(workers) * batch;
  return std::max(1L, std::lround(c * std::sqrt(static_cast<double>(total_steps) / pb)));
}

}  // namespace localsgd
