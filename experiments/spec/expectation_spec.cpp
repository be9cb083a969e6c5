#include "experiments/spec/expectation_spec.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "algorithms/topology/topology.hpp"
#include "experiments/spec/spec.hpp"

namespace localsgd {

namespace {

ParamSpec confidence_param() {
  return ParamSpec::number("confidence",
                           "the statistical form: the two-sided Student-t interval over seeds of the per-seed "
                           "statistic, at this confidence (e.g. 0.95), must lie within the bounds")
      .at_least(0.5)
      .at_most(0.999)
      .optional();
}

ParamSpec metric_param() {
  return ParamSpec::text("metric", "the metric").one_of(kMetricNames.list()).defaults_to("gap");
}
ParamSpec variant_param() {
  return ParamSpec::text("variant", "the variant's label (default: every variant)").defaults_to("");
}

void need_a_bound(const Params& p, const char* low, const char* high) {
  if (!p.has(low) && !p.has(high)) throw ParamRuleError("", fmt::format("give \"{}\", \"{}\" or both", low, high));
}

std::optional<double> optional_number(const Params& p, const char* name) {
  return p.has(name) ? std::optional<double>(p.number(name)) : std::nullopt;
}

Bounds bounds_of(const Params& p, const char* low, const char* high) {
  return {optional_number(p, low), optional_number(p, high)};
}

// Text parameters checked by one_of: their names parse.
Metric metric_from(const Params& p) { return *kMetricNames.parse(p.text("metric")); }
Axis axis_from(const Params& p, const char* name) { return *kAxisNames.parse(p.text(name)); }

template <class Check>
std::shared_ptr<ExpectationCheck> make(Check check) {
  return std::make_shared<ExpectationCheck>(std::move(check));
}

std::shared_ptr<ExpectationCheck> slope_of(const Params& p, const BuildContext&) {
  SlopeExpectation s;
  s.metric = *kSlopeMetricNames.parse(p.text("metric"));
  s.against = p.text("against");
  s.axis = kAxisNames.parse(s.against);
  s.variant = p.text("variant");
  s.baseline = p.text("baseline");
  s.bounds = bounds_of(p, "min", "max");
  if (p.has("from")) s.from = p.number("from");
  if (p.has("to")) s.to = p.number("to");
  s.confidence = optional_number(p, "confidence");
  return make(std::move(s));
}

std::shared_ptr<ExpectationCheck> ratio_of(const Params& p, const BuildContext&) {
  return make(RatioExpectation{metric_from(p), p.text("variant"), p.text("baseline"), bounds_of(p, "at_least", "at_most"),
                               optional_number(p, "confidence")});
}

std::shared_ptr<ExpectationCheck> reaches_of(const Params& p, const BuildContext&) {
  return make(ReachesExpectation{metric_from(p), p.number("value"), axis_from(p, "by"), p.number("before"),
                                 p.text("variant")});
}

std::shared_ptr<ExpectationCheck> speedup_of(const Params& p, const BuildContext&) {
  return make(SpeedupExpectation{metric_from(p), p.number("value"), axis_from(p, "by"), p.text("variant"),
                                 p.text("baseline"), bounds_of(p, "at_least", "at_most"),
                                 optional_number(p, "confidence")});
}

std::shared_ptr<ExpectationCheck> rounds_of(const Params& p, const BuildContext&) {
  return make(RoundsExpectation{p.integer("at_most"), p.text("variant")});
}

std::optional<double> confidence_of(const ExpectationCheck& check) {
  return std::visit(
      [](const auto& c) -> std::optional<double> {
        if constexpr (requires { c.confidence; }) return c.confidence;
        return std::nullopt;
      },
      check);
}

// The labels the check names (key and label; an empty label means every variant).
std::vector<std::pair<const char*, std::string>> labels_of(const ExpectationCheck& check) {
  return std::visit(
      [](const auto& c) -> std::vector<std::pair<const char*, std::string>> {
        std::vector<std::pair<const char*, std::string>> out = {{"variant", c.variant}};
        if constexpr (requires { c.baseline; }) out.emplace_back("baseline", c.baseline);
        return out;
      },
      check);
}

// A slope against the spectral gap needs one in every run it fits: gossip on a static topology
// small enough for the gap to be computed.
void check_spectral_gaps(const SlopeExpectation& s, const ExperimentSpec& spec, const Location& where) {
  for (const RunSpec& run : spec.runs) {
    if (!s.variant.empty() && run.variant != s.variant && run.variant != s.baseline) continue;
    std::string why;
    if (!run.round.gossips()) {
      why = "has no \"gossip\" key";
    } else if (const auto kind = run.pipeline().gossip.topology.kind; kind == topology::TopologyKind::one_peer_exponential) {
      why = "gossips on the time-varying one_peer_exponential graph, which has no single W";
    } else if (run.workers > topology::kSpectralGapMaxNodes) {
      why = fmt::format("has {} nodes, more than the {} whose W the gap is computed from", run.workers,
                        topology::kSpectralGapMaxNodes);
    }
    if (!why.empty()) {
      where.child("against").fail(fmt::format(
          "\"spectral_gap\" is each run's 1 - |lambda_2(W)|: every run the slope fits needs gossip on a fixed "
          "topology, and run {} (variant \"{}\") {}{}",
          run.index, run.variant, why, s.variant.empty() ? "; name the gossip variant with \"variant\"" : ""));
    }
  }
}

void check_slope_references(const SlopeExpectation& s, const ExperimentSpec& spec, const Location& where) {
  const bool axis = s.axis.has_value();
  const std::string metric = kSlopeMetricNames.name(s.metric);
  if (s.metric == SlopeMetric::time_to_target) {
    for (const RunSpec& run : spec.runs) {
      if (run.targets.empty()) {
        where.child("metric").fail("\"time_to_target\" needs a run-level \"targets\" list (its first target is used)");
      }
    }
  }
  if (axis && !as_metric(s.metric)) {
    where.child("metric").fail(fmt::format("\"{}\" is a run total: its slope can only be taken against a swept path",
                                           metric));
  }
  if (s.against == kAgainstSpectralGap) {
    check_spectral_gaps(s, spec, where);
    return;
  }
  const bool swept = std::find(spec.swept_paths.begin(), spec.swept_paths.end(), s.against) != spec.swept_paths.end();
  if (!axis && !swept) {
    // bytes is an axis only when some run compresses or gossips.
    where.child("against").fail(fmt::format("must be step, round, samples, time{}{} or a swept path ({}), got \"{}\"",
                                            spec.counts_bytes() ? ", bytes" : "",
                                            std::any_of(spec.runs.begin(), spec.runs.end(),
                                                        [](const RunSpec& r) { return r.round.gossips(); })
                                                ? ", spectral_gap"
                                                : "",
                                            spec.swept_paths.empty() ? "none is swept" : join_names(spec.swept_paths),
                                            s.against));
  }
  if (swept) {
    for (const RunSpec& run : spec.runs) {
      const Json& value = run.swept.at(s.against);
      if (!value.is_number() && !value.is_null()) {  // null: a variant that does not take the key
        where.child("against").fail(fmt::format("the swept values of \"{}\" must be numbers", s.against));
      }
    }
  }
}

// Whether some run of variant `label` takes the swept key `path` (the sweep rule: a variant whose
// type does not take it has the value null).
bool takes_swept_key(const ExperimentSpec& spec, const std::string& label, const std::string& path) {
  return std::any_of(spec.runs.begin(), spec.runs.end(),
                     [&](const RunSpec& r) { return r.variant == label && !r.swept.at(path).is_null(); });
}

// A check that compares a variant with a baseline matches the baseline's runs at each of the
// variant's sweep points; a baseline without a swept key matches every value of it, but a variant
// without a key that its baseline has matches no single baseline point. A slope along a swept key
// needs the key in the variants it names.
void check_swept_keys_taken(const ExpectationCheck& check, const ExperimentSpec& spec, const Location& where) {
  const auto labels = labels_of(check);
  const std::string& variant = labels[0].second;
  const std::string baseline = labels.size() > 1 ? labels[1].second : std::string();
  const auto does_not_take = [](const std::string& label, const std::string& path) {
    return fmt::format("variant \"{}\" does not take the swept key \"{}\" (its type has no such key)", label, path);
  };
  if (!baseline.empty()) {
    for (const std::string& path : spec.swept_paths) {
      for (const std::string& label : spec.variants) {
        if (label == baseline || (!variant.empty() && label != variant)) continue;
        if (!takes_swept_key(spec, label, path) && takes_swept_key(spec, baseline, path)) {
          where.child(variant.empty() ? "baseline" : "variant")
              .fail(fmt::format("{}, but its baseline \"{}\" does, so no single baseline run matches it; compare the "
                                "other way round (the variant without the key as the baseline)",
                                does_not_take(label, path), baseline));
        }
      }
    }
  }
  const auto* slope = std::get_if<SlopeExpectation>(&check);
  if (slope == nullptr || slope->axis || slope->against == kAgainstSpectralGap) return;
  for (const auto& [key, label] : labels) {
    if (!label.empty() && !takes_swept_key(spec, label, slope->against)) {
      where.child(key).fail(does_not_take(label, slope->against) + ", so it has no slope along it");
    }
  }
}

// Checks names that a registry entry cannot see on its own (variants, swept paths, seeds).
// The bytes axis exists only when some run compresses or gossips (the outputs carry bytes only then).
void check_bytes_axis(const ExpectationCheck& check, const ExperimentSpec& spec, const Location& where) {
  if (spec.counts_bytes()) return;
  const char* key = nullptr;
  if (const auto* slope = std::get_if<SlopeExpectation>(&check); slope && slope->axis == Axis::bytes) key = "against";
  if (const auto* reaches = std::get_if<ReachesExpectation>(&check); reaches && reaches->by == Axis::bytes) key = "by";
  if (const auto* speedup = std::get_if<SpeedupExpectation>(&check); speedup && speedup->by == Axis::bytes) key = "by";
  if (key) {
    where.child(key).fail("\"bytes\" is an axis only when some run sets \"compression\" or \"gossip\" (no run of this spec "
                          "sends compressed or gossip messages, so its outputs count no bytes); use step, round, samples "
                          "or time");
  }
}

void check_references(const ExpectationCheck& check, const ExperimentSpec& spec, const Location& where) {
  check_bytes_axis(check, spec, where);
  if (confidence_of(check) && spec.seeds.size() < 2) {
    where.child("confidence").fail(fmt::format(
        "an interval over seeds needs at least 2 seeds, the spec has {}; give more \"seeds\" or drop \"confidence\"",
        spec.seeds.size()));
  }
  for (const auto& [key, label] : labels_of(check)) {
    if (label.empty() || std::find(spec.variants.begin(), spec.variants.end(), label) != spec.variants.end()) continue;
    std::string rule = fmt::format("no variant is labelled \"{}\" (labels: {})", label, join_names(spec.variants));
    if (auto guess = closest_name(label, spec.variants)) rule += fmt::format("; did you mean \"{}\"?", *guess);
    where.child(key).fail(rule);
  }
  if (const auto* slope = std::get_if<SlopeExpectation>(&check)) check_slope_references(*slope, spec, where);
  check_swept_keys_taken(check, spec, where);
}

}  // namespace

std::optional<Metric> as_metric(SlopeMetric metric) {
  switch (metric) {
    case SlopeMetric::loss: return Metric::loss;
    case SlopeMetric::gap: return Metric::gap;
    case SlopeMetric::grad_norm_sq: return Metric::grad_norm_sq;
    case SlopeMetric::consensus: return Metric::consensus;
    default: return std::nullopt;
  }
}

bool Bounds::contains(double value) const {
  return std::isfinite(value) && (!low || value >= *low) && (!high || value <= *high);
}

std::string Bounds::text() const {
  if (low && high) return fmt::format("in [{}, {}]", *low, *high);
  if (low) return fmt::format(">= {}", *low);
  return fmt::format("<= {}", *high);
}

const Registry<ExpectationCheck>& expectation_registry() {
  static const Registry<ExpectationCheck> registry{
      "expect",
      "claims checked after the runs (per variant and sweep point); a failed one makes `run` exit 4",
      {
          {"slope",
           "the log-log slope of a metric against a swept path (final values; also rounds or virtual_time) or "
           "along the run against step/round/samples/time/bytes",
           {ParamSpec::text("metric", "the metric").one_of(kSlopeMetricNames.list()).defaults_to("gap"),
            ParamSpec::text("against",
                            "a swept dotted path, step, round, samples, time or bytes, or spectral_gap (each gossip "
                            "run's 1 - |lambda_2(W)|, across the graphs swept)"),
            variant_param(),
            ParamSpec::number("min", "lowest allowed slope").optional(),
            ParamSpec::number("max", "highest allowed slope").optional(),
            ParamSpec::number("from", "fit only points with x >= from").optional(),
            ParamSpec::number("to", "fit only points with x <= to").optional(),
            ParamSpec::text("baseline", "check the slope minus this variant's slope (default: the slope itself)")
                .defaults_to(""),
            confidence_param()},
           slope_of,
           [](const Params& p, const BuildContext&) { need_a_bound(p, "min", "max"); },
           Json{{"type", "slope"}, {"against", "step"}, {"max", 0}}},
          {"ratio", "final metric of `variant` divided by that of `baseline` (means over seeds)",
           {metric_param(), ParamSpec::text("variant", "the variant's label"),
            ParamSpec::text("baseline", "the baseline variant's label"),
            ParamSpec::number("at_least", "lowest allowed ratio").optional(),
            ParamSpec::number("at_most", "highest allowed ratio").optional(), confidence_param()},
           ratio_of,
           [](const Params& p, const BuildContext&) { need_a_bound(p, "at_least", "at_most"); },
           Json{{"type", "ratio"}, {"variant", "LUPA"}, {"baseline", "Sync-SGD"}, {"at_most", 1.5}}},
          {"reaches", "the mean metric falls to `value` by step/round/samples/time/bytes `before`",
           {metric_param(), ParamSpec::number("value", "the target epsilon"),
            ParamSpec::text("by", "the axis `before` is measured on").one_of(kAxisNames.list()).defaults_to("step"),
            ParamSpec::number("before", "the latest allowed point on that axis"), variant_param()},
           reaches_of},
          {"speedup",
           "how many times sooner `variant` reaches metric <= value than `baseline` (mean over seeds, on the `by` "
           "axis; from the runs' `targets` when one matches, else the evaluation points)",
           {metric_param(), ParamSpec::number("value", "the target epsilon"),
            ParamSpec::text("by", "time, step, round, samples or bytes").one_of(kAxisNames.list()).defaults_to("time"),
            ParamSpec::text("variant", "the variant's label"), ParamSpec::text("baseline", "the baseline variant's label"),
            ParamSpec::number("at_least", "lowest allowed speedup").optional(),
            ParamSpec::number("at_most", "highest allowed speedup").optional(), confidence_param()},
           speedup_of,
           [](const Params& p, const BuildContext&) { need_a_bound(p, "at_least", "at_most"); },
           Json{{"type", "speedup"}, {"value", 0.01}, {"variant", "LUPA"}, {"baseline", "Sync-SGD"}, {"at_least", 1.5}}},
          {"rounds", "no run uses more than `at_most` communication rounds",
           {ParamSpec::integer("at_most", "the largest allowed number of rounds").at_least(0), variant_param()},
           rounds_of},
      }};
  return registry;
}

ExpectationSpec read_expectation(const Json& entry, const Location& where, const ExperimentSpec& spec) {
  Configured<ExpectationCheck> source = expectation_registry().read(entry, where, BuildContext{});
  ExpectationSpec out{*source.build(BuildContext{}), std::move(source)};
  check_references(out.check, spec, where);
  return out;
}

}  // namespace localsgd
