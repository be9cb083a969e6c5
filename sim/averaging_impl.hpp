#pragma once
#include "sim/tree_sum_parallel.hpp"

namespace localsgd {

template <class ModelAt>
void deterministic_average(std::size_t count, const ModelAt& model_at, Vector& out, AveragingScratch& scratch) {
  const double p = static_cast<double>(count);
  parallel_sum_vectors(count, model_at, out, scratch,
                       [&](tree::Coordinates c) { out.segment(c.begin, c.size) /= p; });
}

}  // namespace localsgd
