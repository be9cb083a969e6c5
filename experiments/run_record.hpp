#pragma once
// What the results folder keeps of one finished run: its metrics rows and its summary fields.
// A record is all that metrics.csv and summary.json need, so a rerun can reuse it bit for bit.
#include <vector>

#include "experiments/params.hpp"
#include "sim/observer.hpp"

namespace localsgd {

struct RunOutcome;

struct RunRecord {
  std::vector<Evaluation> rows;
  Json summary;  // the run's fields of summary.json, except those the spec gives (run, variant, ...)
};

RunRecord record_of(const RunOutcome& outcome);

// Lossless JSON forms (non-finite numbers as the strings "nan", "inf", "-inf").
Json record_to_json(const RunRecord& record);
RunRecord record_from_json(const Json& json);

bool diverged(const RunRecord& record);

}  // namespace localsgd
