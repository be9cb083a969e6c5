#pragma once
// A quadratic with a chosen spectrum: F(x) = ½ (x − x*)ᵀ H (x − x*) + F*, H = Q Λ Qᵀ, with a
// seeded random rotation Q and eigenvalues Λ given by the user. With k zero eigenvalues F is PL
// on all of R^d with μ = the smallest non-zero eigenvalue but not strongly convex: its
// minimisers are x* + ker H (x* is the one of least norm).
//
// Oracle: worker i gets ∇F_i(x) plus the Gaussian noise of problems/oracle_noise.hpp. With
// heterogeneity ζ > 0 worker i minimises F_i(x) = ½ (x − x*_i)ᵀ H (x − x*_i) + c_i, with
// x*_i = x* + ζ δ_i, where the δ_i are seeded, lie in the range of H, have mean exactly zero over
// the workers and (1/p) Σ ‖δ_i‖² = 1. So (1/p) Σ_i ∇F_i(x) = ∇F(x) at every x, the average of the
// workers' objectives is F (up to a constant), and ζ is the root-mean-square distance ‖x*_i − x*‖.
// With one worker there is nothing to spread: x*_1 = x*.
//
// Per-worker Hessians (hessian_heterogeneity ω > 0, p >= 2): worker i's Hessian is
// H_i = Q diag(λ ⊙ s_i) Qᵀ with the seeded positive scales of problems/hessian_scales.hpp, whose
// mean over the workers is 1 for every eigenvalue, so (1/p) Σ_i H_i = H and L, μ stay the given
// eigenvalues. Then F_i(x) = ½ (x − x*_i)ᵀ H_i (x − x*_i) with x*_i = x*_0 + ζ δ_i around the drawn
// point x*_0, and x* is the minimiser of (1/p) Σ_i F_i, the solution of Σ_i H_i (x − x*_i) = 0
// (least-norm: all H_i share H's kernel): F = (1/p) Σ_i F_i + const. With ζ = 0 every F_i is
// minimised at x* = x*_0. This is the quadratic on which τ matters: with one shared Hessian
// local SGD's average equals mini-batch SGD's (Woodworth et al., ICML 2020), with ω > 0 it does not.
#include <cstdint>
#include <vector>

#include "problems/oracle_noise.hpp"
#include "problems/problem.hpp"

namespace localsgd {

// μ, μ + (L − μ)/(m − 1), …, L for m = dim − zeros non-zero eigenvalues, then `zeros` zeros.
// With m = 1 the single non-zero eigenvalue is L (μ must equal L). Endpoints are exact.
std::vector<double> linear_spectrum(Index dim, double mu, double L, Index zeros);
// μ, μ·(L/μ)^(1/(m−1)), …, L (equal ratios), then `zeros` zeros.
std::vector<double> geometric_spectrum(Index dim, double mu, double L, Index zeros);

struct QuadraticOptions {
  std::vector<double> eigenvalues;  // Λ, length = dim, each >= 0, at least one > 0
  double optimal_value = 0;         // F*
  OracleNoise noise;
  double heterogeneity = 0;         // ζ
  double hessian_heterogeneity = 0;  // ω: 0 = one shared Hessian (no extra draws); at most 10
};

class Quadratic final : public Problem, public StochasticOracle {
 public:
  // Draws, from the `data` stream of `seed` and in this order: the d × d Gaussian matrix whose QR
  // factor (with the signs that make it Haar-distributed) is Q, x* ~ N(0, I_d) projected onto the
  // range of H, for ζ > 0 the p raw directions of the δ_i, and for ω > 0 (and p >= 2) the p × d
  // normals of the Hessian scales.
  Quadratic(const QuadraticOptions& options, int workers, std::uint64_t seed);

  // Bytes held once built, with the transient copies of construction: H, Q and the Gaussian matrix
  // (d × d each), x*_i and H x*_i per worker, and a few vectors of d; with per-worker Hessians also
  // the p Hessians H_i (d × d each) and the scales and their exponents (2 p × d).
  static double estimate_bytes(Index dim, int workers, bool per_worker_hessians) {
    const auto d = static_cast<double>(dim);
    const double shared = 8 * (3 * d * d + 2 * workers * d + 8 * d);
    return per_worker_hessians ? shared + 8 * (workers * d * d + 2 * workers * d) : shared;
  }

  std::string_view name() const override { return "quadratic"; }
  Index dim() const override { return hessian_.rows(); }
  int workers() const override { return static_cast<int>(worker_offsets_.size()); }

  double loss(const Vector& x) const override;
  void gradient(const Vector& x, Vector& out) const override;
  double gap(const Vector& x) const override;  // ½ eᵀHe, free of cancellation
  // ∇F_i(x) = H_i x − H_i x*_i (H_i = H when ω = 0), plus the oracle noise for a mini-batch of `batch` calls.
  void stochastic_gradient(int worker, const Vector& x, int batch, Rng& rng, Vector& out) const override;
  const ProblemConstants& constants() const override { return constants_; }
  const StochasticOracle* stochastic_oracle() const override { return this; }

  const Eigen::MatrixXd& hessian() const { return hessian_; }  // H = (1/p) Σ_i H_i
  // H_i (H itself when the workers share it).
  const Eigen::MatrixXd& worker_hessian(int worker) const {
    return worker_hessians_.empty() ? hessian_ : worker_hessians_[static_cast<std::size_t>(worker)];
  }
  // s_i: H_i's eigenvalues are λ ⊙ s_i in the order of eigenvalues() (all ones when shared).
  Vector worker_eigenvalue_scales(int worker) const;
  bool per_worker_hessians() const { return !worker_hessians_.empty(); }
  // True when the averaged iterate of local SGD cannot depend on the schedule: one worker, or a
  // shared Hessian with purely additive noise (C₁ = 0). Every worker's step is then affine with the
  // same matrix, so the average of the steps is the step of the average (mini-batch SGD; Woodworth
  // et al., ICML 2020), whatever ζ and σ². For `validate`/`explain` to warn a τ sweep.
  bool average_ignores_schedule() const { return workers() == 1 || (worker_hessians_.empty() && noise_.c1 == 0); }
  const Eigen::MatrixXd& rotation() const { return rotation_; }  // Q (columns = eigenvectors)
  const Vector& eigenvalues() const { return eigenvalues_; }     // Λ, in the order given
  const Vector& worker_optimum(int worker) const { return worker_optima_[static_cast<std::size_t>(worker)]; }
  const OracleNoise& noise() const { return noise_; }

 private:
  Eigen::MatrixXd hessian_;
  std::vector<Eigen::MatrixXd> worker_hessians_;  // H_i, empty when ω = 0 or p = 1
  Eigen::MatrixXd scales_;                        // p × d: row i = s_i (empty when shared)
  Eigen::MatrixXd rotation_;
  Vector eigenvalues_;
  std::vector<Vector> worker_optima_;   // x*_i
  std::vector<Vector> worker_offsets_;  // H_i x*_i
  Vector offset_;                       // H x*
  OracleNoise noise_;
  ProblemConstants constants_;
};

}  // namespace localsgd
