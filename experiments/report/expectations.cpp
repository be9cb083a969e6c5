#include "experiments/report/expectations.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "experiments/report/seed_interval.hpp"
#include "experiments/spec/spec.hpp"

namespace localsgd {

namespace {

const std::vector<std::string> kMetrics = {"loss", "gap", "grad_norm_sq", "consensus"};
const std::vector<std::string> kAxes = {"step", "round", "samples", "time"};
// A slope against a swept path may also be taken of a run's totals, and of the virtual time at
// which it first met its first declared target.
const std::vector<std::string> kSlopeMetrics = {"loss",   "gap",          "grad_norm_sq",  "consensus",
                                                "rounds", "virtual_time", "time_to_target"};
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double metric_of(const Evaluation& e, const std::string& name) {
  if (name == "loss") return e.loss;
  if (name == "gap") return e.gap;
  if (name == "grad_norm_sq") return e.grad_norm_sq;
  return e.consensus;
}

double axis_of(const Evaluation& e, const std::string& name) {
  if (name == "step") return static_cast<double>(e.step);
  if (name == "round") return e.round;
  if (name == "samples") return static_cast<double>(e.samples);
  return e.time;
}

// The runs of one curve: a variant at one sweep point (optionally ignoring one swept path).
struct Group {
  std::string variant;
  Json point = Json::object();  // swept values that define the group
  std::vector<std::size_t> runs;
};

std::vector<Group> group_runs(const ExperimentSpec& spec, const std::string& only_variant, const std::string& ignore_path) {
  std::vector<Group> groups;
  for (std::size_t i = 0; i < spec.runs.size(); ++i) {
    const RunSpec& run = spec.runs[i];
    if (!only_variant.empty() && run.variant != only_variant) continue;
    Json point = run.swept;
    point.erase(ignore_path);
    auto it = std::find_if(groups.begin(), groups.end(),
                           [&](const Group& g) { return g.variant == run.variant && g.point == point; });
    if (it == groups.end()) {
      groups.push_back({run.variant, point, {}});
      it = groups.end() - 1;
    }
    it->runs.push_back(i);
  }
  return groups;
}

std::string group_label(const Group& g) {
  std::string label = g.variant;
  for (const auto& [path, value] : g.point.items()) label += fmt::format(", {}={}", path, value.dump());
  return label;
}

// A run's final value of a metric, or of `rounds` / `virtual_time` from its summary.
double final_value(const RunRecord& record, const std::string& metric) {
  if (metric == "rounds" || metric == "virtual_time") return record_number_from(record.summary.at(metric));
  if (metric == "time_to_target") return declared_target_hit(record, 0, "time").value_or(kNaN);
  return metric_of(record.rows.back(), metric);
}

// Mean over the group's runs of the final value of `metric`; NaN if any run did not complete
// (diverged, clock overflow), except for time_to_target: a target met before a run diverged was
// met, as time_to_target.csv says.
double final_mean(const std::vector<RunRecord>& records, const std::vector<std::size_t>& runs, const std::string& metric) {
  double sum = 0;
  for (std::size_t i : runs) {
    if (metric != "time_to_target" && (!completed(records[i]) || records[i].rows.empty())) return kNaN;
    sum += final_value(records[i], metric);
  }
  return sum / static_cast<double>(runs.size());
}

// One run's final value, NaN if it did not complete (diverged, clock overflow) or has no rows,
// except for time_to_target (as in final_mean).
double final_of(const RunRecord& record, const std::string& metric) {
  if (metric != "time_to_target" && (!completed(record) || record.rows.empty())) return kNaN;
  return final_value(record, metric);
}

// The runs of `runs` split by seed, in the order of the spec's seeds (seeds with no run left out).
std::vector<std::vector<std::size_t>> runs_by_seed(const ExperimentSpec& spec, const std::vector<std::size_t>& runs) {
  std::vector<std::vector<std::size_t>> out;
  for (std::uint64_t seed : spec.seeds) {
    std::vector<std::size_t> of_seed;
    for (std::size_t i : runs) {
      if (spec.runs[i].seed == seed) of_seed.push_back(i);
    }
    if (!of_seed.empty()) out.push_back(std::move(of_seed));
  }
  return out;
}

// The one run of `runs` with `seed` (a group holds one run per seed when nothing swept is ignored).
const RunRecord* run_of_seed(const ExperimentSpec& spec, const std::vector<RunRecord>& records,
                             const std::vector<std::size_t>& runs, std::uint64_t seed) {
  for (std::size_t i : runs) {
    if (spec.runs[i].seed == seed) return &records[i];
  }
  return nullptr;
}

// The mean curve over the group's runs, by evaluation index (as the plots draw it).
std::pair<std::vector<double>, std::vector<double>> mean_curve(const std::vector<RunRecord>& records,
                                                              const std::vector<std::size_t>& runs,
                                                              const std::string& axis, const std::string& metric) {
  std::size_t length = std::numeric_limits<std::size_t>::max();
  for (std::size_t i : runs) length = std::min(length, records[i].rows.size());
  std::vector<double> xs(length, 0.0), ys(length, 0.0);
  const auto n = static_cast<double>(runs.size());
  for (std::size_t k = 0; k < length; ++k) {
    for (std::size_t i : runs) {
      xs[k] += axis_of(records[i].rows[k], axis) / n;
      ys[k] += metric_of(records[i].rows[k], metric) / n;
    }
  }
  return {xs, ys};
}

std::string range_text(const Params& p, const char* low, const char* high) {
  if (p.has(low) && p.has(high)) return fmt::format("in [{}, {}]", p.number(low), p.number(high));
  if (p.has(low)) return fmt::format(">= {}", p.number(low));
  return fmt::format("<= {}", p.number(high));
}

bool in_range(double value, const Params& p, const char* low, const char* high) {
  return std::isfinite(value) && (!p.has(low) || value >= p.number(low)) && (!p.has(high) || value <= p.number(high));
}

void need_a_bound(const Params& p, const char* low, const char* high) {
  if (!p.has(low) && !p.has(high)) throw ParamRuleError("", fmt::format("give \"{}\", \"{}\" or both", low, high));
}

CheckResult measured(std::string description, double value, std::string expected, bool passed, std::string note = "") {
  return {std::move(description), std::isfinite(value) ? Json(value) : Json(nullptr), std::move(expected),
          passed && std::isfinite(value), std::move(note), std::nullopt};
}

ParamSpec confidence_param() {
  return ParamSpec::number("confidence",
                           "the statistical form: the two-sided Student-t interval over seeds of the per-seed "
                           "statistic, at this confidence (e.g. 0.95), must lie within the bounds")
      .at_least(0.5)
      .at_most(0.999)
      .optional();
}

// The statistical form of a check: `per_seed` holds one value of the statistic per seed (on a log
// scale when `log_scale`: ratios, whose interval is then reported exponentiated, i.e. for the
// geometric mean ratio). Passes when the whole interval lies within the bounds `low`..`high`.
CheckResult with_interval(std::string description, const std::vector<double>& per_seed, bool log_scale,
                          const Params& p, const char* low, const char* high, std::string statistic) {
  const double confidence = p.number("confidence");
  const SeedInterval ci = t_interval(per_seed, confidence);
  const auto scale = [&](double v) { return log_scale ? std::exp(v) : v; };
  const double lo = scale(ci.low), hi = scale(ci.high);
  const bool inside = in_range(lo, p, low, high) && in_range(hi, p, low, high);
  std::string note;
  if (!std::isfinite(ci.estimate)) {
    note = "a seed's value could not be measured (a run diverged, overflowed the clock or never reached its target)";
  } else if (ci.seeds < 2) {
    note = "an interval needs at least two seeds";
  }
  CheckResult result = measured(std::move(description), scale(ci.estimate), range_text(p, low, high), inside, note);
  result.interval = CheckResult::Interval{lo, hi, confidence, ci.seeds, std::move(statistic)};
  return result;
}

// The log-log slope of one set of runs: against a swept path, one point per swept value (the mean
// over the runs of the final metric there); along the run, the mean curve between `from` and `to`.
// NaN when it cannot be measured, with the reason in `note`.
double slope_of(const ExperimentSpec& spec, const std::vector<RunRecord>& records, const std::vector<std::size_t>& runs,
                const Params& p, bool along_sweep, std::string& note) {
  const std::string metric = p.text("metric");
  const std::string against = p.text("against");
  const double from = p.has("from") ? p.number("from") : -HUGE_VAL;
  const double to = p.has("to") ? p.number("to") : HUGE_VAL;
  std::vector<double> xs, ys;
  if (along_sweep) {
    std::map<double, std::vector<std::size_t>> by_value;
    for (std::size_t i : runs) by_value[spec.runs[i].swept.at(against).get<double>()].push_back(i);
    for (const auto& [value, at_value] : by_value) {
      if (value < from || value > to) continue;
      xs.push_back(value);
      ys.push_back(final_mean(records, at_value, metric));
      if (!std::isfinite(ys.back())) note = "a run diverged, overflowed the clock or never reached its target";
    }
  } else {
    auto [cx, cy] = mean_curve(records, runs, against, metric);
    for (std::size_t k = 0; k < cx.size(); ++k) {
      if (cx[k] >= from && cx[k] <= to) {
        xs.push_back(cx[k]);
        ys.push_back(cy[k]);
      }
    }
  }
  if (!note.empty()) return kNaN;
  const double slope = log_log_slope(xs, ys);
  if (!std::isfinite(slope)) note = "fewer than two points with positive values";
  return slope;
}

// The slope of `variant` (minus that of `baseline` at the same sweep point, if given). Plain form:
// the slope of the means over seeds. Statistical form: one slope per seed (fitted to that seed's
// runs alone; with a baseline, the difference of the two variants' slopes for the same seed).
class SlopeCheck final : public Expectation {
 public:
  explicit SlopeCheck(Params p) : p_(std::move(p)) {}
  std::vector<CheckResult> evaluate(const ExperimentSpec& spec, const std::vector<RunRecord>& records) const override {
    const std::string against = p_.text("against");
    const std::string baseline = p_.text("baseline");
    const bool along_sweep = std::find(kAxes.begin(), kAxes.end(), against) == kAxes.end();
    const auto baselines = group_runs(spec, baseline, along_sweep ? against : "");
    std::vector<CheckResult> results;
    for (const Group& g : group_runs(spec, p_.text("variant"), along_sweep ? against : "")) {
      if (!baseline.empty() && g.variant == baseline) continue;
      const Group* base = nullptr;
      if (!baseline.empty()) {
        base = &*std::find_if(baselines.begin(), baselines.end(), [&](const Group& b) { return b.point == g.point; });
      }
      const std::string description =
          fmt::format("log-log slope of {}{} vs {} ({}){}", along_sweep ? "final " : "", p_.text("metric"), against,
                      group_label(g), base ? fmt::format(" minus that of {}", baseline) : "");
      // The statistic on a set of runs of the variant and the matching runs of the baseline.
      auto statistic = [&](const std::vector<std::size_t>& runs, const std::vector<std::size_t>& base_runs,
                           std::string& note) {
        const double slope = slope_of(spec, records, runs, p_, along_sweep, note);
        return base ? slope - slope_of(spec, records, base_runs, p_, along_sweep, note) : slope;
      };
      if (!p_.has("confidence")) {
        std::string note;
        const double value = statistic(g.runs, base ? base->runs : std::vector<std::size_t>{}, note);
        results.push_back(measured(description, value, range_text(p_, "min", "max"), in_range(value, p_, "min", "max"),
                                   note));
        continue;
      }
      std::vector<double> per_seed;
      std::string note;
      const auto base_seeds = base ? runs_by_seed(spec, base->runs) : std::vector<std::vector<std::size_t>>{};
      const auto seeds = runs_by_seed(spec, g.runs);
      for (std::size_t k = 0; k < seeds.size(); ++k) {
        per_seed.push_back(statistic(seeds[k], base ? base_seeds.at(k) : std::vector<std::size_t>{}, note));
      }
      CheckResult result = with_interval(description, per_seed, false, p_, "min", "max",
                                         base ? "per-seed difference of log-log slopes" : "per-seed log-log slope");
      if (!note.empty()) result.note = note;
      results.push_back(std::move(result));
    }
    return results;
  }

