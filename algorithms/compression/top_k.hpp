#pragma once
// Top-k sparsification (Stich, Cordonnier, Jaggi, NeurIPS 2018, Definition 2.1 and Lemma A.1):
// keep the k coordinates of largest |v_j| (ties: the lowest index first), zero the rest. Biased;
// contraction δ = k/d: ‖C(v) − v‖² ≤ (1 − k/d)‖v‖² (the d − k dropped coordinates are the
// smallest, so their mean square is at most the overall mean square).
// Message: k values and their k indices (32 bits each): k·(8·bytes_per_value + 32) bits.
#include <vector>

#include "algorithms/compression/compressor.hpp"

namespace localsgd::compression {

class TopKCompressor final : public Compressor {
 public:
  TopKCompressor(Index dimension, Index k, int bytes_per_value);
  bool unbiased() const override { return false; }
  double constant() const override { return static_cast<double>(k_) / static_cast<double>(dimension()); }
  std::int64_t message_bits() const override { return static_cast<std::int64_t>(k_) * (value_bits() + 32); }
  Index k() const { return k_; }

 private:
  void apply(std::span<const double> v, std::span<double> out, Rng& rng) override;
  Index k_;
  std::vector<Index> order_;  // scratch: coordinate indices, partitioned so the first k are kept
};

}  // namespace localsgd::compression
