// What a participant sends at a sync (algorithms/round/pipeline.hpp, CompressionOptions;
// algorithms/compression/): the run-level key `compression`. Each type is one operator C with its
// parameters, the bytes of one value and the error memory around it. The rule that involves the
// problem's dimension (k <= d) needs the problem and is checked in experiments/spec/
// compression_spec.cpp, with the rules that involve other keys (coordination, SCAFFOLD, the
// optimizer's state), so that no spec that validates is refused by the engine.
#include <fmt/format.h>

#include <cstdint>
#include <memory>
#include <optional>

#include "experiments/catalog/catalog.hpp"

namespace localsgd {

namespace {

using compression::CompressorKind;
using compression::Feedback;
using round::CompressionOptions;

// Every type: the bytes of one transmitted value and the worker's error memory.
struct MessageOptions {
  std::int64_t bytes_per_value{};
  Feedback feedback{};
  static void fields(auto& f) {
    f.integer("bytes_per_value", &MessageOptions::bytes_per_value)
        .at_least(1)
        .at_most(8)
        .defaults_to(8)
        .doc("bytes of one transmitted value (8: double, 4: float); indices take 4 bytes");
    f.choice("feedback", &MessageOptions::feedback,
             {{"none", Feedback::none}, {"ef", Feedback::ef}, {"ef21", Feedback::ef21}})
        .defaults_to("none")
        .doc("the worker's error memory: none sends C(Delta), ef sends C(Delta + e) and keeps e <- Delta + e - sent "
             "(Stich et al. 2018), ef21 sends C(Delta - g) and both sides add it to g (Richtarik et al. 2021)");
  }
  std::shared_ptr<CompressionOptions> options(CompressorKind kind) const {
    auto out = std::make_shared<CompressionOptions>();
    out->enabled = true;
    out->compressor.kind = kind;
    out->compressor.bytes_per_value = static_cast<int>(bytes_per_value);
    out->feedback = feedback;
    return out;
  }
};

// Sparsifiers: k coordinates, given as a count or as a fraction of d (exactly one of the two).
struct SparsifierOptions : MessageOptions {
  std::optional<std::int64_t> k;
  std::optional<double> ratio;
  static void fields(auto& f) {
    f.integer("k", &SparsifierOptions::k).at_least(1).optional().doc("k: coordinates kept (<= d; or give ratio)");
    f.number("ratio", &SparsifierOptions::ratio)
        .greater_than(0)
        .at_most(1)
        .optional()
        .doc("k = max(1, round(ratio d)) (or give k)");
    MessageOptions::fields(f);
  }
};

void k_or_ratio(const SparsifierOptions& o, const BuildContext&) {
  if (o.k && o.ratio) {
    throw ParamRuleError("ratio", "give either k or ratio, not both: k is the count of coordinates kept, ratio the "
                                  "fraction of d");
  }
  if (!o.k && !o.ratio) {
    throw ParamRuleError("", "needs k (coordinates kept, 1 <= k <= d) or ratio (0 < ratio <= 1, k = max(1, round(ratio "
                             "d)))");
  }
}

struct QsgdOptions : MessageOptions {
  std::int64_t levels{};
  static void fields(auto& f) {
    f.integer("levels", &QsgdOptions::levels).at_least(1).at_most(1 << 30).doc("s: quantisation levels per sign");
    MessageOptions::fields(f);
  }
};

TypeEntry<CompressionOptions> plain(std::string name, std::string help, CompressorKind kind) {
  return bound_entry<MessageOptions, CompressionOptions>(
      std::move(name), std::move(help), [kind](const MessageOptions& o, const BuildContext&) { return o.options(kind); });
}

TypeEntry<CompressionOptions> sparsifier(const std::string& name, std::string help, CompressorKind kind) {
  return bound_entry<SparsifierOptions, CompressionOptions>(
      name, std::move(help),
      [kind](const SparsifierOptions& o, const BuildContext&) {
        auto out = o.options(kind);
        out->compressor.k = o.k.value_or(0);
        out->compressor.ratio = o.ratio.value_or(0.0);
        return out;
      },
      k_or_ratio, Json{{"type", name}, {"ratio", 0.1}});
}

}  // namespace

const Registry<CompressionOptions>& compression_registry() {
  static const Registry<CompressionOptions> registry{
      "compression",
      "what a participant sends at a sync: C applied to its model change Delta_i = y_i - x_r (through its error "
      "memory), the messages gathered by an all-gather; absent: models averaged exactly by an all-reduce",
      {
          plain("identity", "C(v) = v: every coordinate, as a compressed message (d values)", CompressorKind::identity),
          sparsifier("top_k", "the k largest |v_j| (ties: lowest index); biased, delta = k/d; k values and k indices",
                     CompressorKind::top_k),
          sparsifier("random_k",
                     "(d/k) v_j on a uniform k-subset, drawn per worker and step; unbiased, omega = d/k - 1; k values "
                     "and k indices",
                     CompressorKind::random_k),
          sparsifier("random_k_biased", "v_j on a uniform k-subset, no scale; biased, delta = k/d; k values and k indices",
                     CompressorKind::random_k_biased),
          bound_entry<QsgdOptions, CompressionOptions>(
              "qsgd",
              "QSGD (Alistarh et al., NeurIPS 2017): ||v|| sign(v_j) xi_j(v, s), |v_j| / ||v|| rounded at random to one of s "
              "levels; unbiased, omega = min(d/s^2, sqrt(d)/s); the norm, then a sign and a level per coordinate",
              [](const QsgdOptions& o, const BuildContext&) {
                auto out = o.options(CompressorKind::qsgd);
                out->compressor.levels = static_cast<int>(o.levels);
                return out;
              },
              nullptr, Json{{"type", "qsgd"}, {"levels", 4}}),
          plain("scaled_sign",
                "(||v||_1 / d) sign(v) (Karimireddy et al., ICML 2019); biased, delta >= 1/d; one value and d sign bits",
                CompressorKind::scaled_sign),
      }};
  return registry;
}

}  // namespace localsgd