 private:
  Params p_;
};

class RatioCheck final : public Expectation {
 public:
  explicit RatioCheck(Params p) : p_(std::move(p)) {}
  std::vector<CheckResult> evaluate(const ExperimentSpec& spec, const std::vector<RunRecord>& records) const override {
    const std::string metric = p_.text("metric");
    std::vector<CheckResult> results;
    const auto baselines = group_runs(spec, p_.text("baseline"), "");
    for (const Group& g : group_runs(spec, p_.text("variant"), "")) {
      const auto base = std::find_if(baselines.begin(), baselines.end(), [&](const Group& b) { return b.point == g.point; });
      std::string description =
          fmt::format("final {} of {} / final {} of {}", metric, group_label(g), metric, p_.text("baseline"));
      if (p_.has("confidence")) {  // per seed: log(variant's final / baseline's final), same seed
        std::vector<double> per_seed;
        for (std::uint64_t seed : spec.seeds) {
          const RunRecord* v = run_of_seed(spec, records, g.runs, seed);
          const RunRecord* b = run_of_seed(spec, records, base->runs, seed);
          if (v && b) per_seed.push_back(std::log(final_of(*v, metric) / final_of(*b, metric)));
        }
        results.push_back(with_interval(std::move(description), per_seed, true, p_, "at_least", "at_most",
                                        "per-seed log ratio (interval of the geometric mean ratio)"));
        continue;
      }
      const double ratio = final_mean(records, g.runs, metric) / final_mean(records, base->runs, metric);
      results.push_back(measured(std::move(description), ratio, range_text(p_, "at_least", "at_most"),
                                 in_range(ratio, p_, "at_least", "at_most"),
                                 std::isfinite(ratio) ? "" : "a run diverged or the baseline is 0"));
    }
    return results;
  }

