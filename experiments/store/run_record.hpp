#pragma once
// What the results folder keeps of one finished run: its metrics rows and its summary fields.
// A record is all that metrics.csv and summary.json need, so a rerun can reuse it bit for bit.
#include <optional>
#include <string>
#include <vector>

#include "experiments/language/params.hpp"
#include "sim/observer.hpp"

namespace localsgd {

struct RunOutcome;

struct RunRecord {
  std::vector<Evaluation> rows;
  Json summary;  // the run's fields of summary.json, except those the spec gives (run, variant, ...)
};

RunRecord record_of(const RunOutcome& outcome);

// Lossless JSON forms. Every number of a record goes through record_number: JSON has no inf or
// nan (nlohmann would write null, which reads back as no number at all).
Json record_to_json(const RunRecord& record);
// Throws std::runtime_error if `json` is not a record as record_to_json writes it (e.g. a null
// where a number belongs, as records written before non-finite numbers were spelled out had).
RunRecord record_from_json(const Json& json);

// A double as the record writes it: finite values as JSON numbers (shortest round trip, so the
// same bits read back, subnormals and -0.0 included), the others as "nan", "-nan", "inf", "-inf".
Json record_number(double value);
// Reads what record_number writes; throws std::runtime_error for anything else (null, text).
double record_number_from(const Json& value);

// "completed", "diverged" or "clock_overflow" (the virtual clock left the doubles).
const std::string& termination(const RunRecord& record);
bool diverged(const RunRecord& record);
// Completed all its steps: neither diverged nor stopped by a clock overflow.
bool completed(const RunRecord& record);
// Why a run did not complete ("DIVERGED at step 12 (eta_0 = ...)"), empty if it did.
std::string ended_early_text(const RunRecord& record);

// Time to a target, one rule for every reader (expect checks, the time_to plots through
// time_to_target.csv, the printed table): where a run first met `metric <= value` is decided by
// the FIRST declared target with that metric and value (checked where the engine saw it); only
// without one by the run's evaluation points. `by`: "step", "round", "samples" or "time".
std::optional<std::size_t> declared_target_index(const RunRecord& record, const std::string& metric, double value);
// Declared target k's `by` value where it was met; nothing if it never was (or there is no target k).
std::optional<double> declared_target_hit(const RunRecord& record, std::size_t k, const std::string& by);
std::optional<double> first_reached(const RunRecord& record, const std::string& metric, double value,
                                    const std::string& by);

}  // namespace localsgd
