#include "problems/regression_data.hpp"

#include <Eigen/QR>
#include <cmath>
#include <stdexcept>

#include "core/random.hpp"
#include "problems/libsvm.hpp"

namespace localsgd {

std::shared_ptr<const RegressionData> make_synthetic_regression(const SyntheticRegressionOptions& options,
                                                                std::uint64_t seed) {
  Rng rng = make_stream(seed, StreamPurpose::data);
  auto data = std::make_shared<RegressionData>();
  const Index n = options.samples;
  const Index d = options.dim;
  Vector truth(d);
  for (Index k = 0; k < d; ++k) truth[k] = standard_normal(rng);
  RowMatrix a(n, d);
  data->targets.resize(n);
  for (Index j = 0; j < n; ++j) {  // row by row, so the stream order is fixed by (j, k)
    for (Index k = 0; k < d; ++k) a(j, k) = standard_normal(rng);
  }
  for (Index j = 0; j < n; ++j) data->targets[j] = a.row(j).dot(truth) + options.noise * standard_normal(rng);
  data->features = DesignMatrix(std::move(a));
  data->noiseless = options.noise == 0;
  data->description = "synthetic, rows N(0, I)";
  return data;
}

namespace {

// An n × r matrix with orthonormal columns: the Q factor of a Gaussian matrix (filled row by
// row), each column's sign fixed by R's diagonal.
Eigen::MatrixXd random_orthonormal_columns(Rng& rng, Index n, Index r) {
  Eigen::MatrixXd g(n, r);
  for (Index i = 0; i < n; ++i) {
    for (Index k = 0; k < r; ++k) g(i, k) = standard_normal(rng);
  }
  const Eigen::HouseholderQR<Eigen::MatrixXd> qr(g);
  Eigen::MatrixXd q = qr.householderQ() * Eigen::MatrixXd::Identity(n, r);
  for (Index k = 0; k < r; ++k) {
    if (qr.matrixQR()(k, k) < 0) q.col(k) = -q.col(k);
  }
  return q;
}

}  // namespace

std::shared_ptr<const RegressionData> make_regression_with_singular_values(Index samples, Index dim,
                                                                           const std::vector<double>& singular_values,
                                                                           double noise, std::uint64_t seed) {
  const auto r = static_cast<Index>(singular_values.size());
  if (r < 1 || r > std::min(samples, dim)) {
    throw std::invalid_argument("singular values: need between 1 and min(samples, dim) of them");
  }
  Rng rng = make_stream(seed, StreamPurpose::data);
  const Eigen::MatrixXd u = random_orthonormal_columns(rng, samples, r);
  const Eigen::MatrixXd v = random_orthonormal_columns(rng, dim, r);
  const Vector s = Eigen::Map<const Vector>(singular_values.data(), r);
  auto data = std::make_shared<RegressionData>();
  RowMatrix a = std::sqrt(static_cast<double>(samples)) * u * s.asDiagonal() * v.transpose();
  Vector truth(dim);
  for (Index k = 0; k < dim; ++k) truth[k] = standard_normal(rng);
  data->targets = a * truth;
  data->features = DesignMatrix(std::move(a));
  data->description = "synthetic, chosen singular values";
  for (Index j = 0; j < samples; ++j) data->targets[j] += noise * standard_normal(rng);
  data->noiseless = noise == 0;
  return data;
}

std::shared_ptr<const RegressionData> regression_data_from_libsvm(LibsvmData data, std::string description) {
  auto out = std::make_shared<RegressionData>();
  out->features = choose_storage(std::move(data.features));
  out->targets = std::move(data.labels);
  out->description = std::move(description);
  return out;
}

}  // namespace localsgd