 private:
  Params p_;
};

class ReachesCheck final : public Expectation {
 public:
  explicit ReachesCheck(Params p) : p_(std::move(p)) {}
  std::vector<CheckResult> evaluate(const ExperimentSpec& spec, const std::vector<RunRecord>& records) const override {
    const std::string metric = p_.text("metric");
    const std::string axis = p_.text("by");
    const double target = p_.number("value");
    const double limit = p_.number("before");
    std::vector<CheckResult> results;
    for (const Group& g : group_runs(spec, p_.text("variant"), "")) {
      // When every run declares this target, its hits decide (time_to_target.csv's rows): the
      // mean over the runs of where each first met it, not reached if one never did.
      const bool declared = std::all_of(g.runs.begin(), g.runs.end(), [&](std::size_t i) {
        return declared_target_index(records[i], metric, target).has_value();
      });
      double first = kNaN;
      if (declared) {
        double sum = 0;
        for (std::size_t i : g.runs) sum += first_reached(records[i], metric, target, axis).value_or(kNaN);
        first = sum / static_cast<double>(g.runs.size());
      } else {
        auto [xs, ys] = mean_curve(records, g.runs, axis, metric);
        for (std::size_t k = 0; k < xs.size(); ++k) {
          if (ys[k] <= target) {
            first = xs[k];
            break;
          }
        }
      }
      results.push_back(measured(
          fmt::format("first {} where the {} {} <= {} ({})", axis, declared ? "runs' declared target" : "mean", metric,
                      target, group_label(g)),
          first, fmt::format("<= {}", limit), first <= limit,
          std::isfinite(first) ? ""
          : declared           ? "a run never reached the target"
                               : "never reached at an evaluation point"));
    }
    return results;
  }

