#include "experiments/cli/run_on_ranks.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <optional>

#include "experiments/cli/run_command.hpp"
#include "experiments/language/spec_error.hpp"
#include "experiments/language/text_rules.hpp"
#include "experiments/mpi/agreement.hpp"
#include "experiments/mpi/distributed_runs.hpp"
#include "experiments/run/progress.hpp"
#include "experiments/store/results_folder.hpp"
#include "experiments/store/run_store.hpp"

namespace localsgd::cli {

namespace {

// Split-workers mode on MPI ranks (after the ranks agreed on the spec and rank 0 claimed `dir`):
// every run executes on all the ranks together (experiments/run/runner.hpp); rank 0 saves the
// records and writes the results folder as one process would.
int run_split_on_ranks(const Communicator& world, const ExperimentSpec& spec, const std::filesystem::path& dir,
                       bool quiet) {
  MpiRankCollectives ranks(world);
  const bool rank0 = world.rank() == 0;
  const std::optional<RunStore> store = rank0 ? std::optional<RunStore>(std::in_place, dir) : std::nullopt;
  const bool terminal = ::isatty(STDERR_FILENO) != 0;
  Progress progress(spec.runs.size(), terminal, quiet || !rank0);
  std::size_t reused_runs = 0;
  if (rank0 && !quiet) print_split_note(spec);
  const auto runs_started = std::chrono::steady_clock::now();
  const RunsResult result = execute_runs_split(
      spec, store ? &*store : nullptr,
      [&](const RunSpec& run, const RunRecord& record, bool reused, std::size_t done) {
        reused_runs += reused ? 1 : 0;
        progress.finished(run, record, reused, done);
      },
      &stop_requested, ranks);
  const double runs_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - runs_started).count();
  if (!rank0) return result.interrupted ? kExitInterrupted : 0;
  // What crossed the network, for sizing a cluster (docs/cluster.md gives the formula per sync).
  if (!quiet) {
    fmt::print(stderr, "split-workers: rank 0 sent {:.0f} bytes ({}) and received {:.0f} bytes ({}) in {} all-gathers\n",
               8 * ranks.values_sent(), format_bytes(8 * ranks.values_sent()), 8 * ranks.values_received(),
               format_bytes(8 * ranks.values_received()), ranks.exchanges());
  }
  return finish_run(dir, spec, result, reused_runs, runs_seconds, terminal, quiet);
}

}  // namespace

// `localsgd run` on R > 1 MPI ranks (docs/cluster.md): every rank reads the spec and its data
// files; the ranks agree that all of them did, and on the same runs; rank 0 claims the results
// folder, hands out the runs, saves every record and writes the outputs (experiments/mpi/).
// Every failure before the runs ends all ranks with rank 0's one message and one exit code.
int command_run_ranks(const Communicator& world, const std::string& spec_file,
                      const std::vector<SpecOverride>& overrides, const std::string& out, int threads, bool quiet,
                      bool force, const SpecOptions& options) {
  const bool rank0 = world.rank() == 0;
  auto agreed = [&](const RankStatus& mine) -> std::optional<int> {
    const RankStatus verdict = agree(world, mine);
    if (verdict.exit_code == 0) return std::nullopt;
    if (rank0) fmt::print(stderr, "error: {}\n", verdict.message);
    return verdict.exit_code;
  };
  std::optional<ExperimentSpec> spec;
  RankStatus loaded;
  try {
    spec.emplace(load_spec_with(spec_file, overrides, options));
  } catch (const SpecFileError& e) {
    loaded = {kExitInvalidInput, e.what()};
  } catch (const std::exception& e) {
    loaded = {kExitFailure, e.what()};
  }
  if (const auto code = agreed(loaded)) return *code;
  // The same runs under the same keys on every rank: a rank that read other data files (another
  // node's copy) would compute other numbers that rank 0 saves under its keys.
  std::string fingerprint;
  RankStatus same;
  try {
    fingerprint = runs_fingerprint(*spec);
  } catch (const std::exception& e) {  // reading a data file's bytes again
    same = {kExitFailure, e.what()};
  }
  const std::string rank0_fingerprint = world.broadcast(fingerprint);
  if (same.exit_code == 0 && fingerprint != rank0_fingerprint) {
    same = {kExitInvalidInput,
            fmt::format("{}: its runs differ from rank 0's ({} against {}): every rank must read the same spec, "
                        "options and data files (compare the data files' SHA-256 on each node)",
                        printable_text(spec_file), fingerprint, rank0_fingerprint)};
  }
  if (const auto code = agreed(same)) return *code;
  const std::filesystem::path dir = results_dir(out, *spec);
  std::optional<ClaimedFolder> claimed;  // rank 0 alone holds the folder and writes into it
  RankStatus claim;
  if (rank0) {
    try {
      claimed.emplace(claim_results_folder(dir, *spec, force));
    } catch (const FolderConflict& e) {
      claim = {kExitInvalidInput, e.what()};
    } catch (const FolderBusy& e) {
      claim = {kExitInvalidInput, e.what()};
    }
  }
  if (const auto code = agreed(claim)) return *code;
  const auto limit = thread_limit(threads);
  install_stop_handlers();
  if (spec->split_ranks > 0) return run_split_on_ranks(world, *spec, dir, quiet);
  if (!rank0) return serve_runs(world, *spec, stop_requested);

  const RunStore store(dir);
  const bool terminal = ::isatty(STDERR_FILENO) != 0;
  Progress progress(spec->runs.size(), terminal, quiet);
  std::size_t reused_runs = 0;
  const auto runs_started = std::chrono::steady_clock::now();
  const DistributedRuns runs = coordinate_runs(
      world, *spec, store,
      [&](const RunSpec& run, const RunRecord& record, bool reused, std::size_t done) {
        reused_runs += reused ? 1 : 0;
        progress.finished(run, record, reused, done);
      },
      stop_requested);
  const double runs_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - runs_started).count();
  if (runs.failure) {
    fmt::print(stderr, "{}error: {}\n", terminal && !quiet && runs.result.finished > 0 ? "\n" : "",
               runs.failure->message);
    return runs.failure->exit_code;
  }
  return finish_run(dir, *spec, runs.result, reused_runs, runs_seconds, terminal, quiet);
}

}  // namespace localsgd::cli
