#include "experiments/results.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <numeric>
#include <stdexcept>

#include "experiments/csv.hpp"

namespace localsgd {

namespace {

std::string swept_text(const Json& value) { return value.is_string() ? value.get<std::string>() : value.dump(); }

Json final_metrics(const RunOutcome& o) {
  if (o.rows.empty()) return nullptr;
  const Evaluation& e = o.rows.back();
  return {{"step", e.step}, {"loss", e.loss}, {"gap", e.gap}, {"grad_norm_sq", e.grad_norm_sq},
          {"consensus", e.consensus}};
}

// The problem's constants as summary.json reports them; x* itself only up to 1000 entries.
Json constants_json(const ProblemConstants& c) {
  Json out = {{"L", c.smoothness},
              {"mu", c.pl},
              {"kappa", c.smoothness / c.pl},
              {"f_star", c.optimal_value},
              {"exact", c.all_exact()},
              {"exactness", {{"L", c.smoothness_exact}, {"mu", c.pl_exact}, {"x_star_f_star", c.optimum_exact}}},
              {"sigma2", c.sigma2 ? Json(*c.sigma2) : Json(nullptr)},
              {"c1", c.c1},
              {"sigma2_at_optimum", c.sigma2_at_optimum},
              {"heterogeneity", c.heterogeneity},
              {"x_star_norm", c.optimum.norm()},
              {"how", c.how}};
  if (c.optimum.size() <= 1000) out["x_star"] = std::vector<double>(c.optimum.begin(), c.optimum.end());
  return out;
}

double mean(const std::vector<double>& values) {
  return values.empty() ? 0.0 : std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
}

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

std::string metrics_csv(const ExperimentSpec& spec, const std::vector<RunOutcome>& outcomes) {
  std::string out = "run,variant,seed";
  for (const auto& path : spec.swept_paths) out += "," + csv_field(path);
  out += ",step,round,samples,time,loss,gap,grad_norm_sq,consensus\n";
  for (const RunOutcome& o : outcomes) {
    std::string prefix = fmt::format("{},{},{}", o.spec->index, csv_field(o.spec->variant), o.spec->seed);
    for (const auto& path : spec.swept_paths) prefix += "," + csv_field(swept_text(o.spec->swept.at(path)));
    for (const Evaluation& e : o.rows) {
      out += fmt::format("{},{},{},{},{},{},{},{},{}\n", prefix, e.step, e.round, e.samples, e.time, e.loss, e.gap,
                         e.grad_norm_sq, e.consensus);
    }
  }
  return out;
}

Json summary_json(const ExperimentSpec& spec, const std::vector<RunOutcome>& outcomes) {
  Json runs = Json::array();
  for (const RunOutcome& o : outcomes) {
    const RunReport& r = o.report;
    const bool diverged = r.termination == Termination::diverged;
    Json run = {
        {"run", o.spec->index},
        {"variant", o.spec->variant},
        {"seed", o.spec->seed},
        {"swept", o.spec->swept},
        {"config", o.spec->config},
        {"constants", constants_json(o.constants)},
        {"termination", diverged ? "diverged" : "completed"},
        {"steps", r.steps_done},
        {"rounds", r.rounds},
        {"virtual_time", r.virtual_time},
        {"compute_time_mean", mean(r.busy_seconds)},
        {"communication_time", r.communication_time},
        {"idle_time_mean", mean(r.idle_seconds)},
        {"idle_time_max", r.idle_seconds.empty() ? 0.0 : *std::max_element(r.idle_seconds.begin(), r.idle_seconds.end())},
        {"wall_seconds", o.wall_seconds},
        {"final", final_metrics(o)},
    };
    if (diverged) run["diverged_at_step"] = r.steps_done;
    runs.push_back(std::move(run));
  }
  return {{"name", spec.name}, {"runs", runs}};
}

void write_results(const std::filesystem::path& dir, const ExperimentSpec& spec,
                   const std::vector<RunOutcome>& outcomes) {
  std::filesystem::create_directories(dir);
  write_file_atomically(dir / "spec.resolved.json", spec.resolved.dump(2) + "\n");
  write_file_atomically(dir / "metrics.csv", metrics_csv(spec, outcomes));
  write_file_atomically(dir / "summary.json", summary_json(spec, outcomes).dump(2) + "\n");
}

}  // namespace localsgd
