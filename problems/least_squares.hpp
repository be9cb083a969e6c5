#pragma once
// Finite-sum least squares F(x) = (1/2n)‖Ax − y‖², A dense or sparse, with shards per worker.
#include <memory>
#include <vector>

#include "problems/partition.hpp"
#include "problems/problem.hpp"
#include "problems/regression_data.hpp"

namespace localsgd {

class LeastSquares final : public Problem {
 public:
  // The constants are computed exactly at construction: x* by a complete orthogonal
  // decomposition of A, or of AᵀA/n for sparse A (the least-norm minimiser if A is rank
  // deficient), F* = F(x*), and L, μ as
  // the largest and smallest non-zero eigenvalues of H = AᵀA/n (for least squares the PL
  // constant is the smallest non-zero eigenvalue of H).
  LeastSquares(std::shared_ptr<const RegressionData> data, std::vector<Shard> shards);

  std::string_view name() const override { return "least_squares"; }
  Index dim() const override { return data_->features.cols(); }
  int workers() const override { return static_cast<int>(shards_.size()); }

  double loss(const Vector& x) const override;
  void gradient(const Vector& x, Vector& out) const override;
  // ½ (x − x*)ᵀ H (x − x*): equal to F(x) − F* because Aᵀ(Ax* − y) = 0, and free of the
  // cancellation that F(x) − F* suffers near the optimum.
  double gap(const Vector& x) const override;

  // Samples B rows of the worker's shard uniformly with replacement:
  // g = (1/B) Σ_b a_jb (a_jbᵀ x − y_jb).
  void stochastic_gradient(int worker, const Vector& x, int batch, Rng& rng, Vector& out) const override;

  const ProblemConstants& constants() const override { return constants_; }
  std::optional<Index> smallest_shard() const override { return smallest_shard_size(shards_); }

  const RegressionData& data() const { return *data_; }
  const Shard& shard(int worker) const { return shards_[static_cast<std::size_t>(worker)]; }
  const Eigen::MatrixXd& hessian() const { return hessian_; }

 private:
  std::shared_ptr<const RegressionData> data_;
  std::vector<Shard> shards_;
  Eigen::MatrixXd hessian_;  // AᵀA/n
  ProblemConstants constants_;
};

}  // namespace localsgd
