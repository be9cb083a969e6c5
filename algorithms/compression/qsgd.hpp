#pragma once
// QSGD's stochastic quantisation with s levels (Alistarh, Grubic, Li, Tomioka, Vojnovic, "QSGD:
// communication-efficient SGD via gradient quantization and encoding", NeurIPS 2017, §3.1):
//   Q_s(v)_j = ‖v‖₂ sign(v_j) ξ_j,  l = ⌊|v_j| s/‖v‖₂⌋,
//   ξ_j = (l + 1)/s with probability |v_j| s/‖v‖₂ − l, else l/s   (Q_s(0) = 0).
// Unbiased (their Lemma 3.1 (i)); variance (Lemma 3.1 (ii)) E‖Q_s(v) − v‖² ≤ min(d/s², √d/s)‖v‖²,
// so ω = min(d/s², √d/s). Exactly, E‖Q_s(v) − v‖² = (‖v‖²/s²) Σ_j θ_j(1 − θ_j), θ_j the fractional
// part of |v_j| s/‖v‖ (a Bernoulli(θ_j) step of size ‖v‖/s per coordinate).
// Message (their §3.1 without the Elias coding): the norm as one value, then per coordinate a sign
// bit and the level l' ∈ {0, …, s} in ⌈log2(s + 1)⌉ bits: 8·bytes_per_value + d·(1 + ⌈log2(s+1)⌉).
// Draws: one uniform per coordinate, in coordinate order.
#include "algorithms/compression/compressor.hpp"

namespace localsgd::compression {

class QsgdCompressor final : public Compressor {
 public:
  QsgdCompressor(Index dimension, int levels, int bytes_per_value);
  bool unbiased() const override { return true; }
  double constant() const override;
  std::int64_t message_bits() const override;
  int levels() const { return levels_; }

 private:
  void apply(std::span<const double> v, std::span<double> out, Rng& rng) override;
  int levels_;
};

// ⌈log2(s + 1)⌉ for s >= 1: the bits of one level.
int qsgd_level_bits(int levels);

}  // namespace localsgd::compression
