#include "problems/quadratic.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <utility>

#include "problems/centred_directions.hpp"
#include "problems/hessian_scales.hpp"
#include "problems/random_rotation.hpp"

namespace localsgd {

namespace {

void check_spectrum_options(Index dim, double mu, double L, Index zeros) {
  if (dim < 1 || zeros < 0 || zeros >= dim) throw std::invalid_argument("spectrum: need 0 <= zeros < dim");
  if (!(mu > 0) || !(L >= mu)) throw std::invalid_argument("spectrum: need 0 < mu <= L");
  if (dim - zeros == 1 && mu != L) {
    throw std::invalid_argument("spectrum: with a single non-zero eigenvalue mu must equal L");
  }
}

// Mean zero over the workers, in the range of H (columns of `range`), rescaled so that the mean
// squared norm is exactly 1 (up to rounding). Zero vectors for one worker.
std::vector<Vector> unit_spread_directions(Rng& rng, int workers, const Eigen::MatrixXd& range) {
  if (workers < 2 || range.cols() == 0) {
    return std::vector<Vector>(static_cast<std::size_t>(workers), Vector::Zero(range.rows()));
  }
  CentredDirections centred = centred_gaussian_directions(rng, workers, range.rows(), &range);
  for (auto& v : centred.directions) v /= std::sqrt(centred.mean_squared_norm);
  return std::move(centred.directions);
}

// The least-norm x with Σ_i H_i (x − x*_i) = 0 for H_i = Q diag(λ ⊙ s_i) Qᵀ. In the eigenbasis
// (y = Qᵀx) this reads, for every λ_k > 0, Σ_i λ_k s_i,k (y_k − y*_i,k) = 0, i.e.
// y_k = (1/p) Σ_i s_i,k y*_i,k because (1/p) Σ_i s_i,k = 1; y_k = 0 on the kernel (least norm).
Vector minimiser_of_mean(const Eigen::MatrixXd& rotation, const Vector& eigenvalues, const Eigen::MatrixXd& scales,
                         const std::vector<Vector>& worker_optima) {
  const Index d = rotation.rows();
  Vector y = Vector::Zero(d);
  for (std::size_t i = 0; i < worker_optima.size(); ++i) {
    const Vector y_i = rotation.transpose() * worker_optima[i];
    y += scales.row(static_cast<Index>(i)).transpose().cwiseProduct(y_i);
  }
  y /= static_cast<double>(worker_optima.size());
  for (Index k = 0; k < d; ++k) {
    if (eigenvalues[k] == 0) y[k] = 0;
  }
  return rotation * y;
}

}  // namespace

std::vector<double> linear_spectrum(Index dim, double mu, double L, Index zeros) {
  check_spectrum_options(dim, mu, L, zeros);
  const Index m = dim - zeros;
  std::vector<double> values(static_cast<std::size_t>(dim), 0.0);
  for (Index k = 0; k < m; ++k) {
    values[static_cast<std::size_t>(k)] =
        m == 1 ? L : mu + (L - mu) * static_cast<double>(k) / static_cast<double>(m - 1);
  }
  values[static_cast<std::size_t>(m - 1)] = L;
  return values;
}

std::vector<double> geometric_spectrum(Index dim, double mu, double L, Index zeros) {
  check_spectrum_options(dim, mu, L, zeros);
  const Index m = dim - zeros;
  std::vector<double> values(static_cast<std::size_t>(dim), 0.0);
  for (Index k = 0; k < m; ++k) {
    values[static_cast<std::size_t>(k)] =
        m == 1 ? L : mu * std::pow(L / mu, static_cast<double>(k) / static_cast<double>(m - 1));
  }
  values[0] = mu;
  values[static_cast<std::size_t>(m - 1)] = L;
  return values;
}

Quadratic::Quadratic(const QuadraticOptions& options, int workers, std::uint64_t seed) : noise_(options.noise) {
  const auto d = static_cast<Index>(options.eigenvalues.size());
  if (d < 1 || workers < 1) throw std::invalid_argument("quadratic: need dim >= 1 and workers >= 1");
  eigenvalues_ = Eigen::Map<const Vector>(options.eigenvalues.data(), d);
  if ((eigenvalues_.array() < 0).any() || !(eigenvalues_.maxCoeff() > 0) || !eigenvalues_.allFinite()) {
    throw std::invalid_argument("quadratic: eigenvalues must be finite, >= 0, and at least one > 0");
  }
  if (!(options.hessian_heterogeneity >= 0 && options.hessian_heterogeneity <= kMaxHessianHeterogeneity)) {
    throw std::invalid_argument(fmt::format("quadratic: hessian_heterogeneity must be a finite number in [0, {}], got {}",
                                            kMaxHessianHeterogeneity, options.hessian_heterogeneity));
  }
  Rng rng(seed, StreamPurpose::data, data_slot(DataArray::parameters), 0);
  rotation_ = random_rotation(rng, d);
  hessian_ = rotation_ * eigenvalues_.asDiagonal() * rotation_.transpose();
  hessian_ = (0.5 * (hessian_ + hessian_.transpose())).eval();  // exactly symmetric

  // Eigenvectors with a non-zero eigenvalue span the range of H.
  const Index rank = (eigenvalues_.array() > 0).count();
  Eigen::MatrixXd range(d, rank);
  for (Index k = 0, c = 0; k < d; ++k) {
    if (eigenvalues_[k] > 0) range.col(c++) = rotation_.col(k);
  }
  Vector x_star(d);
  for (Index k = 0; k < d; ++k) x_star[k] = standard_normal(rng);
  if (rank < d) x_star = range * (range.transpose() * x_star);  // the least-norm minimiser
  offset_ = hessian_ * x_star;

  const std::vector<Vector> directions = unit_spread_directions(rng, options.heterogeneity > 0 ? workers : 1, range);
  for (int i = 0; i < workers; ++i) {
    const Vector& delta = directions[options.heterogeneity > 0 ? static_cast<std::size_t>(i) : 0];
    worker_optima_.push_back(x_star + options.heterogeneity * delta);
  }
  double heterogeneity = 0;
  if (options.hessian_heterogeneity > 0 && workers > 1) {
    scales_ = draw_hessian_scales(rng, workers, d, options.hessian_heterogeneity);
    for (int i = 0; i < workers; ++i) {
      const Vector worker_eigenvalues = eigenvalues_.cwiseProduct(scales_.row(i).transpose());
      Eigen::MatrixXd h = rotation_ * worker_eigenvalues.asDiagonal() * rotation_.transpose();
      worker_hessians_.push_back(0.5 * (h + h.transpose()));
    }
    // With ζ = 0 every x*_i is the drawn point, which minimises every F_i.
    if (options.heterogeneity > 0) {
      x_star = minimiser_of_mean(rotation_, eigenvalues_, scales_, worker_optima_);
      offset_ = hessian_ * x_star;
    }
    for (int i = 0; i < workers; ++i) {
      const auto w = static_cast<std::size_t>(i);
      worker_offsets_.push_back(worker_hessians_[w] * worker_optima_[w]);
      heterogeneity += (worker_hessians_[w] * (x_star - worker_optima_[w])).squaredNorm();  // ‖∇F_i(x*)‖²
    }
  } else {
    for (int i = 0; i < workers; ++i) {
      worker_offsets_.push_back(hessian_ * worker_optima_[static_cast<std::size_t>(i)]);
      heterogeneity += (offset_ - worker_offsets_.back()).squaredNorm();  // ‖∇F_i(x*)‖²
    }
  }
  heterogeneity /= workers;

  const double largest = eigenvalues_.maxCoeff();
  double smallest_nonzero = largest;
  for (Index k = 0; k < d; ++k) {
    if (eigenvalues_[k] > 0) smallest_nonzero = std::min(smallest_nonzero, eigenvalues_[k]);
  }
  constants_.smoothness = largest;
  constants_.pl = smallest_nonzero;
  constants_.optimum = x_star;
  constants_.optimal_value = options.optimal_value;
  constants_.sigma2 = noise_.sigma2;
  constants_.c1 = noise_.c1;
  constants_.heterogeneity = heterogeneity;
  constants_.sigma2_at_optimum = noise_.sigma2 + noise_.c1 * heterogeneity;
  constants_.how = fmt::format(
      "H = Q diag(eigenvalues) Q^T with a seeded Haar rotation Q; L = largest eigenvalue, mu = smallest non-zero "
      "eigenvalue{} (exact, as given); x* drawn N(0, I){}; F* given. Oracle: gradient of the worker's F_i plus "
      "isotropic Gaussian noise with E|noise|^2 = c1 |grad F_i|^2 + sigma2 per call (exact){}",
      rank < d ? fmt::format(" ({} zero eigenvalues: PL but not strongly convex)", d - rank) : "",
      rank < d ? " projected onto the range of H (least-norm minimiser)" : "",
      options.heterogeneity > 0 && workers > 1 && worker_hessians_.empty()
          ? fmt::format("; worker optima x*_i = x* + {} delta_i, mean zero, RMS spread {}", options.heterogeneity,
                        options.heterogeneity)
          : "");
  if (!worker_hessians_.empty()) {
    const double largest_worker_eigenvalue = (scales_.array().rowwise() * eigenvalues_.transpose().array()).maxCoeff();
    constants_.how += fmt::format(
        "; per-worker Hessians H_i = Q diag(eigenvalues * s_i) Q^T, s_i,k = exp({} g_i,k) normalised to mean 1 over "
        "the workers, so mean_i H_i = H and L, mu are H's (exact); largest worker eigenvalue {:.6g} (local steps "
        "need eta < 2 / that){}",
        options.hessian_heterogeneity, largest_worker_eigenvalue,
        options.heterogeneity > 0
            ? fmt::format("; worker optima x*_i = x*_0 + {} delta_i around the drawn x*_0 (mean zero, RMS spread {}), "
                          "x* solves sum_i H_i (x - x*_i) = 0",
                          options.heterogeneity, options.heterogeneity)
            : "; every worker's minimiser is x*");
  }
}

Vector Quadratic::worker_eigenvalue_scales(int worker) const {
  if (scales_.size() == 0) return Vector::Ones(dim());
  return scales_.row(worker).transpose();
}

double Quadratic::loss(const Vector& x) const { return gap(x) + constants_.optimal_value; }

void Quadratic::gradient(const Vector& x, Vector& out) const {
  out.noalias() = hessian_ * x;
  out -= offset_;
}

double Quadratic::gap(const Vector& x) const {
  const Vector e = x - constants_.optimum;
  return 0.5 * e.dot(hessian_ * e);
}

void Quadratic::stochastic_gradient(int worker, const Vector& x, int batch, Rng& rng, Vector& out) const {
  out.noalias() = worker_hessian(worker) * x;
  out -= worker_offsets_[static_cast<std::size_t>(worker)];
  add_oracle_noise(noise_, batch, rng, out);
}

}  // namespace localsgd
