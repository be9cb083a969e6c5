#include "algorithms/compression/scaled_sign.hpp"

#include <cmath>

namespace localsgd::compression {

void ScaledSignCompressor::apply(std::span<const double> v, std::span<double> out, Rng& /*rng*/) {
  double l1 = 0;
  for (double x : v) l1 += std::abs(x);
  const double scale = l1 / static_cast<double>(v.size());
  for (std::size_t j = 0; j < v.size(); ++j) out[j] = v[j] < 0 ? -scale : scale;
}

double scaled_sign_contraction(std::span<const double> v) {
  double l1 = 0;
  double squares = 0;
  for (double x : v) {
    l1 += std::abs(x);
    squares += x * x;
  }
  if (squares == 0.0) return 1.0;
  return l1 * l1 / (static_cast<double>(v.size()) * squares);
}

}  // namespace localsgd::compression
