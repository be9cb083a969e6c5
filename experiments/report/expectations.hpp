#pragma once
// Claims as code (`expect` in a spec): what should happen, checked after the runs. Each check is a
// named type in a registry (like schedules), evaluated on the finished runs' records, and reported
// as passed or failed with the measured value (checks.json; a failed check makes `localsgd run`
// exit non-zero). A check applies to every variant unless it names one, and separately to every
// sweep point (except along the swept path it fits a slope against).
//
// Noisy checks (slope, ratio, speedup) have a statistical form: with `confidence` (e.g. 0.95)
// the statistic is computed per seed, and the check passes only if the whole Student-t interval
// of its mean over seeds lies within the bounds (experiments/report/seed_interval.hpp; docs/experiments.md
// states each statistic). Without `confidence` a check compares the mean over seeds with the
// bounds: the plain form, meant for exact, noise-free quantities.
#include <optional>
#include <string>
#include <vector>

#include "experiments/language/registry.hpp"
#include "experiments/store/run_record.hpp"

namespace localsgd {

struct ExperimentSpec;

struct CheckResult {
  std::string description;  // what was checked, e.g. "slope of final gap vs workers (Sync-SGD)"
  Json measured;            // the measured value (number, or null when it could not be measured)
  std::string expected;     // e.g. "in [-1.2, -0.8]"
  bool passed = false;
  std::string note;         // why it could not be measured, if so
  // The statistical form only: the interval over seeds that had to lie within the bounds.
  struct Interval {
    double low, high;
    double confidence;      // e.g. 0.95
    std::size_t seeds;
    std::string statistic;  // what one seed contributes, e.g. "per-seed log-log slope"
  };
  std::optional<Interval> interval;
};

class Expectation {
 public:
  virtual ~Expectation() = default;
  virtual std::vector<CheckResult> evaluate(const ExperimentSpec& spec, const std::vector<RunRecord>& records) const = 0;
};

const Registry<Expectation>& expectation_registry();

// Checks names that a registry entry cannot see on its own (variants, swept paths).
void check_expectation_references(const Configured<Expectation>& check, const ExperimentSpec& spec,
                                  const Location& where);

// Least-squares slope of log y against log x (points with x, y > 0); NaN with fewer than two
// distinct x.
double log_log_slope(const std::vector<double>& x, const std::vector<double>& y);

Json checks_json(const std::vector<CheckResult>& results);

// The printed line: "PASS <check>: <measured>[, 95% interval [lo, hi] over n seeds] (expected ...)".
std::string check_line(const CheckResult& result);

}  // namespace localsgd
