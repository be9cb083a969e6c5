#include "experiments/spec/period_independence.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

namespace localsgd {

namespace {

// A numeric parameter of a resolved configuration, 0 when it is absent (e.g. a problem option
// that an older build does not declare).
double number_or_zero(const Params& params, const char* name) {
  const Json& values = params.json();
  if (!values.is_object() || !values.contains(name) || !values.at(name).is_number()) return 0.0;
  return values.at(name).get<double>();
}

// The local step is linear in the gradient, with one rule for every worker, so the mean of the
// workers' models follows the mean gradient. Heavy ball whose state is reset at a sync is not:
// the reset happens once per round, so the period changes the trajectory.
bool linear_local_step(const Configured<LocalOptimizer>& optimizer) {
  if (optimizer.type() == "sgd") return true;
  return optimizer.type() == "momentum" && optimizer.params.text("state_at_sync") != "reset";
}

}  // namespace

std::optional<std::string> period_independence_warning(const RunSpec& run) {
  if (run.problem.type() != "quadratic") return std::nullopt;
  if (number_or_zero(run.problem.params, "hessian_heterogeneity") != 0) return std::nullopt;
  if (number_or_zero(run.problem.params, "c1") != 0) return std::nullopt;
  if (!linear_local_step(run.optimizer) || !run.round.is_default()) return std::nullopt;
  return std::string(
      "x̄ does not depend on the period here: workers share one Hessian and the noise is additive, so local SGD "
      "equals mini-batch SGD (Woodworth et al. 2020); set problem.hessian_heterogeneity > 0 to compare periods");
}

std::vector<std::string> period_independence_warnings(const ExperimentSpec& spec) {
  // Per variant: configurations warned about, and configurations (runs that differ only in their
  // seed share one).
  struct Count {
    std::size_t warned = 0, configurations = 0;
    std::string text;
  };
  std::map<std::string, Count> counts;
  const std::size_t seeds = std::max<std::size_t>(spec.seeds.size(), 1);
  for (std::size_t i = 0; i < spec.runs.size(); i += seeds) {
    const RunSpec& run = spec.runs[i];
    Count& count = counts[run.variant];
    ++count.configurations;
    if (auto warning = period_independence_warning(run)) {
      ++count.warned;
      count.text = *warning;
    }
  }
  std::vector<std::string> out;
  for (const std::string& variant : spec.variants) {
    const Count& count = counts[variant];
    if (count.warned == 0) continue;
    const std::string where = count.configurations > 1 ? fmt::format(" (at {} of its {} sweep points)", count.warned,
                                                                      count.configurations)
                                                       : "";
    out.push_back(fmt::format("variant \"{}\"{}: {}", variant, where, count.text));
  }
  return out;
}

}  // namespace localsgd
