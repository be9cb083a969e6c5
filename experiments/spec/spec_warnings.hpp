#pragma once
// What `validate` and `explain` warn about: a spec that is valid but probably not what its author
// meant. Each warning names its reason and the numbers behind it; the spec still runs.
//   - the period cannot matter (experiments/spec/period_independence.hpp);
//   - the step size is above the stability limit of gradient descent on F: η > 2/L for SGD,
//     η > 2(1 + β)/L for heavy ball (a quadratic's top eigendirection grows at such η);
//   - a constant period (fixed, lupa_theory, stich; not one-shot) is above the theory's linear-speedup
//     period T^{2/3}/(pB)^{1/3} (Haddadpour et al. 2019, the PL corollary; algorithms/theory.hpp): the
//     O(1/(pT)) rate is not guaranteed there;
//   - the shards' sizes differ by more than 10% and the average is unweighted: the runs then minimise
//     (1/p) Σ F_i, whose minimiser is not that of F = Σ (n_i/n) F_i, so the gap to F* has a floor.
#include <functional>
#include <string>
#include <vector>

#include "experiments/spec/spec.hpp"

namespace localsgd {

struct ConfigurationWarning {
  std::string kind;  // one word per reason, for grouping: period_independent, step_size, period, shards
  std::string text;
};

// The warnings of one run's configuration (its problem comes from the spec's problem cache).
std::vector<ConfigurationWarning> configuration_warnings(const RunSpec& run);

// The spec's warnings: per variant and reason, one line naming the variant (and at how many of its
// sweep points, when it has several) with the text of the last configuration warned about.
std::vector<std::string> spec_warnings(const ExperimentSpec& spec);

// The same per-variant lines for any one configuration's warnings (spec_warnings uses
// configuration_warnings; period_independence_warnings only that reason).
using ConfigurationWarnings = std::function<std::vector<ConfigurationWarning>(const RunSpec&)>;
std::vector<std::string> variant_warnings(const ExperimentSpec& spec, const ConfigurationWarnings& of_configuration);

}  // namespace localsgd
