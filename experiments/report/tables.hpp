#pragma once
// The tables `localsgd run` prints after the runs: final metrics per curve, and the time to each
// declared target. A curve is one variant at one sweep point; its seeds are averaged.
#include <string>
#include <vector>

#include "experiments/spec/spec.hpp"
#include "experiments/store/run_record.hpp"

namespace localsgd {

// One line per variant and sweep point: means over seeds of the final gap, rounds and virtual time
// (runs that diverged or overflowed the clock are counted, not averaged).
std::string final_metrics_table(const ExperimentSpec& spec, const std::vector<RunRecord>& records);

// One line per (curve, target): how many seeds met it, and the mean step, round and virtual time
// over those seeds. Empty if no run declares a target.
std::string time_to_target_table(const ExperimentSpec& spec, const std::vector<RunRecord>& records);

}  // namespace localsgd
