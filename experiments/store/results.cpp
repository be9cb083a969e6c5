#include "experiments/store/results.hpp"

#include <fmt/format.h>

#include <fstream>
#include <stdexcept>

#include "experiments/store/csv.hpp"
#include "experiments/store/runs_table.hpp"
#include "experiments/store/temporary_file.hpp"

namespace localsgd {

namespace {

// A swept value as a CSV cell; null (a variant that does not take the swept key) is an empty cell.
std::string swept_text(const Json& value) {
  return value.is_null() ? std::string() : value.is_string() ? value.get<std::string>() : value.dump();
}

std::string run_prefix(const RunSpec& run, const ExperimentSpec& spec) {
  std::string prefix = fmt::format("{},{},{}", run.index, csv_field(run.variant), run.seed);
  for (const auto& path : spec.swept_paths) prefix += "," + csv_field(swept_text(run.swept.at(path)));
  return prefix;
}

std::string run_header(const ExperimentSpec& spec) {
  std::string out = "run,variant,seed";
  for (const auto& path : spec.swept_paths) out += "," + csv_field(path);
  return out;
}

}  // namespace

void write_file_atomically(const std::filesystem::path& path, const std::string& content) {
  TemporaryFile temporary(path);  // removed again if anything below throws
  temporary.write(content.data(), content.size());
  temporary.commit();
}

std::optional<Json> read_json_file(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) return std::nullopt;
  try {
    return Json::parse(in);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::string metrics_csv(const ExperimentSpec& spec, const std::vector<RunRecord>& records) {
  // The bytes column only when some run compresses or gossips: every other spec's file stays as it was.
  const bool bytes = spec.counts_bytes();
  std::string out = run_header(spec) + ",step,round,samples,time,loss,gap,grad_norm_sq,consensus";
  out += bytes ? ",bytes\n" : "\n";
  for (std::size_t i = 0; i < records.size(); ++i) {
    const std::string prefix = run_prefix(spec.runs[i], spec);
    for (const Evaluation& e : records[i].rows) {
      out += fmt::format("{},{},{},{},{},{},{},{},{}", prefix, e.step, e.round, e.samples, e.time, e.loss, e.gap,
                         e.grad_norm_sq, e.consensus);
      out += bytes ? fmt::format(",{}\n", e.bytes) : "\n";
    }
  }
  return out;
}

std::string time_to_target_csv(const ExperimentSpec& spec, const std::vector<RunRecord>& records) {
  std::string out = run_header(spec) + ",metric,value,check,reached,step,round,samples,time,at_sync\n";
  for (std::size_t i = 0; i < records.size(); ++i) {
    const std::string prefix = run_prefix(spec.runs[i], spec);
    for (const TargetOutcome& t : records[i].summary.targets) {
      out += fmt::format("{},{},{},{},", prefix, metric_name(t.target.metric), t.target.value, check_name(t.target.check));
      out += t.hit ? fmt::format("true,{},{},{},{},{}\n", t.hit->step, t.hit->round, t.hit->samples, t.hit->time,
                                 t.hit->at_sync)
                   : std::string("false,,,,,\n");
    }
  }
  return out;
}

Json summary_json(const ExperimentSpec& spec, const std::vector<RunRecord>& records) {
  Json runs = Json::array();
  for (std::size_t i = 0; i < records.size(); ++i) {
    const RunSpec& run = spec.runs[i];
    Json entry = {{"run", run.index}, {"variant", run.variant}, {"seed", run.seed}, {"swept", run.swept},
                  {"config", run.config}};
    const Json summary = to_json(records[i].summary);
    for (const auto& [key, value] : summary.items()) entry[key] = value;
    if (spec.counts_bytes()) entry["bytes_sent"] = records[i].summary.bytes_sent;
    runs.push_back(std::move(entry));
  }
  return {{"name", spec.name}, {"runs", runs}};
}

void write_results(const std::filesystem::path& dir, const ExperimentSpec& spec, const std::vector<RunRecord>& records) {
  std::filesystem::create_directories(dir);
  write_file_atomically(dir / "metrics.csv", metrics_csv(spec, records));
  write_file_atomically(dir / "summary.json", summary_json(spec, records).dump(2) + "\n");
  write_file_atomically(dir / "runs.csv", runs_csv(spec, records));
  // Also without targets (header only), so that no earlier run's file is left behind.
  write_file_atomically(dir / "time_to_target.csv", time_to_target_csv(spec, records));
}

}  // namespace localsgd
