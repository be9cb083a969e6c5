#include "in_process_run.hpp"

#include <fmt/format.h>
#include <tbb/global_control.h>

#include <memory>

#include "experiments/report/expectations.hpp"
#include "experiments/report/plots.hpp"
#include "experiments/report/trajectory_plot.hpp"
#include "experiments/run/runner.hpp"
#include "experiments/spec/spec_warnings.hpp"
#include "experiments/store/results.hpp"
#include "experiments/store/results_folder.hpp"
#include "experiments/store/run_store.hpp"
#include "experiments/store/runs_table.hpp"
#include "experiments/store/trace_writer.hpp"

namespace localsgd::python {

namespace {

std::optional<std::string> checks_of(const ExperimentSpec& spec, const std::vector<RunRecord>& records) {
  if (spec.expectations.empty()) return std::nullopt;
  std::vector<CheckResult> results;
  for (const auto& expectation : spec.expectations) {
    for (auto& r : evaluate(expectation, spec, records)) results.push_back(std::move(r));
  }
  return checks_json(results).dump(2) + "\n";
}

// The folder as `localsgd run --out DIR` leaves it: results, traces, plots and checks.json.
void write_folder(const std::filesystem::path& dir, const ExperimentSpec& spec, const std::vector<RunRecord>& records,
                  const std::atomic<bool>& stop, InProcessResults& results) {
  write_results(dir, spec, records);
  write_trace_outputs(dir, spec);
  if (stop.load()) {
    results.interrupted = true;
    return;
  }
  PlotOutcome plots = render_plots(dir, &stop);
  add_trajectory_plots(plots, dir, &spec, &stop);
  for (auto& warning : plots.warnings) results.warnings.push_back(std::move(warning));
  for (auto& failure : plots.failures) results.warnings.push_back("plot not drawn: " + failure);
  if (plots.interrupted || stop.load()) {
    results.interrupted = true;
    return;
  }
  if (const auto checks = checks_of(spec, records)) write_file_atomically(dir / "checks.json", *checks);
}

}  // namespace

InProcessResults run_in_process(const ExperimentSpec& spec, const InProcessOptions& options,
                                const std::atomic<bool>& stop) {
  InProcessResults results;
  results.warnings = spec_warnings(spec);
  std::optional<ClaimedFolder> claimed;  // locked until the last output is written
  std::optional<RunStore> store;
  if (options.out) {
    claimed.emplace(claim_results_folder(*options.out, spec, options.force));
    store.emplace(*options.out);
  }
  std::unique_ptr<tbb::global_control> limit;
  if (options.threads > 0) {
    limit = std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism,
                                                  static_cast<std::size_t>(options.threads));
  }
  RunsResult ran = execute_runs(
      spec, store ? &*store : nullptr, [](const RunSpec&, const RunRecord&, bool, std::size_t) {}, &stop);
  if (ran.interrupted || stop.load()) {
    results.interrupted = true;
    return results;
  }
  const std::vector<RunRecord>& records = ran.records;
  for (std::size_t i = 0; i < records.size(); ++i) {
    const std::string run = fmt::format("{} {}", spec.runs[i].index, describe_run(spec.runs[i]));  // as the CLI
    if (!completed(records[i])) results.warnings.push_back(fmt::format("run {}: {}", run, ended_early_text(records[i])));
    if (records[i].summary.warning) results.warnings.push_back(fmt::format("run {}: {}", run, *records[i].summary.warning));
  }
  if (options.out) {
    write_folder(*options.out, spec, records, stop, results);
    return results;
  }
  results.metrics_csv = metrics_csv(spec, records);
  results.runs_csv = runs_csv(spec, records);
  results.summary_json = summary_json(spec, records).dump(2) + "\n";
  results.time_to_target_csv = time_to_target_csv(spec, records);
  if (auto tables = trace_tables(spec, ran.traces)) {
    results.trace_csv = std::move(tables->trace_csv);
    results.rounds_csv = std::move(tables->rounds_csv);
  }
  results.checks_json = checks_of(spec, records);
  return results;
}

}  // namespace localsgd::python
