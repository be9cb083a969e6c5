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

double mean(const std::vector<double>& values) {
  return values.empty() ? 0.0 : std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
}

double max(const std::vector<double>& values) {
  return values.empty() ? 0.0 : *std::max_element(values.begin(), values.end());
}

// Per target: the target, then where it was first met (nulls if never).
Json targets_summary(const RunOutcome& o) {
  Json out = targets_json(o.spec->targets);
  for (std::size_t k = 0; k < o.target_hits.size(); ++k) {
    const auto& hit = o.target_hits[k];
    Json& entry = out[k];
    entry["reached"] = hit.has_value();
    entry["step"] = hit ? Json(hit->step) : Json();
    entry["round"] = hit ? Json(hit->round) : Json();
    entry["samples"] = hit ? Json(hit->samples) : Json();
    entry["time"] = hit ? Json(hit->time) : Json();
    entry["metric_value"] = hit ? Json(hit->metric) : Json();
    entry["at_sync"] = hit ? Json(hit->at_sync) : Json();
  }
  return out;
}

std::string run_prefix(const ExperimentSpec& spec, const RunOutcome& o) {
  std::string prefix = fmt::format("{},{},{}", o.spec->index, csv_field(o.spec->variant), o.spec->seed);
  for (const auto& path : spec.swept_paths) prefix += "," + csv_field(swept_text(o.spec->swept.at(path)));
  return prefix;
}

std::string run_header(const ExperimentSpec& spec) {
  std::string out = "run,variant,seed";
  for (const auto& path : spec.swept_paths) out += "," + csv_field(path);
  return out;
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
  std::string out = run_header(spec) + ",step,round,samples,time,loss,gap,grad_norm_sq,consensus\n";
  for (const RunOutcome& o : outcomes) {
    const std::string prefix = run_prefix(spec, o);
    for (const Evaluation& e : o.rows) {
      out += fmt::format("{},{},{},{},{},{},{},{},{}\n", prefix, e.step, e.round, e.samples, e.time, e.loss, e.gap,
                         e.grad_norm_sq, e.consensus);
    }
  }
  return out;
}

std::string time_to_target_csv(const ExperimentSpec& spec, const std::vector<RunOutcome>& outcomes) {
  std::string out = run_header(spec) + ",metric,value,check,reached,step,round,samples,time,at_sync\n";
  for (const RunOutcome& o : outcomes) {
    const std::string prefix = run_prefix(spec, o);
    for (std::size_t k = 0; k < o.spec->targets.size(); ++k) {
      const Target& t = o.spec->targets[k];
      const auto& hit = o.target_hits.at(k);
      out += fmt::format("{},{},{},{},", prefix, metric_name(t.metric), t.value, check_name(t.check));
      out += hit ? fmt::format("true,{},{},{},{},{}\n", hit->step, hit->round, hit->samples, hit->time, hit->at_sync)
                 : std::string("false,,,,,\n");
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
        {"constants",
         {{"L", o.smoothness}, {"mu", o.pl}, {"kappa", o.smoothness / o.pl}, {"f_star", o.optimal_value},
          {"exact", o.constants_exact}}},
        {"termination", diverged ? "diverged" : "completed"},
        {"steps", r.steps_done},
        {"rounds", r.rounds},
        {"virtual_time", r.virtual_time},
        {"compute_time_mean", mean(r.busy_seconds)},
        {"compute_time_max", max(r.busy_seconds)},
        {"communication_time", r.communication_time},
        {"idle_time_mean", mean(r.idle_seconds)},
        {"idle_time_max", max(r.idle_seconds)},
        {"per_worker", {{"slowdown", o.slowdown}, {"compute_time", r.busy_seconds}, {"idle_time", r.idle_seconds}}},
        {"targets", targets_summary(o)},
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
  // Also without targets (header only), so that no earlier run's file is left behind.
  write_file_atomically(dir / "time_to_target.csv", time_to_target_csv(spec, outcomes));
}

}  // namespace localsgd
