#include "problems/classification_data.hpp"

#include <cmath>
#include <utility>

#include "core/random.hpp"

namespace localsgd {

namespace {

Vector random_unit_vector(Rng& rng, Index dim) {
  Vector u(dim);
  for (Index k = 0; k < dim; ++k) u[k] = standard_normal(rng);
  return u / u.norm();
}

}  // namespace

std::shared_ptr<const ClassificationData> classification_data_from_libsvm(LibsvmData data, std::string description) {
  return std::make_shared<const ClassificationData>(
      ClassificationData{choose_storage(std::move(data.features)), std::move(data.labels), std::move(description)});
}

std::shared_ptr<const ClassificationData> make_two_gaussians(const TwoGaussiansOptions& options, std::uint64_t seed) {
  Rng rng = make_stream(seed, StreamPurpose::data);
  const Index n = options.samples;
  const Index d = options.dim;
  const Vector u = random_unit_vector(rng, d);
  RowMatrix a(n, d);
  Vector y(n);
  for (Index j = 0; j < n; ++j) {
    y[j] = (j % 2 == 0) ? 1.0 : -1.0;
    for (Index k = 0; k < d; ++k) a(j, k) = y[j] * 0.5 * options.margin * u[k] + standard_normal(rng);
  }
  return std::make_shared<const ClassificationData>(ClassificationData{
      DesignMatrix(std::move(a)), std::move(y), "two Gaussian classes (synthetic)"});
}

std::shared_ptr<const ClassificationData> make_epsilon_like(const EpsilonLikeOptions& options, std::uint64_t seed) {
  Rng rng = make_stream(seed, StreamPurpose::data);
  const Index n = options.samples;
  const Index d = options.dim;
  const Vector u = random_unit_vector(rng, d);
  const double scale = options.signal * std::sqrt(static_cast<double>(d));
  RowMatrix a(n, d);
  Vector y(n);
  for (Index j = 0; j < n; ++j) {
    for (Index k = 0; k < d; ++k) a(j, k) = standard_normal(rng);
    a.row(j) /= a.row(j).norm();
    const double p_positive = 1.0 / (1.0 + std::exp(-scale * a.row(j).dot(u)));
    y[j] = uniform01(rng) < p_positive ? 1.0 : -1.0;
  }
  return std::make_shared<const ClassificationData>(ClassificationData{
      DesignMatrix(std::move(a)), std::move(y), "epsilon-like: unit-norm dense rows, logistic labels (synthetic)"});
}

}  // namespace localsgd
