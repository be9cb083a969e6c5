#pragma once
// The consensus distance (1/p) Σ_i ‖x_i − x̄‖² (docs/design.md §4), with the sum over workers in
// the fixed tree order of core/tree_sum.hpp, so that it does not depend on the thread count or
// on how the workers are split among threads or processes.
#include <tbb/blocked_range.h>

#include <cstddef>
#include <vector>

#include "core/types.hpp"
#include "sim/parallel.hpp"
#include "sim/tree_sum_parallel.hpp"

namespace localsgd {

// model_at(i): worker i's model, of average's dimension. `distances` is scratch (resized to p):
// the p squared distances are computed independently (in parallel when p·d is large), then
// summed in the tree's order.
template <class ModelAt>
double consensus_distance(std::size_t workers, const ModelAt& model_at, const Vector& average,
                          std::vector<double>& distances) {
  distances.resize(workers);
  auto distance = [&](std::size_t i) { distances[i] = (model_at(i) - average).squaredNorm(); };
  if (workers * static_cast<std::size_t>(average.size()) < kParallelValues) {
    for (std::size_t i = 0; i < workers; ++i) distance(i);
  } else {
    parallel_for_range(tbb::blocked_range<std::size_t>(0, workers), [&](const tbb::blocked_range<std::size_t>& r) {
      for (std::size_t i = r.begin(); i != r.end(); ++i) distance(i);
    });
  }
  const double sum = parallel_sum_scalars(workers, [&](std::size_t i) { return distances[i]; });
  return sum / static_cast<double>(workers);
}

}  // namespace localsgd