 private:
  Params p_;
};

// Where a run first met `metric <= value` on the axis `by` (run_record.hpp's one rule); NaN if never.
double first_hit(const RunRecord& record, const std::string& metric, double value, const std::string& by) {
  return first_reached(record, metric, value, by).value_or(kNaN);
}

// baseline's mean time (or steps, rounds, samples) to reach ε over variant's: how much sooner the
// variant gets there (the paper: τ = 91 reaches the target about 1.8× sooner than Sync-SGD).
class SpeedupCheck final : public Expectation {
 public:
  explicit SpeedupCheck(Params p) : p_(std::move(p)) {}
  std::vector<CheckResult> evaluate(const ExperimentSpec& spec, const std::vector<RunRecord>& records) const override {
    const std::string metric = p_.text("metric");
    const std::string by = p_.text("by");
    const double value = p_.number("value");
    auto mean_hit = [&](const std::vector<std::size_t>& runs) {
      double sum = 0;
      for (std::size_t i : runs) sum += first_hit(records[i], metric, value, by);  // NaN if one never reached it
      return sum / static_cast<double>(runs.size());
    };
    std::vector<CheckResult> results;
    const auto baselines = group_runs(spec, p_.text("baseline"), "");
    for (const Group& g : group_runs(spec, p_.text("variant"), "")) {
      const auto base = std::find_if(baselines.begin(), baselines.end(), [&](const Group& b) { return b.point == g.point; });
      std::string description =
          fmt::format("{} until {} <= {}: {} / {}", by, metric, value, p_.text("baseline"), group_label(g));
      if (p_.has("confidence")) {  // per seed: log(baseline's first hit / variant's first hit), same seed
        std::vector<double> per_seed;
        for (std::uint64_t seed : spec.seeds) {
          const RunRecord* v = run_of_seed(spec, records, g.runs, seed);
          const RunRecord* b = run_of_seed(spec, records, base->runs, seed);
          if (v && b) per_seed.push_back(std::log(first_hit(*b, metric, value, by) / first_hit(*v, metric, value, by)));
        }
        results.push_back(with_interval(std::move(description), per_seed, true, p_, "at_least", "at_most",
                                        "per-seed log speedup (interval of the geometric mean speedup)"));
        continue;
      }
      const double speedup = mean_hit(base->runs) / mean_hit(g.runs);
      results.push_back(measured(std::move(description), speedup, range_text(p_, "at_least", "at_most"),
                                 in_range(speedup, p_, "at_least", "at_most"),
                                 std::isfinite(speedup) ? "" : "a run never reached the target"));
    }
    return results;
  }

