#include "problems/least_squares.hpp"

#include <fmt/format.h>

#include <tbb/task_arena.h>

#include <Eigen/Cholesky>
#include <Eigen/Eigenvalues>
#include <Eigen/QR>
#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

#include "problems/finite_sum_statistics.hpp"
#include "problems/row_block_products.hpp"

namespace localsgd {

LeastSquares::LeastSquares(std::shared_ptr<const RegressionData> data, std::vector<Shard> shards,
                           LeastSquaresConstants how)
    : data_(std::move(data)), shards_(std::move(shards)), how_(how) {
  const DesignMatrix& a = data_->features;
  if (a.rows() == 0 || a.cols() == 0) throw std::invalid_argument("least squares: empty data set");
  for (const auto& s : shards_) {
    if (s.empty()) throw std::invalid_argument("least squares: a worker has an empty shard");
  }
  // Exact constants: on first use (ensure_constants).
  if (how_ == LeastSquaresConstants::interpolation) use_generating_point();
}

namespace {

// H = AᵀA/n with condition number κ(H) = κ(A)² at most this gets x* from the normal equations
// with iterative refinement (below); a worse conditioned or singular H from a complete orthogonal
// decomposition. At κ(H) <= 1e8 one refinement step contracts the error by about κ(H)·d·ε <= 1e-4
// (d <= 1e4), so a few steps reach the rounding floor.
constexpr double kMaxRefinedCondition = 1e8;
constexpr int kMaxRefinements = 12;

}  // namespace

void LeastSquares::ensure_constants() const {
  if (how_ == LeastSquaresConstants::interpolation) return;
  std::call_once(exact_once_, [this] {
    // Isolated: while this thread waits for the parallel parts, it must not pick up another task
    // (another run) that asks for these constants and so would wait for this very call_once.
    tbb::this_task_arena::isolate([this] { compute_exact_constants(); });
    computed_.store(true, std::memory_order_release);
  });
}

const ProblemConstants& LeastSquares::constants() const {
  ensure_constants();
  return constants_;
}

bool LeastSquares::constants_computed() const {
  return how_ == LeastSquaresConstants::interpolation || computed_.load(std::memory_order_acquire);
}

// With every non-zero |a_ij| in [1e-50, 1e50], every |y_j| <= 1e50 and n <= 1e9, d <= 1e6: L <=
// trace(H) <= 1e106 and F* <= F(0) <= 1e100; λ_max(H) >= max_k H_kk >= 1e-109 unless A = 0 (then
// x* = 0), and a direction of x* is kept only if its eigenvalue (or pivot²) is above d·1e-13·λ_max
// >= 1e-122, so |x*| <= |Aᵀy|/(n·1e-122) <= 1e225. Only a rounding amplification by 1e80 beyond
// these bounds could overflow, so within them the constants need not be computed to be known
// finite (validation uses this); outside them, false means "not known without computing them".
bool LeastSquares::constants_certainly_finite() const {
  if (constants_computed()) {
    return std::isfinite(constants_.smoothness) && std::isfinite(constants_.optimal_value) &&
           constants_.optimum.allFinite();
  }
  const DesignMatrix& a = data_->features;
  auto within = [](const double* values, Index count, double upper) {
    for (Index k = 0; k < count; ++k) {
      const double v = std::abs(values[k]);
      if (!(v <= upper) || (v != 0 && v < 1e-50)) return false;
    }
    return true;
  };
  const bool bounded = a.rows() <= 1'000'000'000 && a.cols() <= 1'000'000 &&
                       within(data_->targets.data(), data_->targets.size(), 1e50) &&
                       a.visit([&](const auto& m) {
                         if constexpr (std::is_same_v<std::decay_t<decltype(m)>, RowMatrix>) {
                           return within(m.data(), m.size(), 1e50);
                         } else {
                           return within(m.valuePtr(), m.nonZeros(), 1e50);
                         }
                       });
  return bounded;
}

// Fixed-precision iterative refinement of the normal equations H x = Aᵀy/n (Björck, Numerical
// Methods for Least Squares Problems, SIAM 1996, §2.9): x_{k+1} = x_k − C⁻¹Aᵀ(Ax_k − y)/n with C
// the Cholesky factorisation of H. The residual is recomputed from A each step, so the limit has
// the accuracy of a backward-stable QR solve (forward error of order κ(A)ε|x*| + κ(A)²ε|r|/|A|),
// not the κ(A)²ε of the plain normal equations, at the cost of a few passes over A. Stops at the
// rounding floor: when the correction is below rounding of x, or stops shrinking. Returns false
// (the caller then factorises A) if H is not numerically positive definite or it does not settle.
bool LeastSquares::solve_by_refined_normal_equations(Vector& x, Vector& r) const {
  const DesignMatrix& a = data_->features;
  const Vector& y = data_->targets;
  const auto n = static_cast<double>(a.rows());
  const Eigen::LLT<Eigen::MatrixXd> cholesky(hessian_);
  if (cholesky.info() != Eigen::Success) return false;
  x = cholesky.solve(transpose_times_by_row_blocks(a, y) / n);
  double previous = std::numeric_limits<double>::infinity();
  for (int k = 0; k < kMaxRefinements; ++k) {
    r = times_by_row_blocks(a, x) - y;
    const Vector correction = cholesky.solve(transpose_times_by_row_blocks(a, r) / n);
    const double size = correction.norm();
    if (!std::isfinite(size)) return false;
    // x and r = Ax − y belong together here: the correction is rounding noise.
    if (size <= 4 * std::numeric_limits<double>::epsilon() * x.norm() || size > 0.5 * previous) return true;
    x -= correction;
    previous = size;
  }
  return false;
}

void LeastSquares::compute_exact_constants() const {
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
  // rounding). Non-singular and well-conditioned H: the refined normal equations (O(nd) per step
  // after the Gram matrix). Otherwise a complete orthogonal decomposition, dense: of A, whose
  // pivots scale like singular values s (H's eigenvalues are s²); sparse: of the normal equations
  // H x = Aᵀy/n, which have the same least-norm solution (null(H) = null(A)) and cost d × d
  // instead of n × d.
  const double relative_tolerance = static_cast<double>(ev.size()) * 1e-13;
  Index rank = 0;
  Vector residuals;
  std::string method;
  const bool refinable = ev[0] > zero_tolerance && ev[0] * kMaxRefinedCondition >= largest;
  if (refinable && solve_by_refined_normal_equations(constants_.optimum, residuals)) {
    rank = a.cols();
    method = "the normal equations (Cholesky of A^T A / n) with iterative refinement, A of full column rank";
  } else {
    if (a.is_sparse()) {
      Eigen::CompleteOrthogonalDecomposition<Eigen::MatrixXd> cod;
      cod.setThreshold(relative_tolerance);
      cod.compute(hessian_);
      constants_.optimum = cod.solve(transpose_times_by_row_blocks(a, data_->targets) / n);
      rank = cod.rank();
    } else {
      Eigen::CompleteOrthogonalDecomposition<RowMatrix> cod;
      cod.setThreshold(std::sqrt(relative_tolerance));
      cod.compute(a.dense());
      constants_.optimum = cod.solve(data_->targets);
      rank = cod.rank();
    }
    residuals = times_by_row_blocks(a, constants_.optimum) - data_->targets;
    method = fmt::format("complete orthogonal decomposition of {} (rank {})", a.is_sparse() ? "A^T A / n" : "A", rank);
  }
  // Interpolation (y in the range of A: noiseless targets, or rank(A) = n as when n <= d with a
  // generic design): F* = 0 exactly, where F(x*) would give rounding noise of order 1e-30.
  const bool interpolating = data_->noiseless || rank == a.rows();
  constants_.optimal_value = interpolating ? 0.0 : residuals.squaredNorm() / (2.0 * n);

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
  const FiniteSumStatistics stats = a.visit(
      [&](const auto& m) { return finite_sum_statistics(m, residuals, Vector::Zero(a.cols()), shards_); });
  constants_.sigma2_at_optimum = stats.sigma2_at_optimum;
  constants_.heterogeneity = stats.heterogeneity;
  Index zero_eigenvalues = 0;
  for (Index k = 0; k < ev.size(); ++k) zero_eigenvalues += ev[k] <= zero_tolerance ? 1 : 0;
  constants_.how = fmt::format(
      "data: {} ({} rows, {} features, stored {}); x* (least-norm minimiser) by {}; F* = {}; L and mu = largest and "
      "smallest non-zero eigenvalues of A^T A / n{} (exact); sigma2 and heterogeneity at x* exact for the shards",
      data_->description, a.rows(), a.cols(), a.is_sparse() ? "sparse" : "dense", method,
      interpolating ? "0 (the targets are interpolated)" : "F(x*)",
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
  ensure_constants();
  e = x - constants_.optimum;
  he.noalias() = hessian_ * e;
  return 0.5 * e.dot(he);
}

double LeastSquares::loss(const Vector& x) const {
  if (how_ == LeastSquaresConstants::interpolation) return direct_loss(x);
  const double g = gap(x);  // first: computes the constants on first use
  return constants_.optimal_value + g;
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
