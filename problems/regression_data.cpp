#include "problems/regression_data.hpp"

#ifdef __linux__
#include <sys/mman.h>
#endif

#include <tbb/blocked_range.h>

#include <Eigen/QR>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <utility>

#include "core/parallel.hpp"
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

// Rows generated per task: about 64 K normals, so that a task is worth handing out.
Index rows_per_task(Index dim) { return std::max<Index>(1, 65536 / std::max<Index>(1, dim)); }

// f(j) for every row j in [0, n), in parallel over blocks of rows. Each row draws from its own
// address (data, rows, j), so the split changes no bit.
template <class F>
void for_each_row(Index n, Index dim, const F& f) {
  parallel_for_range(tbb::blocked_range<Index>(0, n, rows_per_task(dim)), [&](const tbb::blocked_range<Index>& r) {
    for (Index j = r.begin(); j != r.end(); ++j) f(j);
  });
}

}  // namespace

std::shared_ptr<const RegressionData> make_synthetic_regression(const SyntheticRegressionOptions& options,
                                                                std::uint64_t seed) {
  auto data = std::make_shared<RegressionData>();
  const Index n = options.samples;
  const Index d = options.dim;
  Vector truth(d);
  Rng parameters(seed, StreamPurpose::data, data_slot(DataArray::parameters), 0);
  fill_standard_normals(parameters, truth.data(), d);
  RowMatrix a(n, d);
  advise_huge_pages(a.data(), static_cast<std::size_t>(a.size()));
  data->targets.resize(n);
  // Row j: its d features, then its target's noise, from the address (data, rows, j).
  for_each_row(n, d, [&](Index j) {
    Rng row(seed, StreamPurpose::data, data_slot(DataArray::rows), static_cast<std::uint64_t>(j));
    fill_standard_normals(row, &a(j, 0), d);
    data->targets[j] = a.row(j).dot(truth) + options.noise * standard_normal(row);
  });
  data->features = DesignMatrix(std::move(a));
  data->noiseless = options.noise == 0;
  data->description = "synthetic, rows N(0, I)";
  data->truth = std::move(truth);
  return data;
}

namespace {

// An n × r matrix with orthonormal columns: the Q factor of a Gaussian matrix whose row i is
// drawn at (data, array, i), each column's sign fixed by R's diagonal.
Eigen::MatrixXd random_orthonormal_columns(std::uint64_t seed, DataArray array, Index n, Index r) {
  Eigen::MatrixXd g(n, r);
  for (Index i = 0; i < n; ++i) {
    Rng row(seed, StreamPurpose::data, data_slot(array), static_cast<std::uint64_t>(i));
    for (Index k = 0; k < r; ++k) g(i, k) = standard_normal(row);
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
  // U's rows are the samples' (rows), V's the features' (basis).
  const Eigen::MatrixXd u = random_orthonormal_columns(seed, DataArray::rows, samples, r);
  const Eigen::MatrixXd v = random_orthonormal_columns(seed, DataArray::basis, dim, r);
  const Vector s = Eigen::Map<const Vector>(singular_values.data(), r);
  auto data = std::make_shared<RegressionData>();
  RowMatrix a = std::sqrt(static_cast<double>(samples)) * u * s.asDiagonal() * v.transpose();
  Vector truth(dim);
  Rng parameters(seed, StreamPurpose::data, data_slot(DataArray::parameters), 0);
  fill_standard_normals(parameters, truth.data(), dim);
  data->targets = a * truth;
  data->features = DesignMatrix(std::move(a));
  data->description = "synthetic, chosen singular values";
  for (Index j = 0; j < samples; ++j) {
    Rng draw(seed, StreamPurpose::data, data_slot(DataArray::noise), static_cast<std::uint64_t>(j));
    data->targets[j] += noise * standard_normal(draw);
  }
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
