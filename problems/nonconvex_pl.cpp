#include "problems/nonconvex_pl.hpp"

#include <fmt/format.h>

#include <cmath>
#include <stdexcept>
#include <utility>

#include "problems/centred_directions.hpp"
#include "problems/random_rotation.hpp"

namespace localsgd {

double pl_example_phi(double z) {
  const double s = std::sin(z);
  return z * z + 3.0 * s * s;
}
double pl_example_phi_prime(double z) { return 2.0 * z + 3.0 * std::sin(2.0 * z); }
double pl_example_phi_second(double z) { return 2.0 + 6.0 * std::cos(2.0 * z); }

PlConstantOfPhi pl_constant_of_phi() {
  static const PlConstantOfPhi cached = [] {
    auto ratio = [](double z) {
      const double g = pl_example_phi_prime(z);
      return g * g / (2.0 * pl_example_phi(z));
    };
    const double step = 1e-3;
    double best_z = step;
    double best = ratio(step);
    for (int k = 2; k <= 20000; ++k) {
      const double z = k * step;
      if (const double r = ratio(z); r < best) {
        best = r;
        best_z = z;
      }
    }
    // Golden-section search on [best_z − step, best_z + step], where the ratio is unimodal.
    const double golden = (std::sqrt(5.0) - 1.0) / 2.0;
    double lo = best_z - step;
    double hi = best_z + step;
    double a = hi - golden * (hi - lo);
    double b = lo + golden * (hi - lo);
    double fa = ratio(a);
    double fb = ratio(b);
    for (int it = 0; it < 200 && hi - lo > 1e-15; ++it) {
      if (fa < fb) {
        hi = b;
        b = a;
        fb = fa;
        a = hi - golden * (hi - lo);
        fa = ratio(a);
      } else {
        lo = a;
        a = b;
        fa = fb;
        b = lo + golden * (hi - lo);
        fb = ratio(b);
      }
    }
    const double z = 0.5 * (lo + hi);
    return PlConstantOfPhi{std::min(ratio(z), best), z};
  }();
  return cached;
}

NonconvexPl::NonconvexPl(const NonconvexPlOptions& options, int workers, std::uint64_t seed) : noise_(options.noise) {
  const Index d = options.dim;
  if (d < 1 || workers < 1) throw std::invalid_argument("nonconvex_pl: need dim >= 1 and workers >= 1");
  Rng rng(seed, StreamPurpose::data, data_slot(DataArray::parameters), 0);
  rotation_ = random_rotation(rng, d);
  Vector x_star(d);
  for (Index k = 0; k < d; ++k) x_star[k] = standard_normal(rng);
  projected_optimum_ = rotation_.transpose() * x_star;

  tilts_.assign(static_cast<std::size_t>(workers), Vector::Zero(d));
  if (options.heterogeneity > 0 && workers > 1) {
    CentredDirections centred = centred_gaussian_directions(rng, workers, d);
    tilts_ = std::move(centred.directions);
    for (auto& v : tilts_) v *= options.heterogeneity / std::sqrt(centred.mean_squared_norm);
  }
  double heterogeneity = 0;
  for (const auto& v : tilts_) heterogeneity += v.squaredNorm();  // ∇F_i(x*) = ζ v_i
  heterogeneity /= workers;

  const PlConstantOfPhi pl = pl_constant_of_phi();
  constants_.smoothness = 8.0;
  constants_.pl = pl.mu;
  constants_.optimum = x_star;
  constants_.optimal_value = options.optimal_value;
  constants_.sigma2 = noise_.sigma2;
  constants_.c1 = noise_.c1;
  constants_.heterogeneity = heterogeneity;
  constants_.sigma2_at_optimum = noise_.sigma2 + noise_.c1 * heterogeneity;
  constants_.how = fmt::format(
      "F(x) = F* + sum_j phi(u_j^T (x - x*)), phi(z) = z^2 + 3 sin^2 z (Karimi, Nutini, Schmidt 2016), seeded Haar "
      "rotation U, x* drawn N(0, I); L = max |phi''| = 8 (attained at x*); mu = min over z of phi'(z)^2 / (2 phi(z)) "
      "= {:.17g} at |z| = {:.17g} (1-D grid search and golden-section refinement, to rounding; the published bound "
      "is 1/32); curvature ranges over [-4, 8], so F is not convex. Oracle: gradient of the worker's F_i plus "
      "isotropic Gaussian noise with E|noise|^2 = c1 |grad F_i|^2 + sigma2 per call (exact){}",
      pl.mu, pl.minimiser,
      options.heterogeneity > 0 && workers > 1
          ? fmt::format("; worker gradients tilted by zeta v_i, mean zero, (1/p) sum |zeta v_i|^2 = {}^2",
                        options.heterogeneity)
          : "");
}

double NonconvexPl::gap(const Vector& x) const {
  const Vector z = rotation_.transpose() * x - projected_optimum_;
  double sum = 0;
  for (Index j = 0; j < z.size(); ++j) sum += pl_example_phi(z[j]);
  return sum;
}

double NonconvexPl::loss(const Vector& x) const { return constants_.optimal_value + gap(x); }

void NonconvexPl::true_gradient(const Vector& x, Vector& out) const {
  out.setZero();
  for (Index j = 0; j < rotation_.cols(); ++j) {
    const double z = rotation_.col(j).dot(x) - projected_optimum_[j];
    out.noalias() += pl_example_phi_prime(z) * rotation_.col(j);
  }
}

void NonconvexPl::gradient(const Vector& x, Vector& out) const { true_gradient(x, out); }

void NonconvexPl::stochastic_gradient(int worker, const Vector& x, int batch, Rng& rng, Vector& out) const {
  true_gradient(x, out);
  out += tilts_[static_cast<std::size_t>(worker)];
  add_oracle_noise(noise_, batch, rng, out);
}

Eigen::MatrixXd NonconvexPl::hessian(const Vector& x) const {
  const Vector z = rotation_.transpose() * x - projected_optimum_;
  Vector curvature(z.size());
  for (Index j = 0; j < z.size(); ++j) curvature[j] = pl_example_phi_second(z[j]);
  return rotation_ * curvature.asDiagonal() * rotation_.transpose();
}

}  // namespace localsgd
