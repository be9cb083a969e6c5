#pragma once
// The noise model of the oracle problems (quadratic, nonconvex_pl), stated as the paper states its
// assumption: one oracle call returns g̃ = ∇F_i(x) + ξ with E[ξ] = 0 and
//     E‖ξ‖² = C₁‖∇F_i(x)‖² + σ²,
// where ξ is isotropic Gaussian, ξ ~ N(0, (C₁‖∇F_i(x)‖² + σ²)/d · I_d), drawn from the worker's
// sampling draws for the step. C₁ = 0 is additive Gaussian noise; C₁ > 0 adds the multiplicative part. The
// bound holds with equality, so σ² and C₁ are exact.
//
// A mini-batch is the mean of B independent calls, whose noise is again isotropic Gaussian with
// variance divided by B; it is drawn as that one Gaussian (d normal draws, not B·d), which has
// exactly the same distribution.
#include <cmath>

#include "core/random.hpp"
#include "core/types.hpp"

namespace localsgd {

struct OracleNoise {
  double sigma2 = 0;  // σ²
  double c1 = 0;      // C₁
  bool none() const { return sigma2 == 0 && c1 == 0; }
};

// gradient ← gradient + ξ̄ for the mean of `batch` calls, gradient = ∇F_i(x) on entry. Draws
// nothing when the noise is zero. Does not allocate.
inline void add_oracle_noise(const OracleNoise& noise, int batch, Rng& rng, Vector& gradient) {
  if (noise.none()) return;
  const auto d = static_cast<double>(gradient.size());
  const double variance = (noise.c1 * gradient.squaredNorm() + noise.sigma2) / (d * static_cast<double>(batch));
  const double scale = std::sqrt(variance);
  for (Index k = 0; k < gradient.size(); ++k) gradient[k] += scale * standard_normal(rng);
}

}  // namespace localsgd
