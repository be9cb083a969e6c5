#pragma once
// Evaluates the spec's claims (`expect`, read into typed values by
// experiments/spec/expectation_spec.hpp) on the finished runs' records, and reports each as
// passed or failed with the measured value (checks.json; a failed check makes `localsgd run`
// exit non-zero). A check applies to every variant unless it names one, and separately to every
// sweep point (except along the swept path it fits a slope against). The statistical form
// (`confidence`) uses experiments/report/seed_interval.hpp.
#include <optional>
#include <string>
#include <vector>

#include "experiments/spec/expectation_spec.hpp"
#include "experiments/store/run_record.hpp"

namespace localsgd {

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

// The results of one check: one per variant and sweep point it applies to.
std::vector<CheckResult> evaluate(const ExpectationSpec& expectation, const ExperimentSpec& spec,
                                  const std::vector<RunRecord>& records);

// Least-squares slope of log y against log x (points with x, y > 0); NaN with fewer than two
// distinct x.
double log_log_slope(const std::vector<double>& x, const std::vector<double>& y);

Json checks_json(const std::vector<CheckResult>& results);

// The printed line: "PASS <check>: <measured>[, 95% interval [lo, hi] over n seeds] (expected ...)".
std::string check_line(const CheckResult& result);

}  // namespace localsgd
