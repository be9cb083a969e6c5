#pragma once
// Gradient checks by central finite differences (as Ceres's gradient checker does: compare, and
// report the largest relative error).
#include <algorithm>
#include <cmath>

#include "problems/problem.hpp"

namespace localsgd::test {

// max_k |(F(x + h e_k) − F(x − h e_k)) / 2h − ∂_k F(x)| / max(‖∇F(x)‖_∞, 1e-3), with
// h = 1e-5 · max(1, |x_k|). The denominator keeps the measure finite at stationary points.
inline double largest_gradient_error(const Problem& problem, const Vector& x) {
  Vector g(problem.dim());
  problem.gradient(x, g);
  const double scale = std::max(g.cwiseAbs().maxCoeff(), 1e-3);
  double worst = 0;
  Vector probe = x;
  for (Index k = 0; k < x.size(); ++k) {
    const double h = 1e-5 * std::max(1.0, std::abs(x[k]));
    probe[k] = x[k] + h;
    const double up = problem.loss(probe);
    probe[k] = x[k] - h;
    const double down = problem.loss(probe);
    probe[k] = x[k];
    worst = std::max(worst, std::abs((up - down) / (2 * h) - g[k]) / scale);
  }
  return worst;
}

}  // namespace localsgd::test
