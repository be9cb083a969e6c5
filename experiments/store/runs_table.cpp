#include "experiments/store/runs_table.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "experiments/store/csv.hpp"

namespace localsgd {

namespace {

// A JSON value as one CSV cell: strings as they are, numbers in shortest round-trip form (what
// nlohmann's dump writes), null as an empty cell, lists and objects as their JSON text.
std::string cell(const Json& value) {
  if (value.is_null()) return "";
  if (value.is_string()) return csv_field(value.get<std::string>());
  if (value.is_number_float()) return fmt::format("{}", value.get<double>());
  return csv_field(value.dump());
}

// Every leaf of `node` under its dotted path (objects descended, lists kept whole).
void flatten(const Json& node, const std::string& path, std::vector<std::pair<std::string, Json>>& out) {
  if (node.is_object() && !node.empty()) {
    for (const auto& [key, value] : node.items()) flatten(value, path.empty() ? key : path + "." + key, out);
    return;
  }
  out.emplace_back(path, node);
}

std::string number(double value) { return fmt::format("{}", value); }

}  // namespace

std::string runs_csv(const ExperimentSpec& spec, const std::vector<RunRecord>& records) {
  // The parameter columns: the union of the runs' leaves in order of first appearance.
  std::vector<std::map<std::string, Json>> parameters(records.size());
  std::vector<std::string> columns;
  for (std::size_t i = 0; i < records.size(); ++i) {
    std::vector<std::pair<std::string, Json>> leaves;
    flatten(spec.runs[i].config, "", leaves);
    for (auto& [path, value] : leaves) {
      if (std::find(columns.begin(), columns.end(), path) == columns.end()) columns.push_back(path);
      parameters[i].emplace(path, std::move(value));
    }
  }
  std::vector<std::string> swept_only;
  for (const std::string& path : spec.swept_paths) {
    if (std::find(columns.begin(), columns.end(), path) == columns.end()) swept_only.push_back(path);
  }

  std::string out = "run,variant,seed";
  for (const std::string& column : columns) out += "," + csv_field(column);
  for (const std::string& path : swept_only) out += "," + csv_field(path);
  // The staleness columns only when some run is asynchronous: the files of barrier-only specs
  // stay as they were.
  const bool asynchronous =
      std::any_of(spec.runs.begin(), spec.runs.end(), [](const RunSpec& r) { return r.round.asynchronous(); });
  out += ",termination,final_step,final_loss,final_gap,final_grad_norm_sq,final_consensus,rounds,virtual_time,"
         "compute_time_mean,compute_time_max,communication_time,idle_time_mean,idle_time_max";
  out += asynchronous ? ",staleness_mean,staleness_max" : "";
  // Likewise bytes_sent only when some run compresses or gossips.
  const bool bytes = spec.counts_bytes();
  out += bytes ? ",bytes_sent\n" : "\n";
  for (std::size_t i = 0; i < records.size(); ++i) {
    const RunSpec& run = spec.runs[i];
    const RunSummary& s = records[i].summary;
    out += fmt::format("{},{},{}", run.index, csv_field(run.variant), run.seed);
    for (const std::string& column : columns) {
      const auto found = parameters[i].find(column);
      out += "," + (found == parameters[i].end() ? std::string() : cell(found->second));
    }
    for (const std::string& path : swept_only) out += "," + cell(run.swept.at(path));
    out += "," + std::string(kRunTerminationNames.name(s.termination));
    if (s.final_metrics) {
      const FinalMetrics& f = *s.final_metrics;
      out += fmt::format(",{},{},{},{},{}", f.step, number(f.loss), number(f.gap), number(f.grad_norm_sq),
                         number(f.consensus));
    } else {
      out += ",,,,,";
    }
    out += fmt::format(",{},{},{},{},{},{},{}", s.rounds, number(s.virtual_time), number(s.compute_time_mean),
                       number(s.compute_time_max), number(s.communication_time), number(s.idle_time_mean),
                       number(s.idle_time_max));
    if (asynchronous) {
      out += s.asynchrony ? fmt::format(",{},{}", number(s.asynchrony->staleness_mean), s.asynchrony->staleness_max)
                          : std::string(",,");
    }
    if (bytes) out += "," + number(s.bytes_sent);
    out += "\n";
  }
  return out;
}

}  // namespace localsgd
