#pragma once
// trace.csv and rounds.csv of a results folder (docs/experiments.md, "Traces"). Each traced run's
// rows are saved beside its record, DIR/runs/<key>.trace.csv and DIR/runs/<key>.rounds.csv
// (written before the record, so a saved record of a traced run has them, and a rerun reuses
// them with it); the folder's files gather them in run order with the run's index in front.
#include <filesystem>
#include <optional>
#include <vector>
#include <string>

#include "experiments/spec/spec.hpp"
#include "experiments/store/run_store.hpp"

namespace localsgd {

std::filesystem::path run_trace_path(const RunStore& store, const RunSpec& run);
std::filesystem::path run_rounds_path(const RunStore& store, const RunSpec& run);

// Both files of a traced run exist.
bool has_run_traces(const RunStore& store, const RunSpec& run);

// Writes a run's two files (each with its header, without the run column), atomically.
void save_run_traces(const RunStore& store, const RunSpec& run, const std::string& trace_csv,
                     const std::string& rounds_csv);

// Writes DIR/trace.csv and DIR/rounds.csv from the traced runs' files, atomically; returns false
// (writing nothing) if no run of `spec` has a trace. trace.csv's columns are
//   run,step,round,worker,x0,…,x{n−1},loss,dist_to_mean
// with n the most coordinates any run traces (a run tracing fewer leaves the rest empty), and
// rounds.csv's run,round,worker,compute_seconds,idle_seconds,steps. Throws std::runtime_error
// naming a missing file.
bool write_trace_outputs(const std::filesystem::path& dir, const ExperimentSpec& spec);

// One run's rows of trace.csv and rounds.csv, each with its header, without the run column
// (RunOutcome's); both empty for a run without a trace.
struct RunTraces {
  std::string trace_csv, rounds_csv;
};

// The texts write_trace_outputs writes, from the runs' rows in memory (`traces[i]` for spec.runs[i],
// as execute_runs keeps them without a store); nothing if no run of `spec` has a trace.
struct TraceTables {
  std::string trace_csv, rounds_csv;
};
std::optional<TraceTables> trace_tables(const ExperimentSpec& spec, const std::vector<RunTraces>& traces);

}  // namespace localsgd
