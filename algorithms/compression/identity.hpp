#pragma once
// The identity operator: C(v) = v (unbiased, ω = 0). Message: the d values.
#include <algorithm>

#include "algorithms/compression/compressor.hpp"

namespace localsgd::compression {

class IdentityCompressor final : public Compressor {
 public:
  using Compressor::Compressor;
  bool unbiased() const override { return true; }
  double constant() const override { return 0.0; }
  std::int64_t message_bits() const override { return static_cast<std::int64_t>(dimension()) * value_bits(); }

 private:
  void apply(std::span<const double> v, std::span<double> out, Rng& /*rng*/) override {
    std::copy(v.begin(), v.end(), out.begin());
  }
};

}  // namespace localsgd::compression