 private:
  Params p_;
};

class RoundsCheck final : public Expectation {
 public:
  explicit RoundsCheck(Params p) : p_(std::move(p)) {}
  std::vector<CheckResult> evaluate(const ExperimentSpec& spec, const std::vector<RunRecord>& records) const override {
    std::vector<CheckResult> results;
    for (const Group& g : group_runs(spec, p_.text("variant"), "")) {
      double most = 0;
      for (std::size_t i : g.runs) most = std::max(most, record_number_from(records[i].summary.at("rounds")));
      results.push_back(measured(fmt::format("most rounds of any run ({})", group_label(g)), most,
                                 fmt::format("<= {}", p_.integer("at_most")),
                                 most <= static_cast<double>(p_.integer("at_most"))));
    }
    return results;
  }

 private:
  Params p_;
};

ParamSpec metric_param() { return ParamSpec::text("metric", "the metric").one_of(kMetrics).defaults_to("gap"); }
ParamSpec variant_param() {
  return ParamSpec::text("variant", "the variant's label (default: every variant)").defaults_to("");
}

}  // namespace

double log_log_slope(const std::vector<double>& x, const std::vector<double>& y) {
  std::vector<double> lx, ly;
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (x[i] > 0 && y[i] > 0 && std::isfinite(x[i]) && std::isfinite(y[i])) {
      lx.push_back(std::log(x[i]));
      ly.push_back(std::log(y[i]));
    }
  }
  if (lx.size() < 2) return kNaN;
  const auto n = static_cast<double>(lx.size());
  double mx = 0, my = 0;
  for (std::size_t i = 0; i < lx.size(); ++i) {
    mx += lx[i] / n;
    my += ly[i] / n;
  }
  double sxy = 0, sxx = 0;
  for (std::size_t i = 0; i < lx.size(); ++i) {
    sxy += (lx[i] - mx) * (ly[i] - my);
    sxx += (lx[i] - mx) * (lx[i] - mx);
  }
  return sxx > 0 ? sxy / sxx : kNaN;
}

