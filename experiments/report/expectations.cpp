#include "experiments/report/expectations.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <map>

#include "experiments/report/seed_interval.hpp"
#include "experiments/spec/spec.hpp"

namespace localsgd {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// The runs of one curve: a variant at one sweep point (optionally ignoring one swept path).
struct Group {
  std::string variant;
  Json point = Json::object();  // swept values that define the group
  std::vector<std::size_t> runs;
};

std::vector<Group> group_runs(const ExperimentSpec& spec, const std::string& only_variant,
                              const std::vector<std::string>& ignore_paths = {}) {
  std::vector<Group> groups;
  for (std::size_t i = 0; i < spec.runs.size(); ++i) {
    const RunSpec& run = spec.runs[i];
    if (!only_variant.empty() && run.variant != only_variant) continue;
    Json point = run.swept;
    for (const std::string& path : ignore_paths) point.erase(path);
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

// The baseline's group at the same sweep point as `g` (read_expectation made sure the baseline
// exists). A baseline that does not take a swept key (its value null: a Sync baseline beside a
// swept period) matches every value of it. Null if the baseline has no runs at g's point.
const Group* matching(const std::vector<Group>& baselines, const Group& g) {
  const auto matches = [&](const Group& b) {
    for (const auto& [path, value] : g.point.items()) {
      const Json& mine = b.point.contains(path) ? b.point.at(path) : Json();
      if (mine != value && !mine.is_null()) return false;
    }
    return true;
  };
  const auto it = std::find_if(baselines.begin(), baselines.end(), matches);
  return it == baselines.end() ? nullptr : &*it;
}

// Whether no run of `g` takes the swept path `path` (the variant's type does not take the key).
// Every run's spectral gap (NaN for runs the check does not fit: read_expectation made sure the
// others have one), each graph's computed once.
std::vector<double> run_spectral_gaps(const ExperimentSpec& spec, const SlopeExpectation& check) {
  std::map<std::string, double> of_graph;  // workers and resolved gossip key -> gap
  std::vector<double> gaps(spec.runs.size(), kNaN);
  for (std::size_t i = 0; i < spec.runs.size(); ++i) {
    const RunSpec& run = spec.runs[i];
    if (!check.variant.empty() && run.variant != check.variant && run.variant != check.baseline) continue;
    const std::string graph = fmt::format("{} {}", run.workers, run.config.value("gossip", Json()).dump());
    auto it = of_graph.find(graph);
    if (it == of_graph.end()) it = of_graph.emplace(graph, run.spectral_gap().value_or(kNaN)).first;
    gaps[i] = it->second;
  }
  return gaps;
}

// The swept paths that change a gossip run's graph, pooled by a slope against the spectral gap.
std::vector<std::string> graph_paths(const ExperimentSpec& spec) {
  std::vector<std::string> out;
  for (const std::string& path : spec.swept_paths) {
    if (path == "workers" || (path.starts_with("gossip.") && path != "gossip.type" && path != "gossip.consensus_step")) {
      out.push_back(path);
    }
  }
  return out;
}

bool without_swept_key(const ExperimentSpec& spec, const Group& g, const std::string& path) {
  return std::all_of(g.runs.begin(), g.runs.end(), [&](std::size_t i) { return spec.runs[i].swept.at(path).is_null(); });
}

constexpr const char* kNoBaselineHere = "the baseline has no runs at this sweep point";

std::string group_label(const Group& g) {
  std::string label = g.variant;
  for (const auto& [path, value] : g.point.items()) {
    if (!value.is_null()) label += fmt::format(", {}={}", path, value.dump());  // null: the variant does not take it
  }
  return label;
}

// A run's final value of a metric, or of `rounds` / `virtual_time` from its summary.
double final_value(const RunRecord& record, SlopeMetric metric) {
  switch (metric) {
    case SlopeMetric::rounds: return record.summary.rounds;
    case SlopeMetric::virtual_time: return record.summary.virtual_time;
    case SlopeMetric::time_to_target: return declared_target_hit(record.summary, 0, Axis::time).value_or(kNaN);
    default: return value_at(record.rows.back(), *as_metric(metric));
  }
}

// Mean over the group's runs of the final value of `metric`; NaN if any run did not complete
// (diverged, clock overflow), except for time_to_target: a target met before a run diverged was
// met, as time_to_target.csv says.
double final_mean(const std::vector<RunRecord>& records, const std::vector<std::size_t>& runs, SlopeMetric metric) {
  double sum = 0;
  for (std::size_t i : runs) {
    if (metric != SlopeMetric::time_to_target && (!completed(records[i]) || records[i].rows.empty())) return kNaN;
    sum += final_value(records[i], metric);
  }
  return sum / static_cast<double>(runs.size());
}

SlopeMetric slope_metric(Metric metric) { return static_cast<SlopeMetric>(metric); }  // the first four agree
static_assert(static_cast<int>(SlopeMetric::consensus) == static_cast<int>(Metric::consensus));

// One run's final value, NaN if it did not complete (diverged, clock overflow) or has no rows.
double final_of(const RunRecord& record, Metric metric) {
  if (!completed(record) || record.rows.empty()) return kNaN;
  return value_at(record.rows.back(), metric);
}

// Where a run first met `metric <= value` on the axis `by` (run_record.hpp's one rule); NaN if never.
double first_hit(const RunRecord& record, Metric metric, double value, Axis by) {
  return first_reached(record, metric, value, by).value_or(kNaN);
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
                                                              const std::vector<std::size_t>& runs, Axis axis,
                                                              Metric metric) {
  std::size_t length = std::numeric_limits<std::size_t>::max();
  for (std::size_t i : runs) length = std::min(length, records[i].rows.size());
  std::vector<double> xs(length, 0.0), ys(length, 0.0);
  const auto n = static_cast<double>(runs.size());
  for (std::size_t k = 0; k < length; ++k) {
    for (std::size_t i : runs) {
      xs[k] += value_at(records[i].rows[k], axis) / n;
      ys[k] += value_at(records[i].rows[k], metric) / n;
    }
  }
  return {xs, ys};
}

CheckResult measured(std::string description, double value, std::string expected, bool passed, std::string note = "") {
  return {std::move(description), std::isfinite(value) ? Json(value) : Json(nullptr), std::move(expected),
          passed && std::isfinite(value), std::move(note), std::nullopt};
}

// The statistical form of a check: `per_seed` holds one value of the statistic per seed (on a log
// scale when `log_scale`: ratios, whose interval is then reported exponentiated, i.e. for the
// geometric mean ratio). Passes when the whole interval lies within `bounds`.
CheckResult with_interval(std::string description, const std::vector<double>& per_seed, bool log_scale,
                          double confidence, const Bounds& bounds, std::string statistic) {
  const SeedInterval ci = t_interval(per_seed, confidence);
  const auto scale = [&](double v) { return log_scale ? std::exp(v) : v; };
  const double lo = scale(ci.low), hi = scale(ci.high);
  const bool inside = bounds.contains(lo) && bounds.contains(hi);
  std::string note;
  if (!std::isfinite(ci.estimate)) {
    note = "a seed's value could not be measured (a run diverged, overflowed the clock or never reached its target)";
  } else if (ci.seeds < 2) {
    note = "an interval needs at least two seeds";
  }
  CheckResult result = measured(std::move(description), scale(ci.estimate), bounds.text(), inside, note);
  result.interval = CheckResult::Interval{lo, hi, confidence, ci.seeds, std::move(statistic)};
  return result;
}

// The log-log slope of one set of runs: against a swept path, one point per swept value (the mean
// over the runs of the final metric there); along the run, the mean curve between `from` and `to`.
// NaN when it cannot be measured, with the reason in `note`.
// `gaps`: every run's spectral gap when the slope is against it (run_spectral_gaps), else empty.
double slope_of(const ExperimentSpec& spec, const std::vector<RunRecord>& records, const std::vector<std::size_t>& runs,
                const SlopeExpectation& check, const std::vector<double>& gaps, std::string& note) {
  std::vector<double> xs, ys;
  if (!check.axis) {
    std::map<double, std::vector<std::size_t>> by_value;
    for (std::size_t i : runs) {
      if (!gaps.empty()) {
        by_value[gaps[i]].push_back(i);
        continue;
      }
      const Json& value = spec.runs[i].swept.at(check.against);
      if (!value.is_null()) by_value[value.get<double>()].push_back(i);  // null: a variant without the key
    }
    for (const auto& [value, at_value] : by_value) {
      if (value < check.from || value > check.to) continue;
      xs.push_back(value);
      ys.push_back(final_mean(records, at_value, check.metric));
      if (!std::isfinite(ys.back())) note = "a run diverged, overflowed the clock or never reached its target";
    }
  } else {
    // read_expectation made sure the metric is an evaluation metric here
    auto [cx, cy] = mean_curve(records, runs, *check.axis, *as_metric(check.metric));
    for (std::size_t k = 0; k < cx.size(); ++k) {
      if (cx[k] >= check.from && cx[k] <= check.to) {
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
std::vector<CheckResult> evaluate_slope(const SlopeExpectation& check, const ExperimentSpec& spec,
                                        const std::vector<RunRecord>& records) {
  const bool along_sweep = !check.axis;
  const bool across_graphs = check.against == kAgainstSpectralGap;
  const std::vector<std::string> pooled = across_graphs ? graph_paths(spec)
                                          : along_sweep ? std::vector<std::string>{check.against}
                                                        : std::vector<std::string>{};
  const std::vector<double> gaps = across_graphs ? run_spectral_gaps(spec, check) : std::vector<double>{};
  const std::string& baseline = check.baseline;
  const auto baselines = group_runs(spec, baseline, pooled);
  std::vector<CheckResult> results;
  for (const Group& g : group_runs(spec, check.variant, pooled)) {
    if (!baseline.empty() && g.variant == baseline) continue;
    if (along_sweep && !across_graphs && without_swept_key(spec, g, check.against)) continue;  // nothing to fit
    const Group* base = baseline.empty() ? nullptr : matching(baselines, g);
    const std::string description =
        fmt::format("log-log slope of {}{} vs {} ({}){}", along_sweep ? "final " : "",
                    kSlopeMetricNames.name(check.metric), check.against, group_label(g),
                    base ? fmt::format(" minus that of {}", baseline) : "");
    // The statistic on a set of runs of the variant and the matching runs of the baseline.
    auto statistic = [&](const std::vector<std::size_t>& runs, const std::vector<std::size_t>& base_runs,
                         std::string& note) {
      const double slope = slope_of(spec, records, runs, check, gaps, note);
      return base ? slope - slope_of(spec, records, base_runs, check, gaps, note) : slope;
    };
    if (!baseline.empty() && !base) {
      results.push_back(measured(description, kNaN, check.bounds.text(), false, kNoBaselineHere));
      continue;
    }
    if (!check.confidence) {
      std::string note;
      const double value = statistic(g.runs, base ? base->runs : std::vector<std::size_t>{}, note);
      results.push_back(measured(description, value, check.bounds.text(), check.bounds.contains(value), note));
      continue;
    }
    std::vector<double> per_seed;
    std::string note;
    const auto base_seeds = base ? runs_by_seed(spec, base->runs) : std::vector<std::vector<std::size_t>>{};
    const auto seeds = runs_by_seed(spec, g.runs);
    for (std::size_t k = 0; k < seeds.size(); ++k) {
      per_seed.push_back(statistic(seeds[k], base ? base_seeds.at(k) : std::vector<std::size_t>{}, note));
    }
    CheckResult result = with_interval(description, per_seed, false, *check.confidence, check.bounds,
                                       base ? "per-seed difference of log-log slopes" : "per-seed log-log slope");
    if (!note.empty()) result.note = note;
    results.push_back(std::move(result));
  }
  return results;
}

// A ratio of a variant to its baseline at every sweep point (the ratio and speedup checks).
// `per_run(run)` is one run's value, `mean(runs)` the plain form's value of a set of runs; the
// ratio is variant over baseline, or baseline over variant when `baseline_on_top` (a speedup:
// the baseline's time over the variant's). Statistical form: per seed, the log of the ratio of
// the two runs with that seed; the interval is reported exponentiated (the geometric mean ratio).
struct RatioOfRuns {
  std::function<double(const RunRecord&)> per_run;
  std::function<double(const std::vector<std::size_t>&)> mean;
  bool baseline_on_top = false;
  std::string statistic;       // what one seed contributes
  std::string not_measured;    // the note when the plain form's ratio is not finite
};

std::vector<CheckResult> evaluate_ratio_of_runs(const RatioOfRuns& ratio, const std::string& variant,
                                                const std::string& baseline, const Bounds& bounds,
                                                const std::optional<double>& confidence,
                                                const std::function<std::string(const Group&)>& describe,
                                                const ExperimentSpec& spec, const std::vector<RunRecord>& records) {
  std::vector<CheckResult> results;
  const auto baselines = group_runs(spec, baseline);
  for (const Group& g : group_runs(spec, variant)) {
    const Group* found = matching(baselines, g);
    std::string description = describe(g);
    if (!found) {
      results.push_back(measured(std::move(description), kNaN, bounds.text(), false, kNoBaselineHere));
      continue;
    }
    const Group& base = *found;
    const auto& top = ratio.baseline_on_top ? base : g;
    const auto& bottom = ratio.baseline_on_top ? g : base;
    if (confidence) {
      std::vector<double> per_seed;
      for (std::uint64_t seed : spec.seeds) {
        const RunRecord* t = run_of_seed(spec, records, top.runs, seed);
        const RunRecord* b = run_of_seed(spec, records, bottom.runs, seed);
        if (t && b) per_seed.push_back(std::log(ratio.per_run(*t) / ratio.per_run(*b)));
      }
      results.push_back(with_interval(std::move(description), per_seed, true, *confidence, bounds, ratio.statistic));
      continue;
    }
    const double value = ratio.mean(top.runs) / ratio.mean(bottom.runs);
    results.push_back(measured(std::move(description), value, bounds.text(), bounds.contains(value),
                               std::isfinite(value) ? "" : ratio.not_measured));
  }
  return results;
}

std::vector<CheckResult> evaluate_ratio(const RatioExpectation& check, const ExperimentSpec& spec,
                                        const std::vector<RunRecord>& records) {
  const std::string metric = kMetricNames.name(check.metric);
  const RatioOfRuns ratio{
      [&](const RunRecord& r) { return final_of(r, check.metric); },
      [&](const std::vector<std::size_t>& runs) { return final_mean(records, runs, slope_metric(check.metric)); },
      false, "per-seed log ratio (interval of the geometric mean ratio)", "a run diverged or the baseline is 0"};
  return evaluate_ratio_of_runs(
      ratio, check.variant, check.baseline, check.bounds, check.confidence,
      [&](const Group& g) {
        return fmt::format("final {} of {} / final {} of {}", metric, group_label(g), metric, check.baseline);
      },
      spec, records);
}

// baseline's mean time (or steps, rounds, samples) to reach ε over variant's: how much sooner the
// variant gets there (the paper: τ = 91 reaches the target about 1.8× sooner than Sync-SGD).
std::vector<CheckResult> evaluate_speedup(const SpeedupExpectation& check, const ExperimentSpec& spec,
                                          const std::vector<RunRecord>& records) {
  const auto hit = [&](const RunRecord& r) { return first_hit(r, check.metric, check.value, check.by); };
  const RatioOfRuns ratio{hit,
                          [&](const std::vector<std::size_t>& runs) {
                            double sum = 0;
                            for (std::size_t i : runs) sum += hit(records[i]);  // NaN if one never reached it
                            return sum / static_cast<double>(runs.size());
                          },
                          true, "per-seed log speedup (interval of the geometric mean speedup)",
                          "a run never reached the target"};
  return evaluate_ratio_of_runs(
      ratio, check.variant, check.baseline, check.bounds, check.confidence,
      [&](const Group& g) {
        return fmt::format("{} until {} <= {}: {} / {}", kAxisNames.name(check.by), kMetricNames.name(check.metric),
                           check.value, check.baseline, group_label(g));
      },
      spec, records);
}

std::vector<CheckResult> evaluate_reaches(const ReachesExpectation& check, const ExperimentSpec& spec,
                                          const std::vector<RunRecord>& records) {
  std::vector<CheckResult> results;
  for (const Group& g : group_runs(spec, check.variant)) {
    // When every run declares this target, its hits decide (time_to_target.csv's rows): the
    // mean over the runs of where each first met it, not reached if one never did.
    const bool declared = std::all_of(g.runs.begin(), g.runs.end(), [&](std::size_t i) {
      return declared_target_index(records[i].summary, check.metric, check.value).has_value();
    });
    double first = kNaN;
    if (declared) {
      double sum = 0;
      for (std::size_t i : g.runs) sum += first_hit(records[i], check.metric, check.value, check.by);
      first = sum / static_cast<double>(g.runs.size());
    } else {
      auto [xs, ys] = mean_curve(records, g.runs, check.by, check.metric);
      for (std::size_t k = 0; k < xs.size(); ++k) {
        if (ys[k] <= check.value) {
          first = xs[k];
          break;
        }
      }
    }
    results.push_back(measured(
        fmt::format("first {} where the {} {} <= {} ({})", kAxisNames.name(check.by),
                    declared ? "runs' declared target" : "mean", kMetricNames.name(check.metric), check.value,
                    group_label(g)),
        first, fmt::format("<= {}", check.before), first <= check.before,
        std::isfinite(first) ? ""
        : declared           ? "a run never reached the target"
                             : "never reached at an evaluation point"));
  }
  return results;
}

std::vector<CheckResult> evaluate_rounds(const RoundsExpectation& check, const ExperimentSpec& spec,
                                         const std::vector<RunRecord>& records) {
  std::vector<CheckResult> results;
  for (const Group& g : group_runs(spec, check.variant)) {
    double most = 0;
    for (std::size_t i : g.runs) most = std::max(most, static_cast<double>(records[i].summary.rounds));
    results.push_back(measured(fmt::format("most rounds of any run ({})", group_label(g)), most,
                               fmt::format("<= {}", check.at_most), most <= static_cast<double>(check.at_most)));
  }
  return results;
}

// Each kind of check with its evaluation (std::visit picks one).
struct Evaluator {
  const ExperimentSpec& spec;
  const std::vector<RunRecord>& records;
  std::vector<CheckResult> operator()(const SlopeExpectation& c) const { return evaluate_slope(c, spec, records); }
  std::vector<CheckResult> operator()(const RatioExpectation& c) const { return evaluate_ratio(c, spec, records); }
  std::vector<CheckResult> operator()(const ReachesExpectation& c) const { return evaluate_reaches(c, spec, records); }
  std::vector<CheckResult> operator()(const SpeedupExpectation& c) const { return evaluate_speedup(c, spec, records); }
  std::vector<CheckResult> operator()(const RoundsExpectation& c) const { return evaluate_rounds(c, spec, records); }
};

}  // namespace

std::vector<CheckResult> evaluate(const ExpectationSpec& expectation, const ExperimentSpec& spec,
                                  const std::vector<RunRecord>& records) {
  return std::visit(Evaluator{spec, records}, expectation.check);
}

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
