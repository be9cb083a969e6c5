#pragma once
// The run-level `targets` key: a list of {"metric": loss|gap|grad_norm_sq, "value": ε,
// "check": syncs|syncs_and_evaluations}; the time each run first meets them goes to summary.json
// and time_to_target.csv (sim/targets.hpp says where they are checked).
#include <span>
#include <string>
#include <vector>

#include "experiments/language/params.hpp"
#include "experiments/spec/enum_names.hpp"
#include "sim/targets.hpp"

namespace localsgd {

// The declared keys of one target (for the reader and `localsgd list`).
const std::vector<ParamSpec>& target_params();

// Reads `run["targets"]` (absent: none). Duplicates are errors.
std::vector<Target> read_targets(const Json& run, const Location& root);

inline constexpr EnumNames<TargetMetric, 3> kTargetMetricNames{{"loss", "gap", "grad_norm_sq"}};
inline constexpr EnumNames<TargetCheck, 2> kTargetCheckNames{{"syncs", "syncs_and_evaluations"}};

Json targets_json(std::span<const Target> targets);

std::string metric_name(TargetMetric metric);
std::string check_name(TargetCheck check);
// "gap <= 0.001"
std::string describe_target(const Target& target);

}  // namespace localsgd