const Registry<Expectation>& expectation_registry() {
  static const Registry<Expectation> registry{
      "expect",
      "claims checked after the runs (per variant and sweep point); a failed one makes `run` exit 4",
      {
          {"slope",
           "the log-log slope of a metric against a swept path (final values; also rounds or virtual_time) or "
           "along the run against step/round/samples/time",
           {ParamSpec::text("metric", "the metric").one_of(kSlopeMetrics).defaults_to("gap"), ParamSpec::text("against", "a swept dotted path, or step, round, samples or time"),
            variant_param(), ParamSpec::number("min", "lowest allowed slope").optional(),
            ParamSpec::number("max", "highest allowed slope").optional(),
            ParamSpec::number("from", "fit only points with x >= from").optional(),
            ParamSpec::number("to", "fit only points with x <= to").optional(),
            ParamSpec::text("baseline", "check the slope minus this variant's slope (default: the slope itself)")
                .defaults_to(""),
            confidence_param()},
           [](const Params& p, const BuildContext&) -> std::unique_ptr<Expectation> { return std::make_unique<SlopeCheck>(p); },
           [](const Params& p, const BuildContext&) { need_a_bound(p, "min", "max"); },
           Json{{"type", "slope"}, {"against", "step"}, {"max", 0}}},
          {"ratio", "final metric of `variant` divided by that of `baseline` (means over seeds)",
           {metric_param(), ParamSpec::text("variant", "the variant's label"),
            ParamSpec::text("baseline", "the baseline variant's label"),
            ParamSpec::number("at_least", "lowest allowed ratio").optional(),
            ParamSpec::number("at_most", "highest allowed ratio").optional(), confidence_param()},
           [](const Params& p, const BuildContext&) -> std::unique_ptr<Expectation> { return std::make_unique<RatioCheck>(p); },
           [](const Params& p, const BuildContext&) { need_a_bound(p, "at_least", "at_most"); },
           Json{{"type", "ratio"}, {"variant", "LUPA"}, {"baseline", "Sync-SGD"}, {"at_most", 1.5}}},
          {"reaches", "the mean metric falls to `value` by step/round/samples/time `before`",
           {metric_param(), ParamSpec::number("value", "the target epsilon"),
            ParamSpec::text("by", "the axis `before` is measured on").one_of(kAxes).defaults_to("step"),
            ParamSpec::number("before", "the latest allowed point on that axis"), variant_param()},
           [](const Params& p, const BuildContext&) -> std::unique_ptr<Expectation> {
             return std::make_unique<ReachesCheck>(p);
           }},
          {"speedup",
           "how many times sooner `variant` reaches metric <= value than `baseline` (mean over seeds, on the `by` "
           "axis; from the runs' `targets` when one matches, else the evaluation points)",
           {ParamSpec::text("metric", "the metric").one_of(kMetrics).defaults_to("gap"),
            ParamSpec::number("value", "the target epsilon"),
            ParamSpec::text("by", "time, step, round or samples").one_of(kAxes).defaults_to("time"),
            ParamSpec::text("variant", "the variant's label"), ParamSpec::text("baseline", "the baseline variant's label"),
            ParamSpec::number("at_least", "lowest allowed speedup").optional(),
            ParamSpec::number("at_most", "highest allowed speedup").optional(), confidence_param()},
           [](const Params& p, const BuildContext&) -> std::unique_ptr<Expectation> {
             return std::make_unique<SpeedupCheck>(p);
           },
           [](const Params& p, const BuildContext&) { need_a_bound(p, "at_least", "at_most"); },
           Json{{"type", "speedup"}, {"value", 0.01}, {"variant", "LUPA"}, {"baseline", "Sync-SGD"}, {"at_least", 1.5}}},
          {"rounds", "no run uses more than `at_most` communication rounds",
           {ParamSpec::integer("at_most", "the largest allowed number of rounds").at_least(0), variant_param()},
           [](const Params& p, const BuildContext&) -> std::unique_ptr<Expectation> { return std::make_unique<RoundsCheck>(p); }},
      }};
  return registry;
}

