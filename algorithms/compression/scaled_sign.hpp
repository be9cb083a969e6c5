#pragma once
// Scaled sign (Karimireddy, Rebjock, Stich, Jaggi, "Error feedback fixes SignSGD and other gradient
// compression schemes", ICML 2019, Algorithm 1 / Lemma 8 with the ℓ1 scale):
//   C(v) = (‖v‖₁/d) sign(v), with sign(0) = +1 (the message has one bit per coordinate).
// Biased and deterministic: ‖C(v) − v‖² = ‖v‖² − ‖v‖₁²/d, i.e. a contraction with
// δ(v) = ‖v‖₁²/(d‖v‖₂²) ∈ [1/d, 1] (Cauchy–Schwarz for the upper end, ‖v‖₁ >= ‖v‖₂ for the lower);
// the worst case over v, δ = 1/d, is the operator's constant (reached by v = e_j).
// Message: the scale as one value and d sign bits: 8·bytes_per_value + d.
#include "algorithms/compression/compressor.hpp"

namespace localsgd::compression {

class ScaledSignCompressor final : public Compressor {
 public:
  using Compressor::Compressor;
  bool unbiased() const override { return false; }
  double constant() const override { return 1.0 / static_cast<double>(dimension()); }
  std::int64_t message_bits() const override { return value_bits() + static_cast<std::int64_t>(dimension()); }

 private:
  void apply(std::span<const double> v, std::span<double> out, Rng& rng) override;
};

// δ(v) = ‖v‖₁²/(d‖v‖₂²) for v ≠ 0 (1 for v = 0: C(0) = 0 = v).
double scaled_sign_contraction(std::span<const double> v);

}  // namespace localsgd::compression
