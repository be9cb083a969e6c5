#pragma once
// Finite-sum least squares F(x) = (1/2n)‖Ax − y‖², A dense or sparse, with shards per worker.
#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

#include "problems/partition.hpp"
#include "problems/problem.hpp"
#include "problems/regression_data.hpp"

namespace localsgd {

// How the constants are obtained.
//   exact: L, μ as the largest and smallest non-zero eigenvalues of H = AᵀA/n (for least squares
//     the PL constant is the smallest non-zero eigenvalue of H); x* (the least-norm minimiser if A
//     is rank deficient) to rounding, F* = F(x*). O(nd² + d³) time and a d × d matrix H, which
//     then makes every evaluation cost O(d²): F(x) = F* + ½ eᵀHe and ∇F(x) = He with e = x − x*
//     (exact identities, since ∇F(x*) = 0). Computed on first use (constants() or an
//     evaluation), so that checking a spec, which needs the data but not the constants, skips them.
//   interpolation: for noiseless data with a known generating point (y = A x_true) and rows
//     N(0, I): F* = 0 and x_true is a minimiser, so F(x) − F* = F(x) exactly and no
//     factorisation is needed; x* = x_true (the unique minimiser when n >= d, A then having
//     full column rank with probability 1); σ² and ζ² at x* are 0 (every residual vanishes); L
//     and μ are estimated by the Marchenko–Pastur edges (1 ± √(d/n))² of a Gaussian design.
//     O(nd) time, no d × d matrix; an evaluation is one pass over A for F and one for ∇F. For
//     large d, where the exact constants cannot be afforded.
enum class LeastSquaresConstants { exact, interpolation };

class LeastSquares final : public Problem, public FiniteSum {
 public:
  // `how` chooses how the constants are obtained (above). Sparse data needs `exact`.
  LeastSquares(std::shared_ptr<const RegressionData> data, std::vector<Shard> shards,
               LeastSquaresConstants how = LeastSquaresConstants::exact);

  // Bytes for n dense rows of d features: A and its decomposition's copy (n × d each), targets and
  // residuals (n), with exact constants H, its eigen-decomposition's and the factorisation's
  // d × d matrices, and the shard statistics' two vectors of d per worker. n = 0: everything but
  // the data (for data whose size is known only once read).
  static double estimate_bytes(Index rows, Index dim, int workers,
                               LeastSquaresConstants how = LeastSquaresConstants::exact) {
    const auto n = static_cast<double>(rows);
    const auto d = static_cast<double>(dim);
    const double square = how == LeastSquaresConstants::interpolation ? 0.0 : 3 * d * d;
    return 8 * (2 * n * d + 3 * n + square + 2 * workers * d);
  }

  std::string_view name() const override { return "least_squares"; }
  Index dim() const override { return data_->features.cols(); }
  int workers() const override { return static_cast<int>(shards_.size()); }

  // Exact constants: F* + ½ eᵀHe, He and ½ eᵀHe with e = x − x* (the gap is then free of the
  // cancellation that F(x) − F* suffers near the optimum). Interpolation: (1/2n)‖Ax − y‖²,
  // Aᵀ(Ax − y)/n and F(x) itself.
  double loss(const Vector& x) const override;
  void gradient(const Vector& x, Vector& out) const override;
  double gap(const Vector& x) const override;
  PointMetrics metrics(const Vector& x, Vector& gradient_out) const override;

  // A finite sum with per-row terms s_j = a_jᵀx − y_j: the mini-batch gradient over rows j_b is
  // g = (1/B) Σ_b a_jb (a_jbᵀx − y_jb).
  const FiniteSum* finite_sum() const override { return this; }
  const DesignMatrix& design() const override { return data_->features; }
  const Shard& shard(int worker) const override { return shards_[static_cast<std::size_t>(worker)]; }
  void row_terms(const Index* rows, int count, double* dots_to_terms) const override;
  const double* row_values() const override { return data_->targets.data(); }

  // Exact constants: computed at the first call (thread-safe; later calls return them at once).
  const ProblemConstants& constants() const override;
  // Whether the exact constants have been computed (always true with interpolation).
  bool constants_computed() const;
  // True if L, F* and x* are certainly finite: when computed, whether they are; otherwise from one
  // pass over the data, whose magnitudes bound them (least_squares.cpp). False: not known without
  // computing them (they may still be finite). Never computes the constants.
  bool constants_certainly_finite() const;
  std::optional<Index> smallest_shard() const override { return smallest_shard_size(shards_); }

  const RegressionData& data() const { return *data_; }
  LeastSquaresConstants how() const { return how_; }
  // H = AᵀA/n; empty with LeastSquaresConstants::interpolation.
  const Eigen::MatrixXd& hessian() const {
    ensure_constants();
    return hessian_;
  }

 private:
  void ensure_constants() const;
  void compute_exact_constants() const;
  // x* and its residual Ax* − y when H is well conditioned: the normal equations, refined.
  bool solve_by_refined_normal_equations(Vector& optimum, Vector& residual) const;
  void use_generating_point();
  Vector residual(const Vector& x) const;  // Ax − y
  // (1/2n)‖Ax − y‖², straight from the data.
  double direct_loss(const Vector& x) const;
  // e = x − x*, he = H e; returns ½ eᵀHe.
  double hessian_gap(const Vector& x, Vector& e, Vector& he) const;

  std::shared_ptr<const RegressionData> data_;
  std::vector<Shard> shards_;
  LeastSquaresConstants how_;
  // Computed once, on first use (exact constants); set in the constructor (interpolation).
  mutable std::once_flag exact_once_;
  mutable std::atomic<bool> computed_{false};
  mutable Eigen::MatrixXd hessian_;  // AᵀA/n (exact constants only)
  mutable ProblemConstants constants_;
};

}  // namespace localsgd