void check_expectation_references(const Configured<Expectation>& check, const ExperimentSpec& spec,
                                  const Location& where) {
  const Params& p = check.params;
  if (p.has("confidence") && spec.seeds.size() < 2) {
    where.child("confidence").fail(fmt::format(
        "an interval over seeds needs at least 2 seeds, the spec has {}; give more \"seeds\" or drop \"confidence\"",
        spec.seeds.size()));
  }
  for (const char* key : {"variant", "baseline"}) {
    if (!p.json().contains(key)) continue;
    const std::string label = p.text(key);
    if (label.empty() || std::find(spec.variants.begin(), spec.variants.end(), label) != spec.variants.end()) continue;
    std::string rule = fmt::format("no variant is labelled \"{}\" (labels: {})", label, join_names(spec.variants));
    if (auto guess = closest_name(label, spec.variants)) rule += fmt::format("; did you mean \"{}\"?", *guess);
    where.child(key).fail(rule);
  }
  if (p.json().contains("against")) {
    const std::string against = p.text("against");
    const bool axis = std::find(kAxes.begin(), kAxes.end(), against) != kAxes.end();
    const std::string metric = p.text("metric");
    if (metric == "time_to_target") {
      for (const RunSpec& run : spec.runs) {
        if (run.targets.empty()) {
          where.child("metric").fail("\"time_to_target\" needs a run-level \"targets\" list (its first target is used)");
        }
      }
    }
    if (axis && (metric == "rounds" || metric == "virtual_time" || metric == "time_to_target")) {
      where.child("metric").fail(fmt::format("\"{}\" is a run total: its slope can only be taken against a swept path",
                                             metric));
    }
    const bool swept = std::find(spec.swept_paths.begin(), spec.swept_paths.end(), against) != spec.swept_paths.end();
    if (!axis && !swept) {
      where.child("against").fail(fmt::format("must be step, round, samples, time or a swept path ({}), got \"{}\"",
                                              spec.swept_paths.empty() ? "none is swept" : join_names(spec.swept_paths),
                                              against));
    }
    if (swept) {
      for (const RunSpec& run : spec.runs) {
        if (!run.swept.at(against).is_number()) {
          where.child("against").fail(fmt::format("the swept values of \"{}\" must be numbers", against));
        }
      }
    }
  }
}

Json checks_json(const std::vector<CheckResult>& results) {
  Json out = Json::array();
  for (const auto& r : results) {
    Json entry = {{"check", r.description}, {"measured", r.measured}, {"expected", r.expected}, {"passed", r.passed}};
    if (!r.note.empty()) entry["note"] = r.note;
    if (r.interval) {
      const auto finite = [](double v) { return std::isfinite(v) ? Json(v) : Json(nullptr); };
      entry["interval"] = Json::array({finite(r.interval->low), finite(r.interval->high)});
      entry["confidence"] = r.interval->confidence;
      entry["seeds"] = r.interval->seeds;
      entry["statistic"] = r.interval->statistic;
    }
    out.push_back(entry);
  }
  return out;
}

std::string check_line(const CheckResult& r) {
  const auto number = [](double v) { return std::isfinite(v) ? fmt::format("{:.4g}", v) : std::string("?"); };
  std::string interval;
  if (r.interval) {
    interval = fmt::format(", {:.3g}% interval [{}, {}] over {} seeds", 100 * r.interval->confidence,
                           number(r.interval->low), number(r.interval->high), r.interval->seeds);
  }
  return fmt::format("{} {}: {}{} (expected {}){}", r.passed ? "PASS" : "FAIL", r.description,
                     r.measured.is_null() ? "not measured" : fmt::format("{:.4g}", r.measured.get<double>()), interval,
                     r.expected, r.note.empty() ? "" : " - " + r.note);
}

}  // namespace localsgd
