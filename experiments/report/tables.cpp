#include "experiments/report/tables.hpp"

#include <fmt/format.h>

#include <cmath>
#include <map>

namespace localsgd {

namespace {

// Virtual seconds for the tables: fixed point (12 wide, 3 decimals), or, from 1e9 s on, where
// fixed point would print hundreds of digits for times near the largest double, 4 significant.
std::string seconds_text(double seconds) {
  return std::abs(seconds) < 1e9 ? fmt::format("{:>12.3f}", seconds) : fmt::format("{:>12.4e}", seconds);
}

// A curve: one variant at one sweep point (its seeds are averaged).
std::string describe_curve(const RunSpec& r) {
  std::string key = r.variant;
  for (const auto& [path, value] : r.swept.items()) {
    if (!value.is_null()) key += fmt::format(" {}={}", path, value.dump());  // null: the variant does not take it
  }
  return key;
}

}  // namespace

std::string time_to_target_table(const ExperimentSpec& spec, const std::vector<RunRecord>& records) {
  struct Totals {
    double step = 0, round = 0, time = 0;
    int runs = 0, met = 0;
  };
  std::map<std::string, Totals> by_line;
  std::vector<std::string> order;
  for (std::size_t i = 0; i < records.size(); ++i) {
    const RunSpec& run = spec.runs[i];
    const std::vector<TargetOutcome>& outcomes = records[i].summary.targets;
    for (std::size_t k = 0; k < run.targets.size(); ++k) {
      const Target& target = run.targets[k];
      const std::string key = fmt::format("{:<40} {:<22}", describe_curve(run),
                                          describe_target(target) +
                                              (target.check == TargetCheck::syncs ? "" : " (+evals)"));
      if (!by_line.contains(key)) order.push_back(key);
      Totals& t = by_line[key];
      ++t.runs;
      if (const auto& hit = outcomes.at(k).hit) {
        ++t.met;
        t.step += static_cast<double>(hit->step);
        t.round += hit->round;
        t.time += hit->time;
      }
    }
  }
  if (order.empty()) return "";
  std::string out = fmt::format("\n{:<40} {:<22} {:>6} {:>10} {:>8} {:>14}\n",
                                "time to target (mean over seeds that met it)", "target", "met", "step", "rounds",
                                "virtual time");
  for (const auto& key : order) {
    const Totals& t = by_line[key];
    if (t.met == 0) {
      out += fmt::format("{} {:>6}\n", key, fmt::format("0/{}", t.runs));
      continue;
    }
    out += fmt::format("{} {:>6} {:>10.1f} {:>8.1f} {} s\n", key, fmt::format("{}/{}", t.met, t.runs), t.step / t.met,
                       t.round / t.met, seconds_text(t.time / t.met));
  }
  return out;
}

std::string final_metrics_table(const ExperimentSpec& spec, const std::vector<RunRecord>& records) {
  struct Totals {
    double gap = 0, rounds = 0, time = 0;
    int runs = 0, diverged = 0, overflowed = 0;  // overflowed: ended at a virtual-clock overflow
  };
  std::map<std::string, Totals> by_curve;
  std::vector<std::string> order;
  for (std::size_t i = 0; i < records.size(); ++i) {
    const std::string key = describe_curve(spec.runs[i]);
    if (!by_curve.contains(key)) order.push_back(key);
    Totals& t = by_curve[key];
    ++t.runs;
    if (!completed(records[i])) {
      ++(diverged(records[i]) ? t.diverged : t.overflowed);
      continue;
    }
    t.gap += records[i].rows.back().gap;
    t.rounds += records[i].summary.rounds;
    t.time += records[i].summary.virtual_time;
  }
  std::string out =
      fmt::format("{:<40} {:>12} {:>8} {:>14}\n", "variant (mean over seeds)", "final gap", "rounds", "virtual time");
  for (const auto& key : order) {
    const Totals& t = by_curve[key];
    const double n = t.runs - t.diverged - t.overflowed;
    if (n == 0) {
      out += fmt::format("{:<40} {:>12}\n", key, t.overflowed == 0 ? "diverged" : t.diverged == 0 ? "clock overflow"
                                                                                               : "diverged/overflow");
      continue;
    }
    std::string ended;
    if (t.diverged > 0) ended = fmt::format("{} of {} runs diverged", t.diverged, t.runs);
    if (t.overflowed > 0) {
      ended += fmt::format("{}{} of {} runs overflowed the clock", ended.empty() ? "" : ", ", t.overflowed, t.runs);
    }
    out += fmt::format("{:<40} {:>12.4e} {:>8.1f} {} s{}\n", key, t.gap / n, t.rounds / n, seconds_text(t.time / n),
                       ended.empty() ? "" : "  (" + ended + ")");
  }
  return out;
}

}  // namespace localsgd
