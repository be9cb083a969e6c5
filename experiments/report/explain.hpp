#pragma once
// `localsgd explain`: per configuration of a spec (runs that differ only in their seed share
// one), the problem's constants, the theory's recommended periods for this p, B, T, and the
// planned sync steps of schedules that do not adapt to the run. Nothing is run. The JSON form is
// a stable contract (docs/explain.md); the text form is rendered from it.
#include <string>

#include "experiments/spec/spec.hpp"

namespace localsgd {

Json explain_spec(const ExperimentSpec& spec);
std::string explain_text(const Json& explanation);

// A schedule's longest period as explain prints it: the number, or "unknown" for null (a
// schedule may not know it: SyncSchedule::longest_period returns nullopt).
std::string longest_period_text(const Json& longest_period);

}  // namespace localsgd
