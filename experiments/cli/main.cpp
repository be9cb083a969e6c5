// The `localsgd` command line (docs/experiments.md).
//
// Exit codes: 0 success; 1 an I/O or internal failure; 2 invalid input (spec or usage);
// 3 every run finished but at least one diverged or ended at a virtual-clock overflow; 4 an
// expectation (`expect`) failed;
// 130 interrupted (SIGINT or SIGTERM) before every run finished: the finished runs are saved.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <optional>

#include "experiments/catalog/catalog.hpp"
#include "experiments/catalog/memory.hpp"
#include "experiments/cli/command_line.hpp"
#include "experiments/cli/run_command.hpp"
#include "experiments/cli/spec_overrides.hpp"
#include "experiments/language/spec_error.hpp"
#include "experiments/language/text_rules.hpp"
#include "experiments/mpi/launch.hpp"
#include "experiments/report/catalog_listing.hpp"
#include "experiments/report/compare.hpp"
#include "experiments/report/explain.hpp"
#include "experiments/report/plots.hpp"
#include "experiments/report/trajectory_plot.hpp"
#include "experiments/spec/spec.hpp"
#include "experiments/spec/spec_warnings.hpp"
#include "experiments/store/folder_lock.hpp"
#ifdef LOCALSGD_HAVE_MPI
#include "experiments/cli/run_on_ranks.hpp"
#include "experiments/mpi/communicator.hpp"
#endif

