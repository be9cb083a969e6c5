#pragma once
// The standard non-convex function that satisfies the PL inequality (Karimi, Nutini, Schmidt,
// "Linear convergence of gradient and proximal-gradient methods under the Polyak-Łojasiewicz
// condition", ECML-PKDD 2016, §2): φ(z) = z² + 3 sin²(z), applied along the axes of a seeded
// rotation U:
//     F(x) = F* + Σ_j φ(u_jᵀ(x − x*)).
// φ'(z) = 2z + 3 sin(2z) and φ''(z) = 2 + 6 cos(2z) ∈ [−4, 8]: F is not convex (φ'' < 0 where
// cos(2z) < −1/3), has the unique minimiser x* (φ >= 0 with equality only at 0, and φ' ≠ 0 away
// from 0), and its Hessian U diag(φ''(z_j)) Uᵀ has norm at most 8, attained at x*: L = 8 exactly.
// Because F is a sum of φ over orthogonal coordinates, its best PL constant is that of φ:
//     μ = inf_{z≠0} φ'(z)² / (2 φ(z)) ≈ 0.17553,
// computed here numerically (Karimi et al. give the valid but looser bound 1/32).
//
// Oracle: ∇F_i(x) plus the Gaussian noise of problems/oracle_noise.hpp. Heterogeneity ζ tilts each
// worker's objective, F_i(x) = F(x) + ζ v_iᵀ(x − x*), with seeded v_i of mean exactly zero and
// (1/p) Σ ‖v_i‖² = 1: the workers' gradients differ from ∇F by constant vectors, their mean is ∇F
// at every x, and the mean of the F_i is F, so every constant above stays exact. (Shifting each
// worker's optimum instead, as the quadratic does, would move the minimiser of the average of
// non-quadratic F_i away from x* and lose the known constants.)
#include <cstdint>
#include <vector>

#include "problems/oracle_noise.hpp"
#include "problems/problem.hpp"

namespace localsgd {

struct NonconvexPlOptions {
  Index dim = 20;
  double optimal_value = 0;  // F*
  OracleNoise noise;
  double heterogeneity = 0;  // ζ
};

// φ and its derivatives.
double pl_example_phi(double z);
double pl_example_phi_prime(double z);
double pl_example_phi_second(double z);

struct PlConstantOfPhi {
  double mu;         // inf_{z≠0} φ'(z)²/(2φ(z))
  double minimiser;  // the z > 0 where it is attained
};
// By a grid over (0, 20] (step 1e-3; beyond 20 the ratio exceeds (2z − 3)²/(2z² + 6) > 1.7, far
// above the minimum) and golden-section refinement of the best cell to machine precision.
PlConstantOfPhi pl_constant_of_phi();

class NonconvexPl final : public Problem, public StochasticOracle {
 public:
  // Draws, from the `data` stream of `seed` and in this order: the Haar rotation U
  // (problems/random_rotation.hpp), x* ~ N(0, I_d), and for ζ > 0 the p raw tilt directions.
  NonconvexPl(const NonconvexPlOptions& options, int workers, std::uint64_t seed);

  // Bytes held once built, with the transient copies of construction: U and the Gaussian matrix
  // (d × d each), a tilt per worker, and a few vectors of d.
  static double estimate_bytes(Index dim, int workers) {
    const auto d = static_cast<double>(dim);
    return 8 * (2 * d * d + workers * d + 8 * d);
  }

  std::string_view name() const override { return "nonconvex_pl"; }
  Index dim() const override { return rotation_.rows(); }
  int workers() const override { return static_cast<int>(tilts_.size()); }

  double loss(const Vector& x) const override;
  void gradient(const Vector& x, Vector& out) const override;
  double gap(const Vector& x) const override;  // Σ φ(z_j), without subtracting F*
  void stochastic_gradient(int worker, const Vector& x, int batch, Rng& rng, Vector& out) const override;
  const ProblemConstants& constants() const override { return constants_; }
  const StochasticOracle* stochastic_oracle() const override { return this; }

  const Eigen::MatrixXd& rotation() const { return rotation_; }  // U (columns u_j)
  const Vector& tilt(int worker) const { return tilts_[static_cast<std::size_t>(worker)]; }  // ζ v_i
  Eigen::MatrixXd hessian(const Vector& x) const;

 private:
  // out = Σ_j φ'(u_jᵀ(x − x*)) u_j, without allocating.
  void true_gradient(const Vector& x, Vector& out) const;

  Eigen::MatrixXd rotation_;
  Vector projected_optimum_;  // Uᵀx*
  std::vector<Vector> tilts_;
  OracleNoise noise_;
  ProblemConstants constants_;
};

}  // namespace localsgd
