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
};

class Quadratic final : public Problem, public StochasticOracle {
 public:
  // Draws, from the `data` stream of `seed` and in this order: the d × d Gaussian matrix whose QR
  // factor (with the signs that make it Haar-distributed) is Q, x* ~ N(0, I_d) projected onto the
  // range of H, and for ζ > 0 the p raw directions of the δ_i.
  Quadratic(const QuadraticOptions& options, int workers, std::uint64_t seed);

  // Bytes held once built, with the transient copies of construction: H, Q and the Gaussian matrix
  // (d × d each), x*_i and H x*_i per worker, and a few vectors of d.
  static double estimate_bytes(Index dim, int workers) {
    const auto d = static_cast<double>(dim);
    return 8 * (3 * d * d + 2 * workers * d + 8 * d);
  }

  std::string_view name() const override { return "quadratic"; }
  Index dim() const override { return hessian_.rows(); }
  int workers() const override { return static_cast<int>(worker_offsets_.size()); }

  double loss(const Vector& x) const override;
  void gradient(const Vector& x, Vector& out) const override;
  double gap(const Vector& x) const override;  // ½ eᵀHe, free of cancellation
  // ∇F_i(x) = Hx − H x*_i, plus the oracle noise for a mini-batch of `batch` calls.
  void stochastic_gradient(int worker, const Vector& x, int batch, Rng& rng, Vector& out) const override;
  const ProblemConstants& constants() const override { return constants_; }
  const StochasticOracle* stochastic_oracle() const override { return this; }

  const Eigen::MatrixXd& hessian() const { return hessian_; }
  const Eigen::MatrixXd& rotation() const { return rotation_; }  // Q (columns = eigenvectors)
  const Vector& eigenvalues() const { return eigenvalues_; }     // Λ, in the order given
  const Vector& worker_optimum(int worker) const { return worker_optima_[static_cast<std::size_t>(worker)]; }
  const OracleNoise& noise() const { return noise_; }

 private:
  Eigen::MatrixXd hessian_;
  Eigen::MatrixXd rotation_;
  Vector eigenvalues_;
  std::vector<Vector> worker_optima_;   // x*_i
  std::vector<Vector> worker_offsets_;  // H x*_i
  Vector offset_;                       // H x*
  OracleNoise noise_;
  ProblemConstants constants_;
};

}  // namespace localsgd
