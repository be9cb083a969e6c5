#pragma once
// Confidence intervals over seeds for the statistical form of `expect` checks. A claim about the
// algorithm must hold for the seeds it was not written with: each seed gives one value of the
// statistic (its own slope, its own ratio), seeds are independent random streams, and the interval
// is the two-sided Student-t interval of the mean of those per-seed values.
#include <cstddef>
#include <vector>

namespace localsgd {

struct SeedInterval {
  double estimate;  // mean of the per-seed values (NaN if any is not finite)
  double low;       // estimate -/+ t_{(1+c)/2, n-1} * s / sqrt(n), s the sample standard deviation
  double high;
  std::size_t seeds;
};

// The Student-t quantile: x with P(T_dof <= x) = probability, for dof >= 1 and 0 < probability < 1.
double student_t_quantile(double probability, double dof);

// Two-sided `confidence` interval (e.g. 0.95) of the mean of `per_seed`. NaN bounds when a value
// is not finite or there are fewer than two seeds (an interval needs an estimate of the spread).
SeedInterval t_interval(const std::vector<double>& per_seed, double confidence);

}  // namespace localsgd
