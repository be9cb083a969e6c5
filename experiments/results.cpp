#include "experiments/results.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <fstream>
#include <stdexcept>

#include "experiments/csv.hpp"

namespace localsgd {

namespace {

std::string swept_text(const Json& value) { return value.is_string() ? value.get<std::string>() : value.dump(); }

}  // namespace

void write_file_atomically(const std::filesystem::path& path, const std::string& content) {
  const std::filesystem::path temporary =
      path.parent_path() / fmt::format(".{}.tmp.{}", path.filename().string(), ::getpid());
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << content;
    out.flush();
    if (!out) {
      std::error_code ignored;
      std::filesystem::remove(temporary, ignored);
      throw std::runtime_error(fmt::format("{}: cannot write", temporary.string()));
    }
  }
  std::filesystem::rename(temporary, path);
}

std::string metrics_csv(const ExperimentSpec& spec, const std::vector<RunRecord>& records) {
  std::string out = "run,variant,seed";
  for (const auto& path : spec.swept_paths) out += "," + csv_field(path);
  out += ",step,round,samples,time,loss,gap,grad_norm_sq,consensus\n";
  for (std::size_t i = 0; i < records.size(); ++i) {
    const RunSpec& run = spec.runs[i];
    std::string prefix = fmt::format("{},{},{}", run.index, csv_field(run.variant), run.seed);
    for (const auto& path : spec.swept_paths) prefix += "," + csv_field(swept_text(run.swept.at(path)));
    for (const Evaluation& e : records[i].rows) {
      out += fmt::format("{},{},{},{},{},{},{},{},{}\n", prefix, e.step, e.round, e.samples, e.time, e.loss, e.gap,
                         e.grad_norm_sq, e.consensus);
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
    for (const auto& [key, value] : records[i].summary.items()) entry[key] = value;
    runs.push_back(std::move(entry));
  }
  return {{"name", spec.name}, {"runs", runs}};
}

void write_results(const std::filesystem::path& dir, const ExperimentSpec& spec, const std::vector<RunRecord>& records) {
  std::filesystem::create_directories(dir);
  write_file_atomically(dir / "metrics.csv", metrics_csv(spec, records));
  write_file_atomically(dir / "summary.json", summary_json(spec, records).dump(2) + "\n");
}

}  // namespace localsgd
