#include "problems/classification_data.hpp"

#include <tbb/blocked_range.h>

#include <algorithm>
#include <cmath>
#include <utility>

#include "core/parallel.hpp"
#include "core/random.hpp"

namespace localsgd {

namespace {

// A direction uniform on the sphere, drawn at (data, parameters, 0).
Vector random_unit_vector(std::uint64_t seed, Index dim) {
  Rng rng(seed, StreamPurpose::data, data_slot(DataArray::parameters), 0);
  Vector u(dim);
  fill_standard_normals(rng, u.data(), dim);
  return u / u.norm();
}

// f(j, draws at (data, rows, j)) for every row j, in parallel over blocks of rows: each row has
// its own address, so the split changes no bit.
template <class F>
void for_each_row(std::uint64_t seed, Index n, Index dim, const F& f) {
  const Index grain = std::max<Index>(1, 65536 / std::max<Index>(1, dim));
  parallel_for_range(tbb::blocked_range<Index>(0, n, grain), [&](const tbb::blocked_range<Index>& r) {
    for (Index j = r.begin(); j != r.end(); ++j) {
      Rng row(seed, StreamPurpose::data, data_slot(DataArray::rows), static_cast<std::uint64_t>(j));
      f(j, row);
    }
  });
}

}  // namespace

std::shared_ptr<const ClassificationData> classification_data_from_libsvm(LibsvmData data, std::string description) {
  return std::make_shared<const ClassificationData>(
      ClassificationData{choose_storage(std::move(data.features)), std::move(data.labels), std::move(description)});
}

std::shared_ptr<const ClassificationData> make_two_gaussians(const TwoGaussiansOptions& options, std::uint64_t seed) {
  const Index n = options.samples;
  const Index d = options.dim;
  const Vector u = random_unit_vector(seed, d);
  RowMatrix a(n, d);
  Vector y(n);
  for_each_row(seed, n, d, [&](Index j, Rng& row) {
    y[j] = (j % 2 == 0) ? 1.0 : -1.0;
    fill_standard_normals(row, &a(j, 0), d);
    for (Index k = 0; k < d; ++k) a(j, k) += y[j] * 0.5 * options.margin * u[k];
  });
  return std::make_shared<const ClassificationData>(ClassificationData{
      DesignMatrix(std::move(a)), std::move(y), "two Gaussian classes (synthetic)"});
}

std::shared_ptr<const ClassificationData> make_epsilon_like(const EpsilonLikeOptions& options, std::uint64_t seed) {
  const Index n = options.samples;
  const Index d = options.dim;
  const Vector u = random_unit_vector(seed, d);
  const double scale = options.signal * std::sqrt(static_cast<double>(d));
  RowMatrix a(n, d);
  Vector y(n);
  for_each_row(seed, n, d, [&](Index j, Rng& row) {
    fill_standard_normals(row, &a(j, 0), d);
    a.row(j) /= a.row(j).norm();
    const double p_positive = 1.0 / (1.0 + std::exp(-scale * a.row(j).dot(u)));
    y[j] = uniform01(row) < p_positive ? 1.0 : -1.0;
  });
  return std::make_shared<const ClassificationData>(ClassificationData{
      DesignMatrix(std::move(a)), std::move(y), "epsilon-like: unit-norm dense rows, logistic labels (synthetic)"});
}

}  // namespace localsgd
