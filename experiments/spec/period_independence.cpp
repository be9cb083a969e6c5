#include "experiments/spec/period_independence.hpp"

#include "experiments/spec/spec_warnings.hpp"

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
  return variant_warnings(spec, [](const RunSpec& run) {
    std::vector<ConfigurationWarning> out;
    if (auto warning = period_independence_warning(run)) out.push_back({"period_independent", *warning});
    return out;
  });
}

}  // namespace localsgd
