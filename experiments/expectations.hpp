#pragma once
// Claims as code (`expect` in a spec): what should happen, checked after the runs. Each check is a
// named type in a registry (like schedules), evaluated on the finished runs' records, and reported
// as passed or failed with the measured value (checks.json; a failed check makes `localsgd run`
// exit non-zero). A check applies to every variant unless it names one, and separately to every
// sweep point (except along the swept path it fits a slope against).
#include <string>
#include <vector>

#include "experiments/registry.hpp"
#include "experiments/run_record.hpp"

namespace localsgd {

struct ExperimentSpec;

struct CheckResult {
  std::string description;  // what was checked, e.g. "slope of final gap vs workers (Sync-SGD)"
  Json measured;            // the measured value (number, or null when it could not be measured)
  std::string expected;     // e.g. "in [-1.2, -0.8]"
  bool passed = false;
  std::string note;         // why it could not be measured, if so
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

}  // namespace localsgd
