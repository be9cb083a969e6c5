#pragma once
// `localsgd run` in one process, and the steps every way of running a spec shares (the MPI ranks'
// too, experiments/cli/run_on_ranks.hpp): exit codes, stop handling, reading the spec with its
// `--set` overrides, and what follows the runs (outputs, plots, tables, expectations, exit code).
#include <tbb/global_control.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "experiments/cli/spec_overrides.hpp"
#include "experiments/run/runner.hpp"
#include "experiments/spec/spec.hpp"

namespace localsgd::cli {

// docs/experiments.md, "Exit codes".
constexpr int kExitFailure = 1;
constexpr int kExitInvalidInput = 2;
constexpr int kExitDiverged = 3;
constexpr int kExitExpectationFailed = 4;
constexpr int kExitInterrupted = 130;

// Set by SIGINT and SIGTERM once install_stop_handlers() ran: runs stop at their next segment of
// steps (no I/O in the handler).
extern std::atomic<bool> stop_requested;
void install_stop_handlers();

// Warnings about a valid spec (experiments/spec/spec_warnings.hpp): printed, never fatal.
void print_warnings(const ExperimentSpec& spec);

// Reads the spec file, applies the `--set` overrides to its JSON in order, then reads the spec:
// its errors name the JSON path and, when an override put the value there, the override.
ExperimentSpec load_spec_with(const std::string& spec_file, std::vector<SpecOverride> overrides,
                              const SpecOptions& options);

// What follows the runs, in the process (or on the rank) that writes the results folder: the
// interrupt message, metrics.csv, summary.json and the other outputs, the plots, the tables,
// the expectations, and the exit code.
int finish_run(const std::filesystem::path& dir, const ExperimentSpec& spec, const RunsResult& result,
               std::size_t reused_runs, double runs_seconds, bool terminal, bool quiet);

// --out, or out/<spec name>.
std::filesystem::path results_dir(const std::string& out, const ExperimentSpec& spec);

// Limits oneTBB to `threads` (0: all the cores this process may use) while it lives.
std::unique_ptr<tbb::global_control> thread_limit(int threads);

// Split-workers mode, said once before the runs (on stderr, like the progress lines).
void print_split_note(const ExperimentSpec& spec);

// `localsgd run` in one process.
int command_run(const std::string& spec_file, const std::vector<SpecOverride>& overrides, const std::string& out,
                int threads, bool quiet, bool force, const SpecOptions& options);

}  // namespace localsgd::cli
