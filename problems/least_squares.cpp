#include "problems/least_squares.hpp"

#include <fmt/format.h>

#include <Eigen/Eigenvalues>
#include <Eigen/QR>
#include <stdexcept>
#include <utility>

#include "problems/finite_sum_statistics.hpp"

namespace localsgd {

LeastSquares::LeastSquares(std::shared_ptr<const RegressionData> data, std::vector<Shard> shards)
    : data_(std::move(data)), shards_(std::move(shards)) {
  const auto& a = data_->features;
  if (a.rows() == 0 || a.cols() == 0) throw std::invalid_argument("least squares: empty data set");
  for (const auto& s : shards_) {
    if (s.empty()) throw std::invalid_argument("least squares: a worker has an empty shard");
  }
  const auto n = static_cast<double>(a.rows());
  hessian_ = (a.transpose() * a) / n;

  const Eigen::CompleteOrthogonalDecomposition<RowMatrix> cod(a);
  constants_.optimum = cod.solve(data_->targets);
  // Interpolation (y in the range of A: noiseless targets, or rank(A) = n as when n <= d with a
  // generic design): F* = 0 exactly, where F(x*) would give rounding noise of order 1e-30.
  const bool interpolating = data_->noiseless || cod.rank() == a.rows();
  constants_.optimal_value = interpolating ? 0.0 : loss(constants_.optimum);

  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eigen(hessian_, Eigen::EigenvaluesOnly);
  const Vector& ev = eigen.eigenvalues();  // ascending
  const double largest = ev[ev.size() - 1];
  // Eigenvalues below this are zero up to rounding: H is singular there and F is PL (not
  // strongly convex) with μ = the smallest non-zero eigenvalue.
  const double zero_tolerance = largest * static_cast<double>(ev.size()) * 1e-13;
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
  const Vector residuals = a * constants_.optimum - data_->targets;
  const FiniteSumStatistics stats = finite_sum_statistics(a, residuals, Vector::Zero(a.cols()), shards_);
  constants_.sigma2_at_optimum = stats.sigma2_at_optimum;
  constants_.heterogeneity = stats.heterogeneity;
  Index zero_eigenvalues = 0;
  for (Index k = 0; k < ev.size(); ++k) zero_eigenvalues += ev[k] <= zero_tolerance ? 1 : 0;
  constants_.how = fmt::format(
      "x* (least-norm minimiser) by complete orthogonal decomposition of A (rank {}); F* = {}; L and mu = largest "
      "and smallest non-zero eigenvalues of A^T A / n{} (exact); sigma2 and heterogeneity at x* exact for the shards",
      cod.rank(), interpolating ? "0 (the targets are interpolated)" : "F(x*)",
      zero_eigenvalues > 0 ? fmt::format(" ({} zero eigenvalues: PL but not strongly convex)", zero_eigenvalues) : "");
}

double LeastSquares::loss(const Vector& x) const {
  const auto& a = data_->features;
  return (a * x - data_->targets).squaredNorm() / (2.0 * static_cast<double>(a.rows()));
}

void LeastSquares::gradient(const Vector& x, Vector& out) const {
  const auto& a = data_->features;
  out.noalias() = a.transpose() * (a * x - data_->targets);
  out /= static_cast<double>(a.rows());
}

double LeastSquares::gap(const Vector& x) const {
  const Vector e = x - constants_.optimum;
  return 0.5 * e.dot(hessian_ * e);
}

void LeastSquares::stochastic_gradient(int worker, const Vector& x, int batch, Rng& rng,
                                       Vector& out) const {
  const Shard& rows = shards_[static_cast<std::size_t>(worker)];
  const auto& a = data_->features;
  const auto& y = data_->targets;
  out.setZero();
  for (int b = 0; b < batch; ++b) {
    const Index j = rows[uniform_index(rng, rows.size())];
    const double residual = a.row(j).dot(x) - y[j];
    out.noalias() += residual * a.row(j).transpose();
  }
  out /= static_cast<double>(batch);
}

}  // namespace localsgd
