#include "problems/logistic.hpp"

#include <fmt/format.h>

#include <Eigen/Cholesky>
#include <Eigen/Eigenvalues>
#include <Eigen/QR>
#include <tbb/task_arena.h>

#include <cmath>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include "problems/finite_sum_statistics.hpp"

namespace localsgd {

double log1p_exp(double t) { return t > 0 ? t + std::log1p(std::exp(-t)) : std::log1p(std::exp(t)); }

double sigmoid(double t) {
  if (t >= 0) return 1.0 / (1.0 + std::exp(-t));
  const double e = std::exp(t);
  return e / (1.0 + e);
}

LargestEigenvalue largest_gram_eigenvalue(const DesignMatrix& a) {
  const Index d = a.cols();
  if (d <= 2000) {
    const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eigen(a.weighted_gram(), Eigen::EigenvaluesOnly);
    return {eigen.eigenvalues()[d - 1], true};
  }
  Vector v = Vector::Ones(d) / std::sqrt(static_cast<double>(d));
  double previous = 0;
  for (int it = 0; it < 10000; ++it) {
    const Vector w = a.transpose_times(a.times(v));
    const double rayleigh = v.dot(w);
    v = w / w.norm();
    if (it > 0 && std::abs(rayleigh - previous) <= 1e-12 * rayleigh) return {rayleigh, false};
    previous = rayleigh;
  }
  return {previous, false};
}

Logistic::Logistic(std::shared_ptr<const ClassificationData> data, std::vector<Shard> shards, double l2)
    : data_(std::move(data)), shards_(std::move(shards)), l2_(l2) {
  if (data_->rows() == 0 || data_->dim() == 0) throw std::invalid_argument("logistic: empty data set");
  if (!(l2_ >= 0)) throw std::invalid_argument("logistic: l2 must be >= 0");
  for (const auto& s : shards_) {
    if (s.empty()) throw std::invalid_argument("logistic: a worker has an empty shard");
  }
  if (l2_ == 0) constants();  // separable data has no minimiser: refused here, as bad input
}

const ProblemConstants& Logistic::constants() const {
  // Isolated: while this thread waits for Newton's parallel parts, it must not pick up another
  // task (another run) that asks for these constants and so would wait for this very call_once.
  std::call_once(constants_once_, [this] { tbb::this_task_arena::isolate([this] { compute_constants(); }); });
  return constants_;
}

bool Logistic::constants_certainly_finite() const {
  if (!(l2_ > 0 && l2_ <= 1e100)) return false;
  // |a_ij| <= 1e50 on at most 1e9 rows and 1e6 columns: λ_max(AᵀA) <= n d max|a|² < 1e115.
  const DesignMatrix& a = data_->features;
  if (a.rows() > 1'000'000'000 || a.cols() > 1'000'000) return false;
  const auto within = [](const double* values, Index count) {
    for (Index k = 0; k < count; ++k) {
      if (!(std::abs(values[k]) <= 1e50)) return false;
    }
    return true;
  };
  return a.visit([&](const auto& m) {
    if constexpr (std::is_same_v<std::decay_t<decltype(m)>, RowMatrix>) {
      return within(m.data(), m.size());
    } else {
      return within(m.valuePtr(), m.nonZeros());
    }
  });
}

void Logistic::compute_constants() const {
  solve_optimum();

  const auto n = static_cast<double>(data_->rows());
  const LargestEigenvalue top = largest_gram_eigenvalue(data_->features);
  constants_.smoothness = top.value / (4.0 * n) + l2_;
  constants_.smoothness_exact = top.exact;
  constants_.pl = l2_;
  constants_.pl_exact = true;

  // Per-sample gradients at x*: s_j a_j + λx* with s_j = −y_j σ(−y_j a_jᵀx*).
  const Vector& x_star = constants_.optimum;
  const Vector margins = data_->labels.cwiseProduct(data_->features.times(x_star));
  Vector s(margins.size());
  for (Index j = 0; j < s.size(); ++j) s[j] = -data_->labels[j] * sigmoid(-margins[j]);
  const Vector ridge = l2_ * x_star;
  const FiniteSumStatistics stats =
      data_->features.visit([&](const auto& a) { return finite_sum_statistics(a, s, ridge, shards_); });
  constants_.sigma2_at_optimum = stats.sigma2_at_optimum;
  constants_.heterogeneity = stats.heterogeneity;

  Vector g(dim());
  gradient(x_star, g);
  std::string mu_text;
  if (l2_ > 0) {
    mu_text = "mu = l2 (strong convexity; no larger PL constant holds far from x*)";
  } else {
    const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> local(hessian(x_star), Eigen::EigenvaluesOnly);
    mu_text = fmt::format(
        "mu = 0 because l2 = 0: F is convex but not PL with a positive constant on all of R^d (its curvature at x*, "
        "lambda_min of the Hessian, is {:.6g}, and it vanishes far from x*)",
        local.eigenvalues()[0]);
  }
  constants_.how = fmt::format(
      "{} ({} rows, {} features, stored {}); x* and F* by Newton's method ({} iterations, |grad F(x*)| = {:.3g}); "
      "L = lambda_max(A^T A)/(4n) + l2 ({}); {}; sigma2 and heterogeneity at x* exact for the shards",
      data_->description, data_->rows(), data_->dim(), data_->features.is_sparse() ? "sparse" : "dense",
      newton_iterations_, g.norm(),
      top.exact ? "lambda_max by eigen-decomposition, exact" : "lambda_max by power iteration, estimated", mu_text);
}

double Logistic::loss(const Vector& x) const {
  const Vector margins = data_->labels.cwiseProduct(data_->features.times(x));
  double sum = 0;
  for (Index j = 0; j < margins.size(); ++j) sum += log1p_exp(-margins[j]);
  return sum / static_cast<double>(margins.size()) + 0.5 * l2_ * x.squaredNorm();
}

void Logistic::gradient(const Vector& x, Vector& out) const {
  const Vector margins = data_->labels.cwiseProduct(data_->features.times(x));
  Vector s(margins.size());
  for (Index j = 0; j < s.size(); ++j) s[j] = -data_->labels[j] * sigmoid(-margins[j]);
  out = data_->features.transpose_times(s) / static_cast<double>(s.size());
  out += l2_ * x;
}

Eigen::MatrixXd Logistic::hessian(const Vector& x) const {
  const Vector margins = data_->features.times(x);
  Vector w(margins.size());
  for (Index j = 0; j < w.size(); ++j) w[j] = sigmoid(margins[j]) * sigmoid(-margins[j]);
  Eigen::MatrixXd h = data_->features.weighted_gram(w) / static_cast<double>(w.size());
  h.diagonal().array() += l2_;
  return h;
}

void Logistic::row_terms(const Index* rows, int count, double* dots_to_terms) const {
  const Vector& y = data_->labels;
  for (int b = 0; b < count; ++b) {
    const Index j = rows[b];
    const double margin = y[j] * dots_to_terms[b];
    dots_to_terms[b] = -y[j] * sigmoid(-margin);
  }
}

void Logistic::solve_optimum() const {
  const Index d = dim();
  Vector x = Vector::Zero(d);
  Vector g(d);
  gradient(x, g);
  double f = loss(x);
  const double initial_gradient = g.norm();
  const double mean_row_norm = data_->features.visit([](const auto& a) {
    double sum = 0;
    for (Index j = 0; j < a.rows(); ++j) sum += std::sqrt(row_squared_norm(a, j));
    return sum / static_cast<double>(a.rows());
  });
  Vector best = x;
  double best_gradient = initial_gradient;
  int stalls = 0;
  int iterations = 0;
  while (iterations < 200 && best_gradient > 0) {
    ++iterations;
    const Eigen::MatrixXd h = hessian(x);
    Vector step;
    if (l2_ > 0) {
      step = h.llt().solve(g);
    } else {
      // λ = 0: the Hessian may be singular (rank-deficient A); the least-norm Newton step keeps
      // the iterates in the row space of A, so they approach the least-norm minimiser.
      step = h.completeOrthogonalDecomposition().solve(g);
    }
    const double decrement = g.dot(step);
    if (!std::isfinite(decrement) || !(decrement > 0)) break;
    // Armijo backtracking while the Newton decrement is large. Once it is small (half of it
    // estimates F − F*), full steps converge quadratically, and a line search would only see the
    // rounding noise of F: differences of F near x* are below its precision.
    double t = 1.0;
    Vector candidate = x - step;
    double f_candidate = loss(candidate);
    if (decrement > 1e-8 * std::max(1.0, std::abs(f))) {
      while (!(f_candidate <= f - 0.25 * t * decrement) && t > 1e-12) {
        t *= 0.5;
        candidate = x - t * step;
        f_candidate = loss(candidate);
      }
    }
    x = candidate;
    f = f_candidate;
    gradient(x, g);
    const double norm = g.norm();
    // Stop at the rounding floor of the gradient (terms of size about |a_j| summed over n rows),
    // or when full Newton steps stop halving the gradient, which they do near x* (where the
    // decrement is small) until rounding takes over. Far from x* (a large decrement), steps may
    // legitimately not reduce the gradient, even full ones that the line search accepted.
    const bool near_optimum = decrement <= 1e-8 * std::max(1.0, std::abs(f));
    if (t == 1.0 && near_optimum && !(norm < 0.5 * best_gradient)) ++stalls;
    if (norm < best_gradient) {
      best = x;
      best_gradient = norm;
    }
    if (norm <= 1e-15 * (mean_row_norm + l2_ * x.norm()) || stalls >= 3 || !x.allFinite() || x.norm() > 1e12) break;
  }
  newton_iterations_ = iterations;

  if (l2_ == 0) {
    // With λ = 0 an x that classifies every row correctly (all margins > 0) shows the classes are
    // linearly separable: F(c·x) → 0 as c → ∞, so F has no minimiser.
    const Vector margins = data_->labels.cwiseProduct(data_->features.times(best));
    if (margins.minCoeff() > 0 || !best.allFinite() || best.norm() > 1e12) {
      throw std::invalid_argument(
          "with l2 = 0 the logistic loss has no minimiser on this data: the classes are linearly separable, so the "
          "loss decreases towards 0 without bound on |x|; set l2 > 0");
    }
  }
  // Rounding floor of the gradient: terms of size up to max|a_j| summed over n rows.
  const double tolerance = 1e-10 * std::max(initial_gradient, 1e-300);
  if (!(best_gradient <= tolerance)) {
    throw std::invalid_argument(fmt::format("logistic: Newton's method stopped at |grad F| = {:.3g} (from {:.3g}) "
                                            "after {} iterations without converging, so x* and F* are unknown; the "
                                            "data may be badly scaled (rescale the features, e.g. to [-1, 1]) or l2 "
                                            "too small",
                                            best_gradient, initial_gradient, iterations));
  }
  constants_.optimum = best;
  constants_.optimal_value = loss(best);
  constants_.optimum_exact = true;
}

}  // namespace localsgd
