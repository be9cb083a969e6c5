#include "problems/regression_data.hpp"

#ifdef __linux__
#include <sys/mman.h>
#endif

#include <Eigen/QR>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <utility>

#include "core/random.hpp"
#include "problems/libsvm.hpp"

namespace localsgd {

namespace {

// Asks Linux to back a large array with 2 MiB pages (transparent huge pages in "madvise" mode):
// workers read random rows of the data set, and with 4 KiB pages nearly every row of a data set
// larger than the TLB's reach costs a page walk. Must be called before the array is first
// written. Changes no value; a no-op elsewhere or when refused.
void advise_huge_pages(double* data, std::size_t count) {
#ifdef __linux__
  constexpr std::uintptr_t kHuge = std::uintptr_t{1} << 21;
  const auto begin = (reinterpret_cast<std::uintptr_t>(data) + kHuge - 1) & ~(kHuge - 1);
  const auto end = (reinterpret_cast<std::uintptr_t>(data + count)) & ~(kHuge - 1);
  if (end > begin) ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
#else
  (void)data;
  (void)count;
#endif
}

}  // namespace

std::shared_ptr<const RegressionData> make_synthetic_regression(const SyntheticRegressionOptions& options,
                                                                std::uint64_t seed) {
  Rng rng = make_stream(seed, StreamPurpose::data);
  auto data = std::make_shared<RegressionData>();
  const Index n = options.samples;
  const Index d = options.dim;
  Vector truth(d);
  for (Index k = 0; k < d; ++k) truth[k] = standard_normal(rng);
  RowMatrix a(n, d);
  advise_huge_pages(a.data(), static_cast<std::size_t>(a.size()));
  data->targets.resize(n);
  for (Index j = 0; j < n; ++j) {  // row by row, so the stream order is fixed by (j, k)
    for (Index k = 0; k < d; ++k) a(j, k) = standard_normal(rng);
  }
  for (Index j = 0; j < n; ++j) data->targets[j] = a.row(j).dot(truth) + options.noise * standard_normal(rng);
  data->features = DesignMatrix(std::move(a));
  data->noiseless = options.noise == 0;
  data->description = "synthetic, rows N(0, I)";
  data->truth = std::move(truth);
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
  data->truth = std::move(truth);
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
