#pragma once
// What the results folder keeps of one finished run: its metrics rows and its summary.
// A record is all that metrics.csv and summary.json need, so a rerun can reuse it bit for bit.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "experiments/spec/metrics_axes.hpp"
#include "experiments/store/record_number.hpp"
#include "experiments/store/run_summary.hpp"
#include "sim/observer.hpp"

namespace localsgd {

struct RunRecord {
  std::vector<Evaluation> rows;
  RunSummary summary;  // the run's fields of summary.json, except those the spec gives (run, variant, ...)
};

// Lossless JSON forms (every number through record_number).
nlohmann::json record_to_json(const RunRecord& record);
// Throws std::runtime_error if `json` is not a record as record_to_json writes it (e.g. a null
// where a number belongs, as records written before non-finite numbers were spelled out had).
RunRecord record_from_json(const nlohmann::json& json);

inline bool diverged(const RunRecord& record) { return record.summary.termination == RunTermination::diverged; }
// Completed all its steps: neither diverged nor stopped by a clock overflow.
inline bool completed(const RunRecord& record) { return record.summary.termination == RunTermination::completed; }
inline std::string ended_early_text(const RunRecord& record) { return ended_early_text(record.summary); }

// Where a run first met `metric <= value` on the axis `by`: its first declared target with that
// metric and value decides (run_summary.hpp); only without one, the run's evaluation points.
std::optional<double> first_reached(const RunRecord& record, Metric metric, double value, Axis by);

}  // namespace localsgd
