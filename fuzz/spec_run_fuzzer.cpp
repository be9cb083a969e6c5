// libFuzzer target: a whole spec, as `localsgd run SPEC --out DIR` handles it (experiments/cli/main.cpp),
// then everything it wrote read back. Tiny specs only: the text is validated with a small memory
// limit, and a spec over the work cap below is only validated. Then, in a private folder:
//   claim the results folder; execute_runs with a RunStore; write_results; the `expect` checks
//   (checks.json); then read back metrics.csv and time_to_target.csv (split as the plots split
//   them, every number to the bit), summary.json and checks.json (equal to what was in memory),
//   every run record through RunStore::load; claim the folder again (it must be resumed, so
//   spec.resolved.json reads back as the same spec), load the spec from it, execute_runs again
//   (every run reused, identical records), rewrite every output (byte-identical files), and each
//   plot's data preparation (gnuplot is never started: fuzz/no_spawn.cpp).
// Anything but a SpecFileError during validation, and any failure to run, write or read back a
// valid spec, is a finding. scripts/fuzz.sh runs it; scripts/sanitize.sh replays fuzz/corpus/spec_run.
#include <fmt/format.h>
#include <tbb/global_control.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <string_view>

#include "experiments/catalog/data_files.hpp"
#include "experiments/store/results.hpp"
#include "experiments/store/results_folder.hpp"
#include "experiments/store/run_store.hpp"
#include "experiments/run/runner.hpp"
#include "experiments/spec/spec.hpp"
#include "fuzz/fuzz_check.hpp"
#include "fuzz/read_back.hpp"

