#pragma once
// runs.csv: one row per run, for a data frame of the whole experiment (pandas.read_csv) without
// parsing summary.json: the run's resolved parameters, how it ended, its final metrics and where
// its virtual time went.
#include <string>
#include <vector>

#include "experiments/spec/spec.hpp"
#include "experiments/store/run_record.hpp"

namespace localsgd {

// Columns: run, variant, seed; every resolved parameter as its dotted path (the union over the
// runs, in order of first appearance; empty where a run has no such key; a list as its JSON text);
// a swept path that is not a parameter (a key of the spec's own language) under its own name; then
// termination, final_step, final_loss, final_gap, final_grad_norm_sq, final_consensus, rounds,
// virtual_time, compute_time_mean, compute_time_max, communication_time, idle_time_mean,
// idle_time_max; and, only when some run is asynchronous, staleness_mean and staleness_max (empty
// for its barrier runs). Numbers in shortest round-trip form; no wall-clock field, so equal bits give
// equal files.
std::string runs_csv(const ExperimentSpec& spec, const std::vector<RunRecord>& records);

}  // namespace localsgd
