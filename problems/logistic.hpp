#pragma once
// Finite-sum logistic regression with an optional L2 term (labels ±1):
//     F(x) = (1/n) Σ_j log(1 + exp(−y_j a_jᵀx)) + (λ/2)‖x‖².
// Constants:
//   x*, F*  by Newton's method (exact Hessian, Armijo backtracking) until the gradient no longer
//           decreases, i.e. to rounding (‖∇F(x*)‖ is reported in `how`);
//   L = λ_max(AᵀA)/(4n) + λ: the Hessian AᵀDA/n + λI has D_jj = σ(m_j)σ(−m_j) <= 1/4 with
//           equality at x = 0, so this is the smallest valid L (exact when λ_max comes from an
//           eigen-decomposition, estimated for d > 2000 by power iteration);
//   μ = λ:  F is λ-strongly convex, and no larger PL constant holds because the curvature of the
//           loss term vanishes far from the origin. With λ = 0, μ = 0 is reported (F is convex
//           but not PL with a positive constant on all of R^d), and the curvature at x* is given in
//           `how`; if the classes are linearly separable there is no minimiser at all and the
//           constructor throws.
#include <memory>
#include <vector>

#include "problems/classification_data.hpp"
#include "problems/partition.hpp"
#include "problems/problem.hpp"

namespace localsgd {

// log(1 + e^t) without overflow or loss of precision for large |t|.
double log1p_exp(double t);
// 1 / (1 + e^−t) without overflow.
double sigmoid(double t);

class Logistic final : public Problem {
 public:
  // Throws std::invalid_argument if λ = 0 and the loss has no minimiser (separable data), and if
  // a shard is empty.
  Logistic(std::shared_ptr<const ClassificationData> data, std::vector<Shard> shards, double l2);

  std::string_view name() const override { return "logistic"; }
  Index dim() const override { return data_->dim(); }
  int workers() const override { return static_cast<int>(shards_.size()); }

  double loss(const Vector& x) const override;
  void gradient(const Vector& x, Vector& out) const override;
  // Samples B rows of the worker's shard uniformly with replacement:
  // g = (1/B) Σ_b −y_jb σ(−y_jb a_jbᵀx) a_jb + λx.
  void stochastic_gradient(int worker, const Vector& x, int batch, Rng& rng, Vector& out) const override;
  const ProblemConstants& constants() const override { return constants_; }
  std::optional<Index> smallest_shard() const override { return smallest_shard_size(shards_); }

  // ∇²F(x) = AᵀDA/n + λI, dense d × d.
  Eigen::MatrixXd hessian(const Vector& x) const;

  const ClassificationData& data() const { return *data_; }
  const Shard& shard(int worker) const { return shards_[static_cast<std::size_t>(worker)]; }
  double l2() const { return l2_; }
  int newton_iterations() const { return newton_iterations_; }

 private:
  void solve_optimum();

  std::shared_ptr<const ClassificationData> data_;
  std::vector<Shard> shards_;
  double l2_;
  int newton_iterations_ = 0;
  ProblemConstants constants_;
};

// λ_max(AᵀA): from the eigenvalues of the dense Gram matrix for d <= 2000 (exact = true), else by
// power iteration on AᵀA until the Rayleigh quotient changes by less than 1e-12 relatively
// (exact = false; the quotient never exceeds λ_max).
struct LargestEigenvalue {
  double value = 0;
  bool exact = true;
};
LargestEigenvalue largest_gram_eigenvalue(const DesignMatrix& a);

}  // namespace localsgd
