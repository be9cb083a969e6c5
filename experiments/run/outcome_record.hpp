#pragma once
// A finished run's outcome as the store keeps it: its rows and its typed summary
// (experiments/store/run_summary.hpp), with the messages that explain a run that ended early.
#include "experiments/run/runner.hpp"
#include "experiments/store/run_record.hpp"

namespace localsgd {

RunRecord record_of(const RunOutcome& outcome);

}  // namespace localsgd
