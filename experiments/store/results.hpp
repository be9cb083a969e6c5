#pragma once
// The results folder (docs/design.md §8): metrics.csv, summary.json, spec.resolved.json,
// time_to_target.csv. Every file is written atomically (a temporary name in the same folder, then
// rename), so a reader never sees a half-written file.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "experiments/store/run_record.hpp"
#include "experiments/spec/spec.hpp"

namespace localsgd {

void write_file_atomically(const std::filesystem::path& path, const std::string& content);

// The parsed JSON file, or nothing if it is missing or unreadable (not JSON).
std::optional<Json> read_json_file(const std::filesystem::path& file);

// One row per (run, evaluation point); numbers in shortest round-trip form, so equal bits give
// equal text.
std::string metrics_csv(const ExperimentSpec& spec, const std::vector<RunRecord>& records);

// One row per (run, target): where the run first met the target, empty fields if never.
std::string time_to_target_csv(const ExperimentSpec& spec, const std::vector<RunRecord>& records);

Json summary_json(const ExperimentSpec& spec, const std::vector<RunRecord>& records);

void write_results(const std::filesystem::path& dir, const ExperimentSpec& spec, const std::vector<RunRecord>& records);

}  // namespace localsgd
