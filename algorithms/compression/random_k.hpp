#pragma once
// Random-k sparsification on a uniform k-subset S of the d coordinates (Stich, Cordonnier, Jaggi,
// NeurIPS 2018, rand_k), drawn by Floyd's algorithm (Bentley & Floyd, CACM 1987: k draws, every
// k-subset equally likely).
//   unbiased  C(v)_j = (d/k) v_j on S, 0 elsewhere: E C(v) = v and
//             E‖C(v) − v‖² = (d/k − 1)‖v‖² exactly (P(j ∈ S) = k/d), so ω = d/k − 1;
//   biased    C(v)_j = v_j on S: E‖C(v) − v‖² = (1 − k/d)‖v‖², so δ = k/d.
// Message: k values and the 64-bit seed of the subset (the receiver redraws S from it, so no
// indices are sent): 8·bytes_per_value·k + 64 bits.
#include <cstdint>
#include <vector>

#include "algorithms/compression/compressor.hpp"

namespace localsgd::compression {

class RandomKCompressor final : public Compressor {
 public:
  RandomKCompressor(Index dimension, Index k, bool scaled, int bytes_per_value);
  bool unbiased() const override { return scaled_; }
  double constant() const override;
  std::int64_t message_bits() const override { return static_cast<std::int64_t>(k_) * value_bits() + 64; }
  Index k() const { return k_; }

 private:
  void apply(std::span<const double> v, std::span<double> out, Rng& rng) override;
  Index k_;
  bool scaled_;
  std::vector<Index> chosen_;          // scratch: the subset S
  std::vector<std::uint8_t> marked_;   // scratch: membership marks, all 0 between calls
};

}  // namespace localsgd::compression
