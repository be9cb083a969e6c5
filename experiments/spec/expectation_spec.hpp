#pragma once
// Claims as code (`expect` in a spec), read once into typed values: what should happen, checked
// after the runs by experiments/report/expectations.hpp. Each kind is a named type in a registry
// (like schedules); its parameters are read and checked when the spec is read, and the names it
// refers to (variants, swept paths) right after (read_expectation).
//
// Noisy checks (slope, ratio, speedup) have a statistical form: with `confidence` (e.g. 0.95)
// the statistic is computed per seed, and the check passes only if the whole Student-t interval
// of its mean over seeds lies within the bounds (docs/experiments.md states each statistic).
// Without `confidence` a check compares the mean over seeds with the bounds: the plain form,
// meant for exact, noise-free quantities.
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "experiments/language/registry.hpp"
#include "experiments/spec/enum_names.hpp"
#include "experiments/spec/metrics_axes.hpp"

namespace localsgd {

struct ExperimentSpec;

// What a slope may be taken of: an evaluation metric, or (against a swept path only) a run total
// or the virtual time at which a run first met its first declared target.
enum class SlopeMetric { loss, gap, grad_norm_sq, consensus, rounds, virtual_time, time_to_target };
inline constexpr EnumNames<SlopeMetric, 7> kSlopeMetricNames{
    {"loss", "gap", "grad_norm_sq", "consensus", "rounds", "virtual_time", "time_to_target"}};
// The evaluation metric it names, if it is one.
std::optional<Metric> as_metric(SlopeMetric metric);

// Allowed values: [low, high], either side optional (at least one given).
struct Bounds {
  std::optional<double> low, high;
  bool contains(double value) const;  // false for NaN
  std::string text() const;           // "in [a, b]", ">= a" or "<= b"
};

// The log-log slope of a metric against a swept path (final values) or along the run.
// `against` for a slope across gossip graphs: x is each run's spectral gap 1 − |λ₂(W)|
// (RunSpec::spectral_gap), the final values' points are the distinct gaps, and the swept paths
// that change the graph (workers, gossip.topology, .weights, .rows, .degree, .graph_seed) are
// pooled instead of making groups of their own.
inline constexpr const char* kAgainstSpectralGap = "spectral_gap";

struct SlopeExpectation {
  SlopeMetric metric = SlopeMetric::gap;
  std::string against;       // a swept dotted path, an axis name, or kAgainstSpectralGap
  std::optional<Axis> axis;  // set when `against` names an axis (step, round, samples, time)
  std::string variant;       // empty: every variant
  std::string baseline;      // non-empty: the slope minus this variant's slope
  Bounds bounds;             // min, max
  double from = -HUGE_VAL, to = HUGE_VAL;  // fit only points with from <= x <= to
  std::optional<double> confidence;
};

// Final metric of `variant` over that of `baseline`.
struct RatioExpectation {
  Metric metric = Metric::gap;
  std::string variant, baseline;
  Bounds bounds;  // at_least, at_most
  std::optional<double> confidence;
};

// The mean metric falls to `value` by `before` on the axis `by`.
struct ReachesExpectation {
  Metric metric = Metric::gap;
  double value = 0;
  Axis by = Axis::step;
  double before = 0;
  std::string variant;  // empty: every variant
};

// How many times sooner `variant` reaches metric <= value than `baseline`, on the axis `by`.
struct SpeedupExpectation {
  Metric metric = Metric::gap;
  double value = 0;
  Axis by = Axis::time;
  std::string variant, baseline;
  Bounds bounds;  // at_least, at_most
  std::optional<double> confidence;
};

// No run uses more than `at_most` communication rounds.
struct RoundsExpectation {
  std::int64_t at_most = 0;
  std::string variant;  // empty: every variant
};

using ExpectationCheck =
    std::variant<SlopeExpectation, RatioExpectation, ReachesExpectation, SpeedupExpectation, RoundsExpectation>;

// One entry of `expect`: the typed check, and its type and parameters as the spec gave them
// (for spec.resolved.json).
struct ExpectationSpec {
  ExpectationCheck check;
  Configured<ExpectationCheck> source;

  const std::string& type() const { return source.type(); }
  Json resolved() const { return source.resolved(); }
};

const Registry<ExpectationCheck>& expectation_registry();

// Reads entry `where` of `expect` (its own rules), then checks the names it refers to against the
// spec read so far (variants, swept paths, seeds). Throws SpecError naming the JSON pointer.
ExpectationSpec read_expectation(const Json& entry, const Location& where, const ExperimentSpec& spec);

}  // namespace localsgd
