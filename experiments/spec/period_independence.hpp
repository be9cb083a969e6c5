#pragma once
// A spec that compares periods where the period cannot matter. On a quadratic whose workers share
// one Hessian H, with additive oracle noise (C_1 = 0) and a local step that is linear in the
// gradient (SGD, or heavy ball whose state is averaged or kept at a sync), every worker's update
// is y ← y − η (H (y − x*_i) + ξ): the mean of the workers' models follows the same recursion as
// mini-batch SGD whatever the period (Woodworth et al., "Is Local SGD Better than Minibatch SGD?",
// ICML 2020). With the default round (everyone, τ steps, no correction, the plain average) the
// averaged model x̄ then does not depend on the schedule at all, and a sweep over periods shows
// identical curves. `validate` and `explain` say so (a warning; the spec stays valid).
#include <optional>
#include <string>
#include <vector>

#include "experiments/spec/spec.hpp"

namespace localsgd {

// The warning for one run's configuration, or nothing.
std::optional<std::string> period_independence_warning(const RunSpec& run);

// The spec's warnings: one per variant with at least one such configuration, naming the variant
// (and how many of its sweep points, when it has several).
std::vector<std::string> period_independence_warnings(const ExperimentSpec& spec);

}  // namespace localsgd
