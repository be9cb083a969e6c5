#include "problems/least_squares.hpp"

#include <fmt/format.h>

#include <Eigen/Eigenvalues>
#include <Eigen/QR>
#include <cmath>
#include <stdexcept>
#include <utility>

#include "problems/finite_sum_statistics.hpp"

namespace localsgd {

LeastSquares::LeastSquares(std::shared_ptr<const RegressionData> data, std::vector<Shard> shards)
    : data_(std::move(data)), shards_(std::move(shards)) {
  const DesignMatrix& a = data_->features;
  if (a.rows() == 0 || a.cols() == 0) throw std::invalid_argument("least squares: empty data set");
  for (const auto& s : shards_) {
    if (s.empty()) throw std::invalid_argument("least squares: a worker has an empty shard");
  }
  const auto n = static_cast<double>(a.rows());
  hessian_ = a.weighted_gram() / n;

  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eigen(hessian_, Eigen::EigenvaluesOnly);
  const Vector& ev = eigen.eigenvalues();  // ascending
  const double largest = ev[ev.size() - 1];
  // Eigenvalues below this are zero up to rounding: H is singular there and F is PL (not
  // strongly convex) with μ = the smallest non-zero eigenvalue.
  const double zero_tolerance = largest * static_cast<double>(ev.size()) * 1e-13;

  // x*: the least-norm least-squares solution, with the same rank as the eigenvalues above (a
  // direction whose eigenvalue of H is below zero_tolerance counts as null, so one-hot encoded
  // data with exactly dependent columns get the least-norm solution, not a huge one fitted to
  // rounding). Dense: a complete orthogonal decomposition of A, whose pivots scale like singular
  // values s (H's eigenvalues are s²). Sparse: of the normal equations H x = Aᵀy/n, which have the
  // same least-norm solution (null(H) = null(A)) and cost d × d instead of n × d.
  const double relative_tolerance = static_cast<double>(ev.size()) * 1e-13;
  Index rank = 0;
  if (a.is_sparse()) {
    Eigen::CompleteOrthogonalDecomposition<Eigen::MatrixXd> cod;
    cod.setThreshold(relative_tolerance);
    cod.compute(hessian_);
    constants_.optimum = cod.solve(a.transpose_times(data_->targets) / n);
    rank = cod.rank();
  } else {
    Eigen::CompleteOrthogonalDecomposition<RowMatrix> cod;
    cod.setThreshold(std::sqrt(relative_tolerance));
    cod.compute(a.dense());
    constants_.optimum = cod.solve(data_->targets);
    rank = cod.rank();
  }
  // Interpolation (y in the range of A: noiseless targets, or rank(A) = n as when n <= d with a
  // generic design): F* = 0 exactly, where F(x*) would give rounding noise of order 1e-30.
  const bool interpolating = data_->noiseless || rank == a.rows();
  constants_.optimal_value = interpolating ? 0.0 : loss(constants_.optimum);

  double smallest_nonzero = largest;
  for (Index k = 0; k < ev.size(); ++k) {
    if (ev[k] > zero_tolerance) {
      smallest_nonzero = ev[k];
      break;
    }
  }
  constants_.smoothness = largest;
  constants_.pl = smallest_nonzero;
  // Per-sample gradients at x*: a_j (a_jᵀx* − y_j).
  const Vector residuals = a.times(constants_.optimum) - data_->targets;
  const FiniteSumStatistics stats = a.visit(
      [&](const auto& m) { return finite_sum_statistics(m, residuals, Vector::Zero(a.cols()), shards_); });
  constants_.sigma2_at_optimum = stats.sigma2_at_optimum;
  constants_.heterogeneity = stats.heterogeneity;
  Index zero_eigenvalues = 0;
  for (Index k = 0; k < ev.size(); ++k) zero_eigenvalues += ev[k] <= zero_tolerance ? 1 : 0;
  constants_.how = fmt::format(
      "data: {} ({} rows, {} features, stored {}); x* (least-norm minimiser) by complete orthogonal decomposition "
      "of {} (rank {}); F* = {}; L and mu = largest and smallest non-zero eigenvalues of A^T A / n{} (exact); sigma2 "
      "and heterogeneity at x* exact for the shards",
      data_->description, a.rows(), a.cols(), a.is_sparse() ? "sparse" : "dense",
      a.is_sparse() ? "A^T A / n" : "A", rank, interpolating ? "0 (the targets are interpolated)" : "F(x*)",
      zero_eigenvalues > 0 ? fmt::format(" ({} zero eigenvalues: PL but not strongly convex)", zero_eigenvalues) : "");
}

double LeastSquares::loss(const Vector& x) const {
  const DesignMatrix& a = data_->features;
  return (a.times(x) - data_->targets).squaredNorm() / (2.0 * static_cast<double>(a.rows()));
}

void LeastSquares::gradient(const Vector& x, Vector& out) const {
  const DesignMatrix& a = data_->features;
  out = a.transpose_times(a.times(x) - data_->targets);
  out /= static_cast<double>(a.rows());
}

double LeastSquares::gap(const Vector& x) const {
  const Vector e = x - constants_.optimum;
  return 0.5 * e.dot(hessian_ * e);
}

void LeastSquares::stochastic_gradient(int worker, const Vector& x, int batch, Rng& rng,
                                       Vector& out) const {
  const Shard& rows = shards_[static_cast<std::size_t>(worker)];
  const auto& y = data_->targets;
  out.setZero();
  data_->features.visit([&](const auto& a) {  // dispatch on the storage once per mini-batch
    for (int b = 0; b < batch; ++b) {
      const Index j = rows[uniform_index(rng, rows.size())];
      add_row(a, j, row_dot(a, j, x) - y[j], out);
    }
  });
  out /= static_cast<double>(batch);
}

}  // namespace localsgd