namespace localsgd::cli {
namespace {

// `validate --ranks R`: what each of R MPI ranks holds (docs/cluster.md). Every rank builds the
// spec's problems (data) and executes up to its thread count of runs at once; rank 0 alone keeps
// every record and writes the outputs (results).
void print_rank_memory(const MemoryEstimate& memory, int ranks) {
  const double runs = static_cast<double>(memory.concurrent_runs) * memory.per_run;
  const double other = memory.data + runs;
  const double node = memory.total() + static_cast<double>(ranks - 1) * other;
  fmt::print("memory per rank ({} ranks x {} thread{}): rank 0 about {} (data {} + {} concurrent run{} x {} + results {}), "
             "every other rank about {} (without the results); {} ranks on one node: about {}\n",
             ranks, memory.concurrent_runs, memory.concurrent_runs == 1 ? "" : "s", format_bytes(memory.total()),
             format_bytes(memory.data), memory.concurrent_runs, memory.concurrent_runs == 1 ? "" : "s",
             format_bytes(memory.per_run), format_bytes(memory.results), format_bytes(other), ranks,
             format_bytes(node));
  if (memory.limit && node > static_cast<double>(memory.limit->bytes)) {
    fmt::print("note: {} ranks on one node need more than its {}; spread them over nodes, or use fewer ranks or "
               "threads per node (docs/cluster.md)\n",
               ranks, memory.describe_limit());
  }
}

// A summary (runs, configurations, memory, warnings); every run with `--runs`.
int command_validate(const std::string& spec_file, const std::vector<SpecOverride>& overrides, bool list_runs,
                     int ranks, SpecOptions options) {
  options.check_only = true;
  const ExperimentSpec spec = load_spec_with(spec_file, overrides, options);
  const std::size_t configurations = spec.runs.size() / spec.seeds.size();
  // A variant that does not take a swept key has fewer sweep points than the others.
  if (configurations % spec.variants.size() == 0 &&
      std::all_of(spec.runs.begin(), spec.runs.end(), [](const RunSpec& r) {
        return std::none_of(r.swept.begin(), r.swept.end(), [](const Json& v) { return v.is_null(); });
      })) {
    fmt::print("{}: valid. {} runs = {} variants x {} sweep points x {} seeds\n", spec_file, spec.runs.size(),
               spec.variants.size(), configurations / spec.variants.size(), spec.seeds.size());
  } else {
    std::string points;
    for (const std::string& variant : spec.variants) {
      const auto count = std::count_if(spec.runs.begin(), spec.runs.end(), [&](const RunSpec& r) {
        return r.variant == variant && r.seed == spec.seeds.front();
      });
      points += fmt::format("{}{} {}", points.empty() ? "" : ", ", quoted_for_message(variant), count);
    }
    fmt::print("{}: valid. {} runs = {} configurations (sweep points per variant: {}) x {} seeds\n", spec_file,
               spec.runs.size(), configurations, points, spec.seeds.size());
  }
  fmt::print("configurations: {} (runs that differ only in their seed; `localsgd explain` describes each)\n",
             configurations);
  fmt::print("memory: {}; limit {}\n", spec.memory.describe(), spec.memory.describe_limit());
  if (spec.split_ranks > 0) {
    fmt::print("split-workers: each run's workers divided among {} rank{}, one run at a time ({})\n", spec.split_ranks,
               spec.split_ranks == 1 ? "" : "s", spec.memory.largest_run);
  }
  if (ranks > 1) print_rank_memory(spec.memory, ranks);
  const auto warnings = spec_warnings(spec);
  fmt::print("warnings: {}{}\n", warnings.size(), warnings.empty() ? "" : " (on stderr)");
  if (list_runs) {
    for (const RunSpec& r : spec.runs) {
      fmt::print("  run {:>4}  {}  p={} T={} B={} schedule={} step_size={}\n", r.index, describe_run(r), r.workers,
                 r.steps, r.batch, r.schedule.type(), r.step_size.type());
    }
  } else {
    fmt::print("(--runs lists every run)\n");
  }
  print_warnings(spec);
  return 0;
}

int command_explain(const std::string& spec_file, const std::vector<SpecOverride>& overrides, bool as_json,
                    const SpecOptions& options) {
  const ExperimentSpec spec = load_spec_with(spec_file, overrides, options);
  const Json explanation = explain_spec(spec);
  if (as_json) {
    fmt::print("{}\n", explanation.dump(2));
  } else {
    fmt::print("{}", explain_text(explanation));  // with each configuration's warnings
  }
  if (as_json) print_warnings(spec);
  return 0;
}

int command_plot(const std::string& dir) {
  // Locked like `localsgd run`, which may be writing the same folder (and its plots) right now.
  std::optional<FolderLock> lock;
  try {
    if (std::filesystem::is_directory(dir)) lock.emplace(dir);
  } catch (const FolderBusy& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return kExitInvalidInput;
  }
  install_stop_handlers();
  PlotOutcome plots =
      render_plots(dir, &stop_requested, [](const std::string& line) { fmt::print(stderr, "{}\n", line); });
  add_trajectory_plots(plots, dir, nullptr, &stop_requested);  // d = 2 with a trace
  for (const auto& warning : plots.warnings) fmt::print(stderr, "warning: {}\n", warning);
  for (const auto& failure : plots.failures) fmt::print(stderr, "error: {}\n", failure);
  for (const auto& file : plots.written) fmt::print("{}\n", file.string());
  if (plots.interrupted || stop_requested.load()) {
    fmt::print(stderr, "interrupted while drawing the plots of {}; run the same command again to complete\n", dir);
    return kExitInterrupted;
  }
  return plots.warnings.empty() && plots.failures.empty() ? 0 : kExitFailure;
}

int command_compare(const std::string& a, const std::string& b, std::vector<std::string> metrics, double confidence,
                    bool as_json) {
  if (metrics.empty()) metrics = {"gap"};
  if (!(confidence > 0 && confidence < 1)) {
    fmt::print(stderr, "error: --confidence must be between 0 and 1, got {}\n", confidence);
    return kExitInvalidInput;
  }
  try {
    const Json comparison = compare_folders(a, b, metrics, confidence);
    fmt::print("{}", as_json ? comparison.dump(2) + "\n" : compare_text(comparison));
  } catch (const CompareError& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return kExitInvalidInput;
  }
  return 0;
}

int command_list() {
  fmt::print("{}", catalog_text(catalog_listing()));  // one list of registries for the CLI and Python
  return 0;
}

}  // namespace
}  // namespace localsgd::cli

