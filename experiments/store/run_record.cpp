#include "experiments/store/run_record.hpp"

#include <string>

namespace localsgd {

using Json = nlohmann::json;

Json record_to_json(const RunRecord& record) {
  Json rows = Json::array();
  for (const Evaluation& e : record.rows) {
    rows.push_back({e.step, e.round, e.samples, record_number(e.time), record_number(e.loss), record_number(e.gap),
                    record_number(e.grad_norm_sq), record_number(e.consensus)});
    // Bytes only when some were counted: records of runs that sent none stay as they were.
    if (e.bytes != 0) rows.back().push_back(record_number(e.bytes));
  }
  Json out = {{"summary", to_json(record.summary)}, {"rows", rows}};
  if (record.summary.bytes_sent != 0) out["bytes_sent"] = record_number(record.summary.bytes_sent);
  return out;
}

RunRecord record_from_json(const Json& json) {
  RunRecord record;
  try {
    record.summary = summary_from_json(json.at("summary"));
    if (json.contains("bytes_sent")) record.summary.bytes_sent = record_number_from(json.at("bytes_sent"));
    for (const Json& row : json.at("rows")) {
      Evaluation e;
      e.step = row.at(0).get<long>();
      e.round = row.at(1).get<int>();
      e.samples = row.at(2).get<long>();
      e.time = record_number_from(row.at(3));
      e.loss = record_number_from(row.at(4));
      e.gap = record_number_from(row.at(5));
      e.grad_norm_sq = record_number_from(row.at(6));
      e.consensus = record_number_from(row.at(7));
      e.bytes = row.size() > 8 ? record_number_from(row.at(8)) : 0.0;  // records without bytes: none counted
      record.rows.push_back(e);
    }
  } catch (const Json::exception& e) {
    throw std::runtime_error(std::string("run record: ") + e.what());
  }
  return record;
}

std::optional<double> first_reached(const RunRecord& record, Metric metric, double value, Axis by) {
  // Bytes at a declared target's hit are not recorded (sim/targets.hpp, TargetHit): on the bytes
  // axis the evaluation points decide.
  if (const auto k = declared_target_index(record.summary, metric, value); k && by != Axis::bytes) {
    return declared_target_hit(record.summary, *k, by);
  }
  for (const Evaluation& e : record.rows) {
    if (value_at(e, metric) <= value) return value_at(e, by);
  }
  return std::nullopt;
}

}  // namespace localsgd
