#pragma once
// Oracle constants at x* of a finite sum F(x) = (1/n) Σ_j f_j(x) sampled per worker from shards,
// for losses whose per-sample gradients at x* have the form ∇f_j(x*) = s_j a_j + r (a scalar times
// the row, plus a vector common to all rows, e.g. an L2 term λx*):
//   worker i's mean gradient at x*:  m_i = ∇F_i(x*) = (1/|S_i|) Σ_{j∈S_i} s_j a_j + r,
//   σ²(x*) = (1/p) Σ_i (1/|S_i|) Σ_{j∈S_i} ‖∇f_j(x*) − m_i‖²   (variance of one sampled gradient),
//   ζ²     = (1/p) Σ_i ‖m_i‖²                                   (heterogeneity at x*).
#include <tbb/blocked_range.h>

#include <algorithm>
#include <vector>

#include "core/parallel.hpp"
#include "problems/design_matrix.hpp"
#include "problems/partition.hpp"

namespace localsgd {

// ‖s·a_j − c‖²: directly for dense rows; for sparse rows expanded as s²‖a_j‖² − 2s·a_jᵀc + ‖c‖², so
// that a row costs its non-zeros only (c_sq = ‖c‖²).
inline double squared_distance(const RowMatrix& a, Index j, double s, const Vector& c, double /*c_sq*/) {
  return (s * a.row(j).transpose() - c).squaredNorm();
}
inline double squared_distance(const SparseRowMatrix& a, Index j, double s, const Vector& c, double c_sq) {
  return std::max(0.0, s * s * row_squared_norm(a, j) - 2.0 * s * row_dot(a, j, c) + c_sq);
}

struct FiniteSumStatistics {
  double sigma2_at_optimum = 0;
  double heterogeneity = 0;
};

// The shards are independent: each is computed alone (on every core), then their terms are added
// in shard order, so the result has the same bits for any thread count.
template <class Matrix>
FiniteSumStatistics finite_sum_statistics(const Matrix& a, const Vector& s, const Vector& r,
                                          const std::vector<Shard>& shards) {
  const auto p = static_cast<Index>(shards.size());
  std::vector<FiniteSumStatistics> per_shard(shards.size());
  parallel_for_range(tbb::blocked_range<Index>(0, p), [&](const tbb::blocked_range<Index>& range) {
    for (Index i = range.begin(); i != range.end(); ++i) {
      const Shard& shard = shards[static_cast<std::size_t>(i)];
      const auto size = static_cast<double>(shard.size());
      Vector mean = Vector::Zero(a.cols());
      for (Index j : shard) add_row(a, j, s[j] / size, mean);
      // Two-pass variance around c = m_i − r (the common r cancels in ∇f_j(x*) − m_i).
      double variance = 0;
      const double centre_sq = mean.squaredNorm();
      for (Index j : shard) variance += squared_distance(a, j, s[j], mean, centre_sq);
      per_shard[static_cast<std::size_t>(i)] = {variance / size, (mean + r).squaredNorm()};
    }
  });
  FiniteSumStatistics out;
  for (const FiniteSumStatistics& term : per_shard) {
    out.sigma2_at_optimum += term.sigma2_at_optimum;
    out.heterogeneity += term.heterogeneity;
  }
  out.sigma2_at_optimum /= static_cast<double>(p);
  out.heterogeneity /= static_cast<double>(p);
  return out;
}

}  // namespace localsgd
