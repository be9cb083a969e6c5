#pragma once
#include <tbb/blocked_range.h>

#include "sim/parallel.hpp"

#include <algorithm>

namespace localsgd {

namespace detail {
// Coordinate blocks: about eight of them, each a whole number of cache lines (8 doubles) and at
// most 4096 coordinates, so that small d with many workers (d = 20, p = 10^5) is parallel too.
inline Index average_block(Index d) {
  const Index eighth = (d + 7) / 8;
  return std::clamp<Index>((eighth + 7) / 8 * 8, 8, 4096);
}
}  // namespace detail

template <class ModelAt>
void deterministic_average(std::size_t count, const ModelAt& model_at, Vector& out) {
  const Index d = out.size();
  const double p = static_cast<double>(count);
  auto average_block = [&](Index begin, Index end) {
    auto block = out.segment(begin, end - begin);
    block = model_at(0).segment(begin, end - begin);
    for (std::size_t i = 1; i < count; ++i) block += model_at(i).segment(begin, end - begin);
    block /= p;
  };
  if (count * static_cast<std::size_t>(d) < kParallelValues) {
    average_block(0, d);
    return;
  }
  parallel_for_range(tbb::blocked_range<Index>(0, d, detail::average_block(d)),
                     [&](const tbb::blocked_range<Index>& r) { average_block(r.begin(), r.end()); });
}

}  // namespace localsgd
