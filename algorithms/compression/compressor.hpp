#pragma once
// Compression operators C: R^d -> R^d on the vector a worker sends (issue 18). Each operator is
// built for one dimension d and then maps v to C(v) into a preallocated output without allocating
// (its scratch is sized at construction). Random operators take the draws of one address, which the
// caller makes as Rng(seed, StreamPurpose::compression, worker, step) (core/random.hpp).
//
// Every operator states
//   - whether it is unbiased (E C(v) = v);
//   - its constant: for an unbiased operator the variance ω with E‖C(v) − v‖² ≤ ω‖v‖², for a
//     biased one the contraction δ with E‖C(v) − v‖² ≤ (1 − δ)‖v‖² (Stich, Cordonnier, Jaggi,
//     "Sparsified SGD with memory", NeurIPS 2018, Definition 2.1);
//   - the size in bits of one message for dimension d: values take `bytes_per_value` bytes each,
//     indices 32 bits, and there is no entropy coding (each operator's encoding is stated next to
//     its class).
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "core/random.hpp"
#include "core/types.hpp"

namespace localsgd::compression {

enum class CompressorKind {
  identity,         // C(v) = v
  top_k,            // the k largest |v_j|, ties by lowest index
  random_k,         // unbiased: (d/k) v_j on a uniform k-subset
  random_k_biased,  // v_j on a uniform k-subset, no scale
  qsgd,             // Alistarh et al., NeurIPS 2017, Q_s with s levels
  scaled_sign,      // Karimireddy et al., ICML 2019: (‖v‖₁/d) sign(v)
};

std::string_view compressor_name(CompressorKind kind);

// What a spec will say about an operator; no JSON here (the spec reader maps its keys onto it).
struct CompressorOptions {
  CompressorKind kind = CompressorKind::identity;
  Index k = 0;               // top_k, random_k*: coordinates kept; 0 means "use ratio"
  double ratio = 0;          // top_k, random_k*: k = max(1, round(ratio·d)) when k is 0; ratio in (0, 1]
  int levels = 0;            // qsgd: s >= 1
  int bytes_per_value = 8;   // bytes of one transmitted value (8: double, 4: float)
};

class Compressor {
 public:
  explicit Compressor(Index dimension, int bytes_per_value) : dimension_(dimension), bytes_per_value_(bytes_per_value) {}
  virtual ~Compressor() = default;
  Compressor(const Compressor&) = delete;
  Compressor& operator=(const Compressor&) = delete;

  // out = C(v); v and out have the operator's dimension (else std::invalid_argument) and must not
  // overlap. Deterministic operators draw nothing from rng.
  void compress(std::span<const double> v, std::span<double> out, Rng& rng) {
    check_sizes(v.size(), out.size());
    apply(v, out, rng);
  }

  virtual bool unbiased() const = 0;
  // ω for an unbiased operator, δ for a biased one (see the header comment); for scaled sign the
  // worst case over v (1/d), its value at a given v is scaled_sign_contraction(v).
  virtual double constant() const = 0;
  // Bits of one message for this operator's dimension (no entropy coding).
  virtual std::int64_t message_bits() const = 0;
  std::int64_t message_bytes() const { return (message_bits() + 7) / 8; }

  Index dimension() const { return dimension_; }
  int bytes_per_value() const { return bytes_per_value_; }

 protected:
  // C(v) for vectors of the right size.
  virtual void apply(std::span<const double> v, std::span<double> out, Rng& rng) = 0;
  std::int64_t value_bits() const { return 8 * static_cast<std::int64_t>(bytes_per_value_); }

 private:
  void check_sizes(std::size_t input, std::size_t output) const;

  Index dimension_;
  int bytes_per_value_;
};

// The operator the options describe, for dimension d >= 1. Throws std::invalid_argument naming the
// option and the rule it breaks (e.g. "compression options: k = 0 and ratio = 0: top_k needs
// 1 <= k <= d or 0 < ratio <= 1").
std::unique_ptr<Compressor> make_compressor(const CompressorOptions& options, Index dimension);

// k of a sparsifier for dimension d: options.k if set, else max(1, round(ratio·d)), checked.
Index kept_coordinates(const CompressorOptions& options, Index dimension);

}  // namespace localsgd::compression
