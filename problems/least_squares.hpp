#pragma once
// Finite-sum least squares F(x) = (1/2n)‖Ax − y‖², A dense or sparse, with shards per worker.
#include <memory>
#include <vector>

#include "core/kernels.hpp"
#include "problems/partition.hpp"
#include "problems/problem.hpp"
#include "problems/regression_data.hpp"

namespace localsgd {

// How the constants are obtained.
//   exact: x* by a complete orthogonal decomposition of A (the least-norm minimiser if A is rank
//     deficient), F* = F(x*), and L, μ as the largest and smallest non-zero eigenvalues of
//     H = AᵀA/n (for least squares the PL constant is the smallest non-zero eigenvalue of H).
//     O(nd² + d³) time and a d × d matrix H, which then makes every evaluation cost O(d²):
//     F(x) = F* + ½ eᵀHe and ∇F(x) = He with e = x − x* (exact identities, since ∇F(x*) = 0).
//   interpolation: for noiseless data with a known generating point (y = A x_true) and rows
//     N(0, I): F* = 0 and x_true is a minimiser, so F(x) − F* = F(x) exactly and no
//     factorisation is needed; x* = x_true (the unique minimiser when n >= d, A then having
//     full column rank with probability 1); σ² and ζ² at x* are 0 (every residual vanishes); L
//     and μ are estimated by the Marchenko–Pastur edges (1 ± √(d/n))² of a Gaussian design.
//     O(nd) time, no d × d matrix; an evaluation is one pass over A for F and one for ∇F. For
//     large d, where the exact constants cannot be afforded.
enum class LeastSquaresConstants { exact, interpolation };

class LeastSquares final : public Problem {
 public:
  // `how` chooses how the constants are obtained (above). Sparse data needs `exact`.
  LeastSquares(std::shared_ptr<const RegressionData> data, std::vector<Shard> shards,
               LeastSquaresConstants how = LeastSquaresConstants::exact);

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

  // Samples B rows of the worker's shard uniformly with replacement:
  // g = (1/B) Σ_b a_jb (a_jbᵀ x − y_jb).
  void stochastic_gradient(int worker, const Vector& x, int batch, Rng& rng, Vector& out) const override;
  // Dense data only: the row kernels read rows of a row-major matrix.
  bool samples_rows() const override { return !data_->features.is_sparse(); }
  void draw_rows(int worker, int batch, Rng& rng, Index* rows) const override;
  void prefetch_rows(const Index* rows, int batch) const override {
    kernels::prefetch_rows(dense_rows_, data_->features.cols(), rows, batch);
  }
  void gradient_at_rows(int worker, const Vector& x, const Index* rows, int batch, Vector& out) const override;

  const ProblemConstants& constants() const override { return constants_; }
  std::optional<Index> smallest_shard() const override { return smallest_shard_size(shards_); }

  const RegressionData& data() const { return *data_; }
  const Shard& shard(int worker) const { return shards_[static_cast<std::size_t>(worker)]; }
  LeastSquaresConstants how() const { return how_; }
  // H = AᵀA/n; empty with LeastSquaresConstants::interpolation.
  const Eigen::MatrixXd& hessian() const { return hessian_; }

 private:
  void compute_exact_constants();
  void use_generating_point();
  Vector residual(const Vector& x) const;  // Ax − y
  // out += Σ_b a_j (a_jᵀx − y_j) over count <= kernels::kLeastSquaresChunk dense rows, in order.
  void add_row_gradients(const Vector& x, const Index* rows, int count, Vector& out) const;
  // (1/2n)‖Ax − y‖², straight from the data.
  double direct_loss(const Vector& x) const;
  // e = x − x*, he = H e; returns ½ eᵀHe.
  double hessian_gap(const Vector& x, Vector& e, Vector& he) const;

  std::shared_ptr<const RegressionData> data_;
  std::vector<Shard> shards_;
  LeastSquaresConstants how_;
  const double* dense_rows_ = nullptr;  // A's row-major values when stored dense (the row kernels' input)
  Eigen::MatrixXd hessian_;  // AᵀA/n (exact constants only)
  ProblemConstants constants_;
};

}  // namespace localsgd
