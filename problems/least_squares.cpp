#include "problems/least_squares.hpp"

#include <fmt/format.h>

#include <Eigen/Eigenvalues>
#include <Eigen/QR>
#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <utility>

#include "problems/finite_sum_statistics.hpp"

namespace localsgd {

LeastSquares::LeastSquares(std::shared_ptr<const RegressionData> data, std::vector<Shard> shards,
                           LeastSquaresConstants how)
    : data_(std::move(data)), shards_(std::move(shards)), how_(how) {
  const DesignMatrix& a = data_->features;
  if (a.rows() == 0 || a.cols() == 0) throw std::invalid_argument("least squares: empty data set");
  for (const auto& s : shards_) {
    if (s.empty()) throw std::invalid_argument("least squares: a worker has an empty shard");
  }
  if (how_ == LeastSquaresConstants::interpolation) {
    use_generating_point();
  } else {
    compute_exact_constants();
  }
}

void LeastSquares::compute_exact_constants() {
  const auto& a = data_->features;
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
  constants_.optimal_value = interpolating ? 0.0 : direct_loss(constants_.optimum);

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

void LeastSquares::use_generating_point() {
  const auto& a = data_->features;
  if (!data_->noiseless || data_->truth.size() != a.cols()) {
    throw std::invalid_argument(
        "least squares: constants \"interpolation\" needs noiseless synthetic data (noise = 0), whose generating "
        "point is known");
  }
  const Index n = a.rows();
  const Index d = a.cols();
  constants_.optimum = data_->truth;
  constants_.optimal_value = 0.0;
  constants_.optimum_exact = n >= d;
  const double ratio = std::sqrt(static_cast<double>(d) / static_cast<double>(n));
  constants_.smoothness = (1.0 + ratio) * (1.0 + ratio);
  constants_.pl = (1.0 - ratio) * (1.0 - ratio);
  constants_.smoothness_exact = false;
  constants_.pl_exact = false;
  constants_.sigma2_at_optimum = 0.0;
  constants_.heterogeneity = 0.0;
  constants_.how = fmt::format(
      "F* = 0 (noiseless targets are interpolated) and gap = F exactly; x* = the generating point{}; sigma2 and "
      "heterogeneity at x* = 0 (every residual vanishes); L and mu estimated as the Marchenko-Pastur edges "
      "(1 +- sqrt(d/n))^2 of a Gaussian design, not computed from the data",
      n >= d ? " (the unique minimiser: A has full column rank with probability 1)"
             : " (a minimiser, not the least-norm one: n < d)");
}

Vector LeastSquares::residual(const Vector& x) const { return data_->features.times(x) - data_->targets; }

double LeastSquares::direct_loss(const Vector& x) const {
  return residual(x).squaredNorm() / (2.0 * static_cast<double>(data_->features.rows()));
}

double LeastSquares::hessian_gap(const Vector& x, Vector& e, Vector& he) const {
  e = x - constants_.optimum;
  he.noalias() = hessian_ * e;
  return 0.5 * e.dot(he);
}

double LeastSquares::loss(const Vector& x) const {
  if (how_ == LeastSquaresConstants::interpolation) return direct_loss(x);
  return constants_.optimal_value + gap(x);
}

void LeastSquares::gradient(const Vector& x, Vector& out) const {
  if (how_ == LeastSquaresConstants::interpolation) {
    const DesignMatrix& a = data_->features;
    out = a.transpose_times(residual(x));
    out /= static_cast<double>(a.rows());
    return;
  }
  Vector e;
  hessian_gap(x, e, out);
}

double LeastSquares::gap(const Vector& x) const {
  if (how_ == LeastSquaresConstants::interpolation) return direct_loss(x);
  Vector e, he;
  return hessian_gap(x, e, he);
}

PointMetrics LeastSquares::metrics(const Vector& x, Vector& gradient_out) const {
  PointMetrics m;
  if (how_ == LeastSquaresConstants::interpolation) {
    const auto& a = data_->features;
    const Vector r = residual(x);
    m.loss = r.squaredNorm() / (2.0 * static_cast<double>(a.rows()));
    m.gap = m.loss;
    gradient_out = a.transpose_times(r);
    gradient_out /= static_cast<double>(a.rows());
  } else {
    Vector e;
    m.gap = hessian_gap(x, e, gradient_out);
    m.loss = constants_.optimal_value + m.gap;
  }
  m.grad_norm_sq = gradient_out.squaredNorm();
  return m;
}

void LeastSquares::row_terms(const Index* rows, int count, double* dots_to_terms) const {
  const Vector& y = data_->targets;
  for (int b = 0; b < count; ++b) dots_to_terms[b] -= y[rows[b]];
}

}  // namespace localsgd