int main(int argc, char** argv) {
  using namespace localsgd;
  using namespace localsgd::cli;
  // Started as several MPI ranks (mpirun, srun): MPI is initialised only then, so that a plain
  // process never touches it (docs/cluster.md). One rank alone is a plain process too.
  const std::optional<LaunchedRanks> launched = launched_ranks();
  const bool several_ranks = launched && launched->size.value_or(2) > 1;
#ifdef LOCALSGD_HAVE_MPI
  std::optional<MpiSession> mpi;
  if (several_ranks) mpi.emplace(&argc, &argv);
  const Communicator* world = mpi && mpi->world().size() > 1 ? &mpi->world() : nullptr;
  // Only rank 0 prints what every rank would print alike (usage errors, validate, explain, ...).
  const bool speaks = world == nullptr || world->rank() == 0;
  // A rank that ends with an error or interrupt skips MPI_Finalize (which would wait for the
  // others); the launcher ends the job with its exit code.
  auto finish = [&](int code) {
    if (mpi && code != 0) mpi->abandon();
    return code;
  };
#else
  if (several_ranks) {
    if (launched->rank.value_or(0) == 0) {
      fmt::print(stderr,
                 "error: started as {} MPI ranks, but this localsgd was built without MPI (CMake did not find it, or LOCALSGD_MPI=OFF), so "
                 "each rank would run the whole spec: install libopenmpi-dev and openmpi-bin (scripts/install-deps.sh), "
                 "configure and build again, or run without mpirun\n",
                 launched->size ? std::to_string(*launched->size) : std::string("several"));
    }
    return kExitInvalidInput;
  }
  const bool speaks = true;
  auto finish = [](int code) { return code; };
#endif
  CLI::App app{"localsgd: a simulator of distributed local SGD with periodic averaging"};
  app.require_subcommand(1);

  std::string spec_file, out, dir, max_memory, threads_text;
  int threads = 0;
  bool quiet = false;
  bool force = false;
  const char* max_memory_help =
      "refuse a spec that needs more memory than this, e.g. 8G or 512M (default: the memory available)";
  auto* run = app.add_subcommand("run", "run every run of a spec and write the results folder");
  run->add_option("spec", spec_file, "spec file (JSON)")->required();
  run->add_option("--out", out, "results folder (default: out/<spec name>)");
  auto* run_threads = run->add_option("--threads", threads_text, "worker threads, 1 to 1024 (default: all cores)");
  std::vector<CLI::Option*> memory_options;  // given at all, even as "" (which is refused)
  memory_options.push_back(run->add_option("--max-memory", max_memory, max_memory_help));
  run->add_flag("--quiet", quiet, "no progress lines");
  run->add_flag("--force", force, "write into a folder that holds another spec's results");
  bool split_workers = false;
  const char* split_help =
      "divide each run's workers among the MPI ranks (without MPI: one rank), one run at a time; under mpirun "
      "this is automatic when a run would not fit in one rank's memory (docs/cluster.md)";
  run->add_flag("--split-workers", split_workers, split_help);
  std::vector<std::string> set_texts;
  const char* set_help =
      "override a spec key before it is read (repeatable): a dotted path, list indices as numbers, a JSON value "
      "(else a string), e.g. --set steps=500 --set variants.1.schedule.period=5";
  run->add_option("--set", set_texts, set_help)->allow_extra_args(false);
  auto* validate = app.add_subcommand("validate", "check a spec and print the expanded run list and its memory");
  validate->add_option("spec", spec_file, "spec file (JSON)")->required();
  auto* validate_threads =
      validate->add_option("--threads", threads_text, "threads the run would use, 1 to 1024 (default: all cores)");
  memory_options.push_back(validate->add_option("--max-memory", max_memory, max_memory_help));
  validate->add_option("--set", set_texts, set_help)->allow_extra_args(false);
  bool list_runs = false;
  validate->add_flag("--runs", list_runs, "list every run (variant, seed, swept values, p, T, B, schedule)");
  int ranks = 1;
  validate->add_option("--ranks", ranks, "also print the memory of each of this many MPI ranks (docs/cluster.md)")
      ->check(CLI::Range(1, 1000000));
  validate->add_flag("--split-workers", split_workers, split_help);
  bool as_json = false;
  auto* explain = app.add_subcommand("explain", "print constants, theory periods and planned syncs per configuration");
  explain->add_option("spec", spec_file, "spec file (JSON)")->required();
  explain->add_flag("--json", as_json, "machine-readable output (documented in docs/explain.md)");
  memory_options.push_back(explain->add_option("--max-memory", max_memory, max_memory_help));
  explain->add_option("--set", set_texts, set_help)->allow_extra_args(false);
  auto* plot = app.add_subcommand("plot", "redraw the plots of a results folder from its metrics.csv");
  plot->add_option("dir", dir, "results folder")->required();
  auto* compare = app.add_subcommand("compare", "compare two results folders: means over seeds, intervals, z");
  std::string dir_b;
  std::vector<std::string> compare_metrics;
  double confidence = 0.95;
  compare->add_option("dir_a", dir, "results folder A")->required();
  compare->add_option("dir_b", dir_b, "results folder B")->required();
  compare->add_option("--metric", compare_metrics,
                      "gap (default), loss, grad_norm_sq, consensus, rounds, virtual_time, compute_time_mean, "
                      "communication_time, idle_time_mean; repeatable")
      ->allow_extra_args(false);
  compare->add_option("--confidence", confidence, "confidence of the intervals (default 0.95)");
  compare->add_flag("--json", as_json, "machine-readable output");
  app.add_subcommand("list", "list every problem, schedule, step size, optimizer and clock model");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return finish(speaks ? app.exit(e) : 0);  // --help
    if (speaks) fmt::print(stderr, "error: {} (run with --help for usage)\n", e.what());
    return finish(kExitInvalidInput);
  }
  if (run_threads->count() > 0 || validate_threads->count() > 0) {
    std::string why;
    const auto count = parse_thread_count(threads_text, &why);
    if (!count) {
      if (speaks) fmt::print(stderr, "error: {}\n", why);
      return finish(kExitInvalidInput);
    }
    threads = *count;
  }
  SpecOptions options;
  options.threads = static_cast<std::size_t>(threads);
  // Split-workers mode: asked for, or automatic where several ranks could share a run.
  int world_size = 1;
