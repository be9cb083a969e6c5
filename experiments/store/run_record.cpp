#include "experiments/store/run_record.hpp"

#include <string>

namespace localsgd {

using Json = nlohmann::json;

Json record_to_json(const RunRecord& record) {
  Json rows = Json::array();
  for (const Evaluation& e : record.rows) {
    rows.push_back({e.step, e.round, e.samples, record_number(e.time), record_number(e.loss), record_number(e.gap),
                    record_number(e.grad_norm_sq), record_number(e.consensus)});
  }
  return {{"summary", to_json(record.summary)}, {"rows", rows}};
}

RunRecord record_from_json(const Json& json) {
  RunRecord record;
  try {
    record.summary = summary_from_json(json.at("summary"));
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
      record.rows.push_back(e);
    }
  } catch (const Json::exception& e) {
    throw std::runtime_error(std::string("run record: ") + e.what());
  }
  return record;
}

std::optional<double> first_reached(const RunRecord& record, Metric metric, double value, Axis by) {
  if (const auto k = declared_target_index(record.summary, metric, value)) {
    return declared_target_hit(record.summary, *k, by);
  }
  for (const Evaluation& e : record.rows) {
    if (value_at(e, metric) <= value) return value_at(e, by);
  }
  return std::nullopt;
}

}  // namespace localsgd
