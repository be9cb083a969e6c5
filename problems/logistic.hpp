#pragma once
// Finite-sum logistic regression with an optional L2 term (labels ±1):
//     F(x) = (1/n) Σ_j log(1 + exp(−y_j a_jᵀx)) + (λ/2)‖x‖².
// Constants:
//   x*, F*  by Newton's method (exact Hessian, Armijo backtracking) until the gradient no longer
//           decreases, i.e. to rounding (‖∇F(x*)‖ is reported in `how`);
//   L = λ_max(AᵀA)/(4n) + λ: the Hessian AᵀDA/n + λI has D_jj = σ(m_j)σ(−m_j) <= 1/4 with
//           equality at x = 0, so this is the smallest valid L (exact when λ_max comes from an
//           eigen-decomposition, estimated for d > 2000 by power iteration);
//   (computed in the constructor when λ = 0, where they decide whether F has a minimiser at all;
//   else at the first call of constants(), thread-safe, so that `localsgd validate` need not solve
//   for x*: on d = 2000 that takes a minute)
//   μ = λ:  F is λ-strongly convex, and no larger PL constant holds because the curvature of the
//           loss term vanishes far from the origin. With λ = 0, μ = 0 is reported (F is convex
//           but not PL with a positive constant on all of R^d), and the curvature at x* is given in
//           `how`; if the classes are linearly separable there is no minimiser at all and the
//           constructor throws.
#include <memory>
#include <mutex>
#include <vector>

#include "problems/classification_data.hpp"
#include "problems/partition.hpp"
#include "problems/problem.hpp"

namespace localsgd {

// log(1 + e^t) without overflow or loss of precision for large |t|.
double log1p_exp(double t);
// 1 / (1 + e^−t) without overflow.
double sigmoid(double t);

class Logistic final : public Problem, public FiniteSum {
 public:
  // Throws std::invalid_argument if λ = 0 and the loss has no minimiser (separable data), and if
  // a shard is empty.
  Logistic(std::shared_ptr<const ClassificationData> data, std::vector<Shard> shards, double l2);

  // Bytes for n dense rows of d features: A (n × d), labels, margins and per-row terms (a few
  // vectors of n), the Gram matrix, Newton's Hessian, its factorisation and the eigen-solver's
  // copy (d × d each), and the shard statistics' two vectors of d per worker. n = 0: everything
  // but the data (for data whose size is known only once read).
  static double estimate_bytes(Index rows, Index dim, int workers) {
    const auto n = static_cast<double>(rows);
    const auto d = static_cast<double>(dim);
    return 8 * (n * d + 6 * n + 4 * d * d + 2 * workers * d);
  }

  std::string_view name() const override { return "logistic"; }
  Index dim() const override { return data_->dim(); }
  int workers() const override { return static_cast<int>(shards_.size()); }

  double loss(const Vector& x) const override;
  void gradient(const Vector& x, Vector& out) const override;
  // A finite sum with per-row terms s_j = −y_j σ(−y_j a_jᵀx) and the ridge added after the mean:
  // the mini-batch gradient over rows j_b is g = (1/B) Σ_b s_jb a_jb + λx.
  const FiniteSum* finite_sum() const override { return this; }
  const DesignMatrix& design() const override { return data_->features; }
  const Shard& shard(int worker) const override { return shards_[static_cast<std::size_t>(worker)]; }
  void row_terms(const Index* rows, int count, double* dots_to_terms) const override;
  const double* row_values() const override { return data_->labels.data(); }
  void finish_batch(const Vector& x, Vector& out) const override { out.noalias() += l2_ * x; }
  // L, μ, F*, x* and the statistics at x*: computed at the first call when λ > 0 (thread-safe).
  // Throws std::invalid_argument if Newton's method does not converge (badly scaled data).
  const ProblemConstants& constants() const override;
  // True if L, F* and x* are certainly finite without computing them: λ > 0 (F* <= F(0) = log 2,
  // x* exists) and data magnitudes that bound λ_max(AᵀA) far below overflow. Never computes them.
  bool constants_certainly_finite() const;
  std::optional<Index> smallest_shard() const override { return smallest_shard_size(shards_); }

  // ∇²F(x) = AᵀDA/n + λI, dense d × d.
  Eigen::MatrixXd hessian(const Vector& x) const;

  const ClassificationData& data() const { return *data_; }
  double l2() const { return l2_; }
  int newton_iterations() const {
    (void)constants();
    return newton_iterations_;
  }

 private:
  void compute_constants() const;
  void solve_optimum() const;

  std::shared_ptr<const ClassificationData> data_;
  std::vector<Shard> shards_;
  double l2_;
  mutable std::once_flag constants_once_;
  mutable int newton_iterations_ = 0;
  mutable ProblemConstants constants_;
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
