#include "algorithms/compression/random_k.hpp"

#include <algorithm>

namespace localsgd::compression {

RandomKCompressor::RandomKCompressor(Index dimension, Index k, bool scaled, int bytes_per_value)
    : Compressor(dimension, bytes_per_value),
      k_(k),
      scaled_(scaled),
      chosen_(static_cast<std::size_t>(k)),
      marked_(static_cast<std::size_t>(dimension), 0) {}

double RandomKCompressor::constant() const {
  const double ratio = static_cast<double>(dimension()) / static_cast<double>(k_);
  return scaled_ ? ratio - 1.0 : 1.0 / ratio;
}

void RandomKCompressor::apply(std::span<const double> v, std::span<double> out, Rng& rng) {
  const Index d = dimension();
  // Floyd: for j = d − k, …, d − 1 draw t uniform in [0, j]; take t unless already taken, else j.
  Index count = 0;
  for (Index j = d - k_; j < d; ++j) {
    auto t = static_cast<Index>(uniform_index(rng, static_cast<std::uint64_t>(j) + 1));
    if (marked_[static_cast<std::size_t>(t)] != 0) t = j;
    marked_[static_cast<std::size_t>(t)] = 1;
    chosen_[static_cast<std::size_t>(count++)] = t;
  }
  const double scale = scaled_ ? static_cast<double>(d) / static_cast<double>(k_) : 1.0;
  std::fill(out.begin(), out.end(), 0.0);
  for (Index t : chosen_) {
    const auto j = static_cast<std::size_t>(t);
    out[j] = scaled_ ? scale * v[j] : v[j];
    marked_[j] = 0;
  }
}

}  // namespace localsgd::compression
