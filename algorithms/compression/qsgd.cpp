#include "algorithms/compression/qsgd.hpp"

#include <algorithm>
#include <cmath>

namespace localsgd::compression {

QsgdCompressor::QsgdCompressor(Index dimension, int levels, int bytes_per_value)
    : Compressor(dimension, bytes_per_value), levels_(levels) {}

double QsgdCompressor::constant() const {
  const auto d = static_cast<double>(dimension());
  const auto s = static_cast<double>(levels_);
  return std::min(d / (s * s), std::sqrt(d) / s);
}

int qsgd_level_bits(int levels) {
  int bits = 0;
  while ((std::int64_t{1} << bits) < static_cast<std::int64_t>(levels) + 1) ++bits;
  return bits;
}

std::int64_t QsgdCompressor::message_bits() const {
  return value_bits() + static_cast<std::int64_t>(dimension()) * (1 + qsgd_level_bits(levels_));
}

void QsgdCompressor::apply(std::span<const double> v, std::span<double> out, Rng& rng) {
  double squares = 0;
  for (double x : v) squares += x * x;
  const double norm = std::sqrt(squares);
  if (norm == 0.0) {
    std::fill(out.begin(), out.end(), 0.0);
    return;
  }
  const auto s = static_cast<double>(levels_);
  for (std::size_t j = 0; j < v.size(); ++j) {
    const double r = std::abs(v[j]) * s / norm;  // in [0, s]
    const double l = std::floor(r);
    const double level = uniform01(rng) < r - l ? l + 1.0 : l;
    const double magnitude = norm * (level / s);
    out[j] = v[j] < 0 ? -magnitude : magnitude;
  }
}

}  // namespace localsgd::compression
