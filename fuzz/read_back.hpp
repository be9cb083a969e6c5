#pragma once
// Read-back checks of the spec_run fuzz target: what `localsgd run` wrote into a results folder
// must read back as exactly what was in memory (every number to the bit, every string as given),
// through the readers the tool itself uses. Each check ends in fuzz::finding on a mismatch.
#include <filesystem>
#include <string>
#include <vector>

#include "experiments/report/expectations.hpp"
#include "experiments/store/run_record.hpp"
#include "experiments/spec/spec.hpp"

namespace localsgd::fuzz {

// Two records of one run are identical: metric rows to the bit, summaries equal as the JSON they
// write (non-finite numbers spelled as text, so equal JSON means equal bits).
void check_same_record(const RunRecord& expected, const RunRecord& got, const std::string& what);

// metrics.csv, split into lines and fields as the plots read it (experiments/store/csv.hpp), gives back
// every run's index, label, seed, swept values and metric rows (numbers to the bit).
void check_metrics_csv(const std::filesystem::path& dir, const ExperimentSpec& spec,
                       const std::vector<RunRecord>& records);

// time_to_target.csv gives back every run's targets and where they were met.
void check_time_to_target_csv(const std::filesystem::path& dir, const ExperimentSpec& spec,
                              const std::vector<RunRecord>& records);

// summary.json parses to the summary in memory; checks.json (if any) to the check results.
void check_summary_json(const std::filesystem::path& dir, const ExperimentSpec& spec,
                        const std::vector<RunRecord>& records);
void check_checks_json(const std::filesystem::path& dir, const std::vector<CheckResult>& results);

// Every declared plot's data preparation on the folder's files (experiments/report/plots.hpp), one plot
// at a time in `scratch` (gnuplot is never started: fuzz/no_spawn.cpp): it must not fail, and
// its .dat file must hold rows of five numbers.
void check_plot_data(const std::filesystem::path& dir, const std::filesystem::path& scratch);

}  // namespace localsgd::fuzz
