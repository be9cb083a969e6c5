#include "experiments/cli/run_command.hpp"

#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <optional>

#include "experiments/language/json_reader.hpp"
#include "experiments/language/spec_error.hpp"
#include "experiments/language/text_rules.hpp"
#include "experiments/report/expectations.hpp"
#include "experiments/report/plots.hpp"
#include "experiments/report/tables.hpp"
#include "experiments/report/trajectory_plot.hpp"
#include "experiments/run/progress.hpp"
#include "experiments/spec/spec_warnings.hpp"
#include "experiments/store/folder_lock.hpp"
#include "experiments/store/results.hpp"
#include "experiments/store/results_folder.hpp"
#include "experiments/store/run_store.hpp"
#include "experiments/store/trace_writer.hpp"
#include "sim/worker_split.hpp"

namespace localsgd::cli {

// Set by SIGINT and SIGTERM: runs stop at their next segment of steps (no I/O in the handler).
std::atomic<bool> stop_requested{false};
static_assert(std::atomic<bool>::is_always_lock_free, "the signal handler needs a lock-free flag");

namespace {

extern "C" void request_stop(int) { stop_requested.store(true, std::memory_order_relaxed); }

}  // namespace

void install_stop_handlers() {
  struct sigaction action {};
  action.sa_handler = request_stop;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESETHAND;  // a second Ctrl-C ends the process at once (files are written atomically)
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

// Warnings about a valid spec (experiments/spec/spec_warnings.hpp): printed, never fatal.
void print_warnings(const ExperimentSpec& spec) {
  for (const auto& warning : spec_warnings(spec)) fmt::print(stderr, "warning: {}\n", warning);
}

// Reads the spec file, applies the `--set` overrides to its JSON in order, then reads the spec:
// its errors name the JSON path and, when an override put the value there, the override.
ExperimentSpec load_spec_with(const std::string& spec_file, std::vector<SpecOverride> overrides,
                              const SpecOptions& options) {
  if (overrides.empty()) return load_spec(spec_file, options);
  const std::string shown = printable_text(spec_file);
  const std::string text = read_spec_file(spec_file);
  Json json;
  try {
    json = parse_strict_json(text);
  } catch (const JsonSyntaxError& e) {
    throw SpecFileError(fmt::format("{}: {}", shown, e.what()));
  } catch (const JsonStructureError& e) {
    throw SpecFileError(fmt::format("{}: {}", shown, e.what()));
  }
  if (!json.is_object()) throw SpecFileError(fmt::format("{}: a spec must be a JSON object, so --set cannot apply", shown));
  for (SpecOverride& o : overrides) {
    try {
      apply_override(json, o);
    } catch (const SpecOverrideError& e) {
      throw SpecFileError(fmt::format("--set {}: {}", printable_text(o.text), e.what()));
    }
  }
  const std::filesystem::path file(spec_file);
  try {
    return parse_spec(json, file.stem().string(), file.parent_path(), options);
  } catch (const SpecError& e) {
    throw SpecFileError(fmt::format("{}: {}{}", shown, e.what(), override_note(overrides, e.pointer())));
  }
}

namespace {

// Evaluates the spec's `expect` block, prints each check and writes DIR/checks.json.
bool check_expectations(const std::filesystem::path& dir, const ExperimentSpec& spec,
                        const std::vector<RunRecord>& records) {
  if (spec.expectations.empty()) return true;
  std::vector<CheckResult> results;
  for (const auto& expectation : spec.expectations) {
    for (auto& r : evaluate(expectation, spec, records)) results.push_back(std::move(r));
  }
  write_file_atomically(dir / "checks.json", checks_json(results).dump(2) + "\n");
  std::size_t failed = 0;
  for (const auto& r : results) {
    failed += r.passed ? 0 : 1;
    fmt::print("{}\n", check_line(r));
  }
  fmt::print("expectations: {} passed, {} failed (checks.json)\n", results.size() - failed, failed);
  return failed == 0;
}

}  // namespace

// What follows the runs, in the process (or on the rank) that writes the results folder: the
// interrupt message, metrics.csv, summary.json and the other outputs, the plots, the tables,
// the expectations, and the exit code.
int finish_run(const std::filesystem::path& dir, const ExperimentSpec& spec, const RunsResult& result,
               std::size_t reused_runs, double runs_seconds, bool terminal, bool quiet) {
  if (result.interrupted) {
    fmt::print(stderr, "{}interrupted: {} of {} runs finished and saved in {}; run the same command again to complete\n",
               terminal && !quiet && result.finished > 0 ? "\n" : "", result.finished, spec.runs.size(),
               (dir / "runs").string());
    return kExitInterrupted;
  }
  const std::vector<RunRecord>& records = result.records;
  // Every run is saved now. The phases below start only while no stop is requested, and an
  // interrupt in any of them is exit 130 too (rerunning reuses every run and redoes them).
  auto interrupted_after_runs = [&](const char* phase) {
    fmt::print(stderr, "interrupted {}: {} of {} runs finished and saved in {}; run the same command again to complete\n",
               phase, records.size(), spec.runs.size(), (dir / "runs").string());
    return kExitInterrupted;
  };
  if (stop_requested.load()) return interrupted_after_runs("before writing the results");
  write_results(dir, spec, records);
  write_trace_outputs(dir, spec);  // trace.csv, rounds.csv: only for a spec with a trace
  if (stop_requested.load()) return interrupted_after_runs("after writing metrics.csv and summary.json, before the plots");
  // One line per plot on stderr (drawing a large sweep can take a while), unless --quiet.
  const PlotProgress plot_progress = quiet ? PlotProgress{} : [](const std::string& line) { fmt::print(stderr, "{}\n", line); };
  PlotOutcome plots = render_plots(dir, &stop_requested, plot_progress);
  add_trajectory_plots(plots, dir, &spec, &stop_requested);  // d = 2 with a trace
  for (const auto& warning : plots.warnings) fmt::print(stderr, "warning: {}\n", warning);
  for (const auto& failure : plots.failures) fmt::print(stderr, "error: {}\n", failure);
  if (plots.interrupted) return interrupted_after_runs("while drawing the plots");

  fmt::print("{}{}", final_metrics_table(spec, records), time_to_target_table(spec, records));
  fmt::print("results: {} (metrics.csv, summary.json, spec.resolved.json, time_to_target.csv, {} plots{}){}\n",
             dir.string(), plots.written.size(),
             plots.failures.empty() ? "" : fmt::format("; {} failed", plots.failures.size()),
             reused_runs > 0 ? fmt::format("; {} of {} runs reused from an earlier run of this spec", reused_runs,
                                           records.size())
                             : "");
  // What the benchmark (bench/) times: executing the runs (problems were built while the spec was
  // validated), without loading the spec before or writing metrics.csv, summary.json and plots after.
  fmt::print("wall time of the runs: {:.6f} s ({} executed, {} reused)\n", runs_seconds, records.size() - reused_runs,
             reused_runs);
  if (stop_requested.load()) return interrupted_after_runs("before checking the expectations");
  const bool all_checks_passed = check_expectations(dir, spec, records);
  if (stop_requested.load()) return interrupted_after_runs("while checking the expectations");
  const bool any_diverged = std::any_of(records.begin(), records.end(), [](const RunRecord& r) { return !completed(r); });
  // A plot that could not be drawn is an output that is missing or stale: an I/O failure, which
  // outranks what the checks and runs say (those were printed above).
  if (!plots.failures.empty()) return kExitFailure;
  return !all_checks_passed ? kExitExpectationFailed : any_diverged ? kExitDiverged : 0;
}

std::filesystem::path results_dir(const std::string& out, const ExperimentSpec& spec) {
  return out.empty() ? std::filesystem::path("out") / spec.name : std::filesystem::path(out);
}

// Limits oneTBB to `threads` (0: all the cores this process may use) while it lives.
std::unique_ptr<tbb::global_control> thread_limit(int threads) {
  if (threads <= 0) return nullptr;
  return std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism,
                                               static_cast<std::size_t>(threads));
}

// Split-workers mode, said once before the runs (on stderr, like the progress lines).
void print_split_note(const ExperimentSpec& spec) {
  fmt::print(stderr, "split-workers: each run's workers divided among {} rank{}, one run at a time; memory per rank {}\n",
             spec.split_ranks, spec.split_ranks == 1 ? "" : "s", spec.memory.describe());
}

int command_run(const std::string& spec_file, const std::vector<SpecOverride>& overrides, const std::string& out,
                int threads, bool quiet, bool force, const SpecOptions& options) {
  const ExperimentSpec spec = load_spec_with(spec_file, overrides, options);
  const std::filesystem::path dir = results_dir(out, spec);
  std::optional<ClaimedFolder> claimed;  // holds the folder's lock until the last output is written
  try {
    claimed.emplace(claim_results_folder(dir, spec, force));
  } catch (const FolderConflict& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return kExitInvalidInput;
  } catch (const FolderBusy& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return kExitInvalidInput;
  }
  const auto limit = thread_limit(threads);
  const RunStore store(dir);
  const bool terminal = ::isatty(STDERR_FILENO) != 0;
  Progress progress(spec.runs.size(), terminal, quiet);
  std::size_t reused_runs = 0;
  install_stop_handlers();
  const auto runs_started = std::chrono::steady_clock::now();
  const RunFinished on_finished = [&](const RunSpec& run, const RunRecord& record, bool reused, std::size_t done) {
    reused_runs += reused ? 1 : 0;
    progress.finished(run, record, reused, done);
  };
  OneRank one_rank;
  if (spec.split_ranks > 0 && !quiet) print_split_note(spec);
  const RunsResult result = spec.split_ranks > 0
                                ? execute_runs_split(spec, &store, on_finished, &stop_requested, one_rank)
                                : execute_runs(spec, &store, on_finished, &stop_requested);
  const double runs_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - runs_started).count();
  return finish_run(dir, spec, result, reused_runs, runs_seconds, terminal, quiet);
}

}  // namespace localsgd::cli
