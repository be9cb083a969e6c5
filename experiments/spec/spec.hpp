#pragma once
// The spec file (docs/experiments.md): strict loading, validation and expansion into the run list
// (variants × sweep grid × seeds). Nothing here runs anything.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "experiments/catalog/catalog.hpp"
#include "experiments/catalog/memory.hpp"
#include "experiments/spec/enum_names.hpp"
#include "experiments/spec/expectation_spec.hpp"
#include "experiments/spec/metrics_axes.hpp"
#include "experiments/spec/plot_spec.hpp"
#include "experiments/spec/round_spec.hpp"
#include "experiments/language/params.hpp"
#include "experiments/language/spec_error.hpp"
#include "experiments/spec/target_spec.hpp"
#include "experiments/spec/trace_spec.hpp"
#include "sim/evaluation_plan.hpp"

namespace localsgd {

// Evaluation points: either about `points` steps spaced by `spacing`, or every `every` steps.
struct EvalSettings {
  int points = 100;
  EvalSpacing spacing = EvalSpacing::log;
  std::optional<long> every;
  std::vector<long> steps(long total_steps) const;
  // The number of steps() without computing them (at most; rounding may merge log-spaced points).
  long count(long total_steps) const;
};

inline constexpr EnumNames<EvalSpacing, 2> kEvalSpacingNames{{"log", "linear"}};

// One fully resolved run.
struct RunSpec {
  std::size_t index = 0;
  std::string variant;     // the variant's label
  std::uint64_t seed = 0;  // drives every random draw of the run except the data (problem.data_seed)
  Json swept = Json::object();  // swept dotted path -> value at this grid point
  int workers = 1;
  long steps = 1;
  int batch = 1;
  Configured<Problem> problem;
  Configured<SyncSchedule> schedule;
  Configured<StepSize> step_size;
  Configured<LocalOptimizer> optimizer;
  RoundSpec round;  // the round's policies (participation, local work, correction, aggregation, server)
  Configured<ComputeModel> compute;
  Configured<WorkerSlowdowns> slowdown;
  Configured<NetworkModel> network;
  EvalSettings eval;
  std::vector<Target> targets;
  std::optional<TraceSpec> trace;  // the workers' models to record (none: no trace)
  long eval_rows = 0;        // metric rows the run writes (evaluation points)
  double memory_bytes = 0;   // estimated memory of its engine and metric rows (experiments/catalog/memory.hpp)
  // Only when SpecOptions::split may split it among SpecOptions::ranks ranks: the same on the
  // rank with the largest share of its workers, and why it cannot be split (none: it can).
  double split_memory_bytes = 0;
  std::optional<SpecError> split_refusal;
  Json config;  // the run-level keys with every default filled in
  std::filesystem::path base_folder;  // the spec file's folder: relative data paths resolve against it
  // The problems of the spec this run belongs to, built once and shared by its runs.
  std::shared_ptr<ProblemCache> problems;

  // What the run's builders may know before anything is built.
  BuildContext context() const {
    return BuildContext{.workers = workers, .steps = steps, .batch = batch, .seed = seed, .base_folder = base_folder};
  }
  // The engine's round policies.
  round::Pipeline pipeline() const { return round.pipeline(context()); }
  // The spectral gap 1 − |λ₂(W)| of its gossip matrix (topology::fixed_spectral_gap); none
  // without gossip, with a time-varying topology or on more than kSpectralGapMaxNodes nodes.
  std::optional<double> spectral_gap() const;
  // The run's problem, from the spec's cache.
  std::shared_ptr<Problem> build_problem() const { return problem.build(context(), {*problems}); }
};

struct ExperimentSpec {
  std::string name;
  std::vector<std::string> variants;     // labels, in spec order
  std::vector<std::string> swept_paths;  // sweep axes (dotted paths), in order
  std::vector<std::uint64_t> seeds;
  std::vector<PlotSpec> plots;
  std::vector<ExpectationSpec> expectations;  // `expect`, read once into typed checks
  std::vector<RunSpec> runs;
  Json resolved;  // the spec with every default filled in (spec.resolved.json)
  MemoryEstimate memory;  // what running it needs, and the limit it was checked against
  // > 0: every run is split among this many ranks (split-workers mode, docs/cluster.md), one run
  // at a time; `memory` is then one rank's.
  int split_ranks = 0;
  // Some run sets `compression`.
  bool compressed() const;
  // Some run sets `compression` or `gossip`: the outputs then carry bytes (metrics.csv's `bytes`
  // column, summary.json's and runs.csv's `bytes_sent`) and `bytes` is an axis. Else they stay as
  // they were.
  bool counts_bytes() const;
};

// How a spec is checked beyond its own rules.
struct SpecOptions {
  // Refuse a spec whose estimated memory exceeds this (none: not checked).
  std::optional<MemoryLimit> memory_limit;
  // Runs that execute at once (0: oneTBB's default concurrency, the number of cores).
  std::size_t threads = 0;
  // The spec is only checked, not run (`localsgd validate`): problems skip what only runs need
  // (experiments/catalog/problem_cache.hpp). Reports the same errors.
  bool check_only = false;
  // Split-workers mode (docs/cluster.md): never; automatic (when a run would not fit in one rank's
  // memory but its share on each of `ranks` ranks would); always (every run, refusing with its
  // JSON path a run that cannot be split).
  enum class Split { never, automatic, always };
  Split split = Split::never;
  int ranks = 1;  // the ranks a run may be split among (the MPI world's size; 1 without MPI)
};

// At most this many runs per spec (the run list alone costs kilobytes per run).
constexpr std::size_t kMaxRuns = 100000;

// "label seed=S path=value ...", for progress lines and listings.
std::string describe_run(const RunSpec& run);

// Keys that configure one run; they may appear at the top level or in a variant.
const std::vector<std::string>& run_level_keys();

// Validates and expands a parsed spec. Throws SpecError naming the JSON pointer and the rule.
// Validation builds every distinct problem once into the runs' shared ProblemCache
// (experiments/catalog/problem_cache.hpp), so that errors
// that depend on the data (a malformed file, an empty shard, separable classes) name their path.
// Relative file paths in the spec (e.g. a data file) resolve against `base_folder`.
// With a memory limit in `options`, a spec that would not fit is refused before its problems are
// built (SpecError naming the estimate and the limit).
ExperimentSpec parse_spec(const Json& spec, const std::string& default_name,
                          const std::filesystem::path& base_folder = {}, const SpecOptions& options = {});

// Parses the text of a spec file named `name` (strict JSON: experiments/language/json_reader.hpp). Throws
// SpecFileError whose message starts with the name.
ExperimentSpec parse_spec_text(std::string_view text, const std::string& name,
                               const std::filesystem::path& base_folder, const SpecOptions& options = {});

// Reads and parses a spec file (at most 64 MiB).
// Throws SpecFileError whose message starts with the file name.
ExperimentSpec load_spec(const std::filesystem::path& file, const SpecOptions& options = {});

// The text of a spec file, as load_spec reads it (at most 64 MiB). Throws SpecFileError whose
// message starts with the file name.
std::string read_spec_file(const std::filesystem::path& file);

// The plots of a spec (its "plots" key, or the default plots without one), read by the same rules
// and with the same defaults as parse_spec: for a results folder's spec.resolved.json, which may
// have been edited by hand. Throws SpecError naming the JSON pointer and the rule.
std::vector<PlotSpec> read_spec_plots(const Json& spec);

class SpecFileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace localsgd