#ifdef LOCALSGD_HAVE_MPI
  if (world != nullptr) world_size = world->size();
#endif
  options.ranks = *validate ? ranks : world_size;
  options.split = split_workers           ? SpecOptions::Split::always
                  : options.ranks > 1 && (*run || *validate) ? SpecOptions::Split::automatic
                                                              : SpecOptions::Split::never;
  if (std::any_of(memory_options.begin(), memory_options.end(), [](CLI::Option* o) { return o->count() > 0; })) {
    std::string why;
    const auto bytes = parse_bytes(max_memory, &why);
    if (!bytes) {
      if (speaks) fmt::print(stderr, "error: --max-memory: {}, got {}\n", why, quoted_for_message(max_memory));
      return finish(kExitInvalidInput);
    }
    options.memory_limit = MemoryLimit{*bytes, "--max-memory " + max_memory};
  } else {
    options.memory_limit = available_memory();
#ifdef LOCALSGD_HAVE_MPI
    // The ranks on one node share its memory (--max-memory is per rank).
    if (world != nullptr && options.memory_limit && world->ranks_on_this_node() > 1) {
      const int sharing = world->ranks_on_this_node();
      options.memory_limit = MemoryLimit{options.memory_limit->bytes / static_cast<std::uint64_t>(sharing),
                                         fmt::format("{}, shared by {} ranks on this node", options.memory_limit->source,
                                                     sharing)};
    }
#endif
  }
  std::vector<SpecOverride> overrides;
  for (const std::string& text : set_texts) {
    try {
      overrides.push_back(parse_override(text));
    } catch (const SpecOverrideError& e) {
      if (speaks) fmt::print(stderr, "error: --set {}: {}\n", printable_text(text), e.what());
      return finish(kExitInvalidInput);
    }
  }
  try {
#ifdef LOCALSGD_HAVE_MPI
    if (world != nullptr && *run) {
      return finish(command_run_ranks(*world, spec_file, overrides, out, threads, quiet, force, options));
    }
#endif
    // Every other command is one process's work: rank 0 does it, the other ranks end at once.
    if (!speaks) return 0;
    if (*run) return finish(command_run(spec_file, overrides, out, threads, quiet, force, options));
    if (*validate) return finish(command_validate(spec_file, overrides, list_runs, ranks, options));
    if (*explain) return finish(command_explain(spec_file, overrides, as_json, options));
    if (*plot) return finish(command_plot(dir));
    if (*compare) return finish(command_compare(dir, dir_b, compare_metrics, confidence, as_json));
    return finish(command_list());
  } catch (const SpecFileError& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return finish(kExitInvalidInput);
  } catch (const std::exception& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return finish(kExitFailure);
  }
}
