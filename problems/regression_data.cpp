#include "problems/regression_data.hpp"

#include "core/random.hpp"

namespace localsgd {

std::shared_ptr<const RegressionData> make_synthetic_regression(const SyntheticRegressionOptions& options,
                                                                std::uint64_t seed) {
  Rng rng = make_stream(seed, StreamPurpose::data);
  auto data = std::make_shared<RegressionData>();
  const Index n = options.samples;
  const Index d = options.dim;
  Vector truth(d);
  for (Index k = 0; k < d; ++k) truth[k] = standard_normal(rng);
  data->features.resize(n, d);
  data->targets.resize(n);
  for (Index j = 0; j < n; ++j) {  // row by row, so the stream order is fixed by (j, k)
    for (Index k = 0; k < d; ++k) data->features(j, k) = standard_normal(rng);
  }
  for (Index j = 0; j < n; ++j) {
    data->targets[j] = data->features.row(j).dot(truth) + options.noise * standard_normal(rng);
  }
  return data;
}

}  // namespace localsgd
