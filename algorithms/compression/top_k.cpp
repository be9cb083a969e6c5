#include "algorithms/compression/top_k.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace localsgd::compression {

TopKCompressor::TopKCompressor(Index dimension, Index k, int bytes_per_value)
    : Compressor(dimension, bytes_per_value), k_(k), order_(static_cast<std::size_t>(dimension)) {}

void TopKCompressor::apply(std::span<const double> v, std::span<double> out, Rng& /*rng*/) {
  std::iota(order_.begin(), order_.end(), Index{0});
  // A strict total order on indices (|v| descending, then index ascending): the first k after
  // nth_element are exactly the k largest, whatever the ties.
  const auto before = [&v](Index a, Index b) {
    const double va = std::abs(v[static_cast<std::size_t>(a)]);
    const double vb = std::abs(v[static_cast<std::size_t>(b)]);
    return va > vb || (va == vb && a < b);
  };
  if (k_ < dimension()) std::nth_element(order_.begin(), order_.begin() + k_, order_.end(), before);
  std::fill(out.begin(), out.end(), 0.0);
  for (Index m = 0; m < k_; ++m) {
    const auto j = static_cast<std::size_t>(order_[static_cast<std::size_t>(m)]);
    out[j] = v[j];
  }
}

}  // namespace localsgd::compression
