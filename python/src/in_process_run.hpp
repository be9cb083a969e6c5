#pragma once
// `localsgd run` inside the Python process: the same runner, record and formatting functions as
// the command line (experiments/run, experiments/store), so the texts below are what the CLI
// writes into metrics.csv, runs.csv, summary.json, ... for the same spec, byte for byte. Without a
// results folder nothing is written: the records stay in memory.
#include <atomic>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "experiments/spec/spec.hpp"

namespace localsgd::python {

struct InProcessOptions {
  int threads = 0;  // 0: every core (oneTBB's default)
  // The results folder to write, as `localsgd run --out DIR` (with `force` as --force); none: no file.
  std::optional<std::filesystem::path> out;
  bool force = false;
};

struct InProcessResults {
  bool interrupted = false;  // `stop` was set before everything finished (finished runs are saved in out/runs)
  // Without `out` only: the files' texts.
  std::string metrics_csv, runs_csv, summary_json, time_to_target_csv;
  std::optional<std::string> trace_csv, rounds_csv;  // only for a spec with a trace
  std::optional<std::string> checks_json;            // only for a spec with `expect`
  // What the CLI prints on stderr as warnings: the spec's, runs that ended early, plots not drawn.
  std::vector<std::string> warnings;
};

// Runs every run of `spec` (threads as `localsgd run --threads`); once `stop` is set, runs in
// flight end at their next segment of steps and the result says it was interrupted. With `out`,
// throws FolderConflict or FolderBusy (experiments/store/results_folder.hpp) as the CLI refuses.
InProcessResults run_in_process(const ExperimentSpec& spec, const InProcessOptions& options,
                                const std::atomic<bool>& stop);

}  // namespace localsgd::python