namespace localsgd::fuzz {
namespace {

// The work cap: at most this many runs, worker-steps in all, and sample gradients and evaluations
// weighed by the size of the data (a step or an evaluation touches at most the whole data set).
constexpr std::size_t kMaxRuns = 16;
constexpr double kMaxWorkerSteps = 20000;
constexpr double kMaxWeightedWork = 4e8;

bool within_cap(const ExperimentSpec& spec) {
  if (spec.runs.size() > kMaxRuns) return false;
  double worker_steps = 0, work = 0;
  const double data_numbers = std::max(1.0, spec.memory.data / 8);
  for (const RunSpec& run : spec.runs) {
    worker_steps += static_cast<double>(run.steps) * run.workers;
    work += (static_cast<double>(run.steps) * run.workers * run.batch + static_cast<double>(run.eval_rows)) * data_numbers;
  }
  return worker_steps <= kMaxWorkerSteps && work <= kMaxWeightedWork;
}

// A small LIBSVM data set (the first rows of heart_scale, features 1 to 6) that specs may name as
// "file": "heart.svm", so that logistic regression on a data file is run too.
constexpr const char* kLibsvmFile =
    "+1 1:0.708333 2:1 3:1 4:-0.320755 5:-0.105023 6:-1\n"
    "-1 1:0.583333 2:-1 3:0.333333 4:-0.603774 5:1 6:-1\n"
    "+1 1:0.166667 2:1 3:-0.333333 4:-0.433962 5:-0.383562 6:-1\n"
    "-1 1:0.458333 2:1 3:1 4:-0.358491 5:-0.374429 6:-1\n"
    "-1 1:0.875 2:-1 3:-0.333333 4:-0.509434 5:-0.347032 6:-1\n"
    "-1 1:0.5 2:1 3:1 4:-0.198113 5:-0.15 6:-1\n"
    "+1 1:0.125 2:1 3:0.333333 4:-0.320755 5:-0.406393 6:1\n"
    "+1 1:0.25 2:1 3:1 4:-0.698113 5:-0.484018 6:-1\n"
    "+1 1:0.291667 2:1 3:1 4:-0.132075 5:-0.237443 6:-1\n"
    "+1 1:0.416667 2:-1 3:1 4:0.0566038 5:0.283105 6:-1\n";

// One private folder per process, emptied before each input: data/ (relative data paths resolve
// against it; it holds heart.svm only), out/ (the results folder), plot/ (one plot at a time).
struct Scratch {
  std::filesystem::path root, data, out, plot;
  Scratch() {
    std::string pattern = (std::filesystem::temp_directory_path() / "localsgd-spec-run-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) finding("cannot create a temporary folder");
    root = pattern;
    data = root / "data";
    out = root / "out";
    plot = root / "plot";
  }
  ~Scratch() {
    std::error_code ignored;
    std::filesystem::remove_all(root, ignored);
  }
  void reset() const {
    empty_folder(root);
    std::filesystem::create_directories(data);
    std::filesystem::create_directory(plot);
    write_file_atomically(data / "heart.svm", kLibsvmFile);
  }
};

const Scratch& scratch() {
  static const Scratch folder;
  return folder;
}

SpecOptions options() {
  SpecOptions o;
  o.memory_limit = MemoryLimit{16u << 20, "the fuzzer's limit"};
  o.threads = 2;
  return o;
}

// The `expect` checks as `localsgd run` evaluates and writes them (experiments/cli/main.cpp).
std::vector<CheckResult> write_checks(const std::filesystem::path& dir, const ExperimentSpec& spec,
                                      const std::vector<RunRecord>& records) {
  std::vector<CheckResult> results;
  if (spec.expectations.empty()) return results;
  for (const auto& expectation : spec.expectations) {
    for (auto& r : evaluate(expectation, spec, records)) results.push_back(std::move(r));
  }
  write_file_atomically(dir / "checks.json", checks_json(results).dump(2) + "\n");
  return results;
}

// Runs every run of `spec` with the folder's store. First pass: a run is reused only if an
// earlier run of the spec has the same key (identical settings, e.g. two variants that differ only
// in their label). Second pass (`all_reused`): every run must come from the store.
std::vector<RunRecord> run_all(const ExperimentSpec& spec, const RunStore& store, bool all_reused) {
  std::map<std::string, std::size_t> runs_with_key;
  for (const RunSpec& run : spec.runs) ++runs_with_key[run_key(run)];
  std::size_t calls = 0;
  const RunsResult result = execute_runs(spec, &store, [&](const RunSpec& run, const RunRecord&, bool reused,
                                                           std::size_t finished) {
    if (finished != ++calls) finding("execute_runs reported the finished runs out of order");
    if (all_reused && !reused) finding(fmt::format("run {} was not reused on the second pass ({})", run.index, describe_run(run)));
    if (!all_reused && reused && runs_with_key.at(run_key(run)) < 2) {
      finding(fmt::format("run {} was reused on the first pass ({})", run.index, describe_run(run)));
    }
  });
  if (result.interrupted || result.finished != spec.runs.size() || calls != spec.runs.size() ||
      result.records.size() != spec.runs.size()) {
    finding(fmt::format("execute_runs finished {} of {} runs", result.finished, spec.runs.size()));
  }
  return result.records;
}

void run_and_read_back(const ExperimentSpec& spec) {
  const Scratch& s = scratch();
  // Each claim's folder lock is released at the end of its statement: one process claims twice.
  if (claim_results_folder(s.out, spec, false).state != FolderState::created) finding("a fresh folder was not 'created'");
  const RunStore store(s.out);
  const std::vector<RunRecord> records = run_all(spec, store, false);
  write_results(s.out, spec, records);
  const std::vector<CheckResult> checks = write_checks(s.out, spec, records);

  check_metrics_csv(s.out, spec, records);
  check_time_to_target_csv(s.out, spec, records);
  check_summary_json(s.out, spec, records);
  check_checks_json(s.out, checks);
  // Runs with identical settings share one record file. Running in parallel, each may compute
  // and save it (the same numbers); the file then holds the wall seconds of the last one saved.
  // That one number may differ; everything else must be identical.
  std::map<std::string, std::size_t> runs_with_key;
  for (const RunSpec& run : spec.runs) ++runs_with_key[run_key(run)];
  const auto same_wall_time_if_shared = [&](std::size_t i, RunRecord& got) {
    if (runs_with_key.at(run_key(spec.runs[i])) > 1) got.summary.wall_seconds = records[i].summary.wall_seconds;
  };
  for (std::size_t i = 0; i < spec.runs.size(); ++i) {
    auto stored = store.load(spec.runs[i]);
    if (!stored) finding(fmt::format("run {}: RunStore::load cannot read its saved record", i));
    same_wall_time_if_shared(i, *stored);
    check_same_record(records[i], *stored, fmt::format("run {} read back from its record", i));
  }
  check_plot_data(s.out, s.plot);

  // A second `localsgd run` into the same folder, with the spec read back from spec.resolved.json.
  const auto before = snapshot(s.out);
  if (claim_results_folder(s.out, spec, false).state != FolderState::resumed) {
    finding("the folder is not resumed: spec.resolved.json does not read back as the same spec");
  }
  ExperimentSpec again;
  try {
    again = parse_spec(Json::parse(read_whole_file(s.out / "spec.resolved.json")), spec.name, s.data, options());
  } catch (const std::exception& e) {
    finding(std::string("spec.resolved.json is not a valid spec: ") + e.what());
  }
  if (again.resolved != spec.resolved || again.runs.size() != spec.runs.size()) {
    finding("spec.resolved.json reads back as another spec");
  }
  for (std::size_t i = 0; i < spec.runs.size(); ++i) {
    // Equal as JSON is not enough: the key hashes the text (3 and 3.0 are equal, but not as text).
    const std::string first = spec.runs[i].config.dump(), second = again.runs[i].config.dump();
    if (run_key(spec.runs[i]) != run_key(again.runs[i])) {
      std::size_t at = 0;
      while (at < first.size() && at < second.size() && first[at] == second[at]) ++at;
      const std::size_t from = at > 40 ? at - 40 : 0;
      finding(fmt::format("run {}: its key changes when the spec is read back from spec.resolved.json: config "
                          "{:?}... becomes {:?}...",
                          i, first.substr(from, 80), second.substr(from, 80)));
    }
  }
  std::vector<RunRecord> reused = run_all(again, store, true);
  for (std::size_t i = 0; i < spec.runs.size(); ++i) {
    same_wall_time_if_shared(i, reused[i]);
    check_same_record(records[i], reused[i], fmt::format("run {} reused", i));
  }
  write_results(s.out, again, reused);
  (void)write_checks(s.out, again, reused);
  check_same_files(before, snapshot(s.out), "the outputs written again");
}

}  // namespace
}  // namespace localsgd::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace localsgd;
  // Two threads, as the memory estimate assumes: runs execute in parallel, as in `localsgd run`.
  static tbb::global_control threads(tbb::global_control::max_allowed_parallelism, 2);
  fuzz::scratch().reset();
  // SPEC_RUN_TRACE=1: one line per input saying how far it got (to check that a corpus reaches the runs).
  static const bool trace = std::getenv("SPEC_RUN_TRACE") != nullptr;
  std::optional<ExperimentSpec> spec;
  try {
    spec = parse_spec_text(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.json",
                           fuzz::scratch().data, fuzz::options());
  } catch (const SpecFileError& e) {
    if (trace) std::fprintf(stderr, "spec_run: invalid: %s\n", e.what());
  } catch (const std::exception& e) {
    fuzz::finding(std::string("validation threw something other than a SpecFileError: ") + e.what());
  }
  if (spec && trace) {
    std::fprintf(stderr, "spec_run: valid, %zu runs, %s\n", spec->runs.size(),
                 fuzz::within_cap(*spec) ? "run and read back" : "over the work cap: validated only");
  }
  if (spec && fuzz::within_cap(*spec)) {
    try {
      fuzz::run_and_read_back(*spec);
    } catch (const std::exception& e) {
      fuzz::finding(std::string("a valid spec failed to run, write or read back: ") + e.what());
    }
  }
  clear_data_file_cache();
  return 0;
}
