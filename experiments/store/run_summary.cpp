#include "experiments/store/run_summary.hpp"

#include <fmt/format.h>

#include <stdexcept>

#include "experiments/spec/target_spec.hpp"
#include "experiments/store/record_number.hpp"

namespace localsgd {

namespace {

using Json = nlohmann::json;

Json number(double value) { return record_number(value); }
double number_at(const Json& object, const char* key) { return record_number_from(object.at(key)); }

Json numbers(const std::vector<double>& values) {
  Json out = Json::array();
  for (const double v : values) out.push_back(number(v));
  return out;
}

std::vector<double> numbers_from(const Json& values) {
  std::vector<double> out;
  for (const Json& v : values) out.push_back(record_number_from(v));
  return out;
}

Json constants_json(const ConstantsSummary& c) {
  Json out = {{"L", number(c.L)},
              {"mu", number(c.mu)},
              {"kappa", number(c.kappa)},
              {"f_star", number(c.f_star)},
              {"exact", c.exact},
              {"exactness", {{"L", c.L_exact}, {"mu", c.mu_exact}, {"x_star_f_star", c.x_star_f_star_exact}}},
              {"sigma2", c.sigma2 ? number(*c.sigma2) : Json(nullptr)},
              {"c1", number(c.c1)},
              {"sigma2_at_optimum", number(c.sigma2_at_optimum)},
              {"heterogeneity", number(c.heterogeneity)},
              {"x_star_norm", number(c.x_star_norm)},
              {"how", c.how}};
  if (c.x_star) out["x_star"] = numbers(*c.x_star);
  return out;
}

ConstantsSummary constants_from_json(const Json& json) {
  ConstantsSummary c;
  c.L = number_at(json, "L");
  c.mu = number_at(json, "mu");
  c.kappa = number_at(json, "kappa");
  c.f_star = number_at(json, "f_star");
  c.exact = json.at("exact").get<bool>();
  const Json& exactness = json.at("exactness");
  c.L_exact = exactness.at("L").get<bool>();
  c.mu_exact = exactness.at("mu").get<bool>();
  c.x_star_f_star_exact = exactness.at("x_star_f_star").get<bool>();
  if (!json.at("sigma2").is_null()) c.sigma2 = number_at(json, "sigma2");
  c.c1 = number_at(json, "c1");
  c.sigma2_at_optimum = number_at(json, "sigma2_at_optimum");
  c.heterogeneity = number_at(json, "heterogeneity");
  c.x_star_norm = number_at(json, "x_star_norm");
  c.how = json.at("how").get<std::string>();
  if (json.contains("x_star")) c.x_star = numbers_from(json.at("x_star"));
  return c;
}

// The target as the spec declares it (targets_json), then where it was first met (nulls if never).
Json target_json(const TargetOutcome& t) {
  Json entry = targets_json(std::span<const Target>(&t.target, 1)).at(0);
  const auto& hit = t.hit;
  entry["reached"] = hit.has_value();
  entry["step"] = hit ? Json(hit->step) : Json();
  entry["round"] = hit ? Json(hit->round) : Json();
  entry["samples"] = hit ? Json(hit->samples) : Json();
  entry["time"] = hit ? number(hit->time) : Json();
  entry["metric_value"] = hit ? number(hit->metric) : Json();
  entry["at_sync"] = hit ? Json(hit->at_sync) : Json();
  return entry;
}

TargetOutcome target_from_json(const Json& json) {
  TargetOutcome t;
  const std::string& metric = json.at("metric").get_ref<const std::string&>();
  const std::string& check = json.at("check").get_ref<const std::string&>();
  const auto metric_value = kTargetMetricNames.parse(metric);
  const auto check_value = kTargetCheckNames.parse(check);
  if (!metric_value || !check_value) throw std::runtime_error("run record: unknown target " + json.dump());
  t.target = Target{*metric_value, number_at(json, "value"), *check_value};
  if (json.at("reached").get<bool>()) {
    t.hit = TargetHit{json.at("step").get<long>(),         json.at("round").get<int>(),
                      json.at("samples").get<long>(),      number_at(json, "time"),
                      number_at(json, "metric_value"),     json.at("at_sync").get<bool>()};
  }
  return t;
}

// The keys that say where and why a run that did not complete ended.
const char* ended_at_key(RunTermination t) {
  return t == RunTermination::diverged ? "diverged_at_step" : "clock_overflow_at_step";
}
const char* ended_because_key(RunTermination t) {
  return t == RunTermination::diverged ? "divergence_hint" : "clock_overflow_message";
}

}  // namespace

Json to_json(const RunSummary& s) {
  Json final_metrics = nullptr;
  if (s.final_metrics) {
    const FinalMetrics& f = *s.final_metrics;
    final_metrics = {{"step", f.step}, {"loss", number(f.loss)}, {"gap", number(f.gap)},
                     {"grad_norm_sq", number(f.grad_norm_sq)}, {"consensus", number(f.consensus)}};
  }
  Json targets = Json::array();
  for (const TargetOutcome& t : s.targets) targets.push_back(target_json(t));
  Json out = {
      {"constants", constants_json(s.constants)},
      {"termination", kRunTerminationNames.name(s.termination)},
      {"steps", s.steps},
      {"rounds", s.rounds},
      {"virtual_time", number(s.virtual_time)},
      {"compute_time_mean", number(s.compute_time_mean)},
      {"compute_time_max", number(s.compute_time_max)},
      {"communication_time", number(s.communication_time)},
      {"idle_time_mean", number(s.idle_time_mean)},
      {"idle_time_max", number(s.idle_time_max)},
      {"per_worker",
       {{"slowdown", numbers(s.per_worker.slowdown)},
        {"compute_time", numbers(s.per_worker.compute_time)},
        {"idle_time", numbers(s.per_worker.idle_time)}}},
      {"targets", std::move(targets)},
      {"wall_seconds", number(s.wall_seconds)},
      {"final", std::move(final_metrics)},
  };
  if (s.participation) {
    const ParticipationCounts& c = *s.participation;
    out["participation"] = {{"rounds_participated", c.rounds_participated},
                            {"steps_run", c.steps_run},
                            {"dropped_steps", c.dropped_steps},
                            {"empty_rounds", c.empty_rounds}};
  }
  if (s.sync_steps) out["sync_steps"] = *s.sync_steps;
  if (s.asynchrony) {
    const AsynchronySummary& a = *s.asynchrony;
    out["asynchrony"] = {{"coordination", a.coordination},
                         {"pushes", a.pushes},
                         {"pushes_per_worker", a.pushes_per_worker},
                         {"staleness",
                          {{"mean", number(a.staleness_mean)},
                           {"max", a.staleness_max},
                           {"histogram", a.staleness_histogram}}},
                         {"communication_seconds", numbers(a.communication_seconds)}};
  }
  if (s.termination != RunTermination::completed) {
    out[ended_at_key(s.termination)] = s.ended_at_step;
    if (s.ended_because) out[ended_because_key(s.termination)] = *s.ended_because;
  }
  if (s.warning) out["warning"] = *s.warning;
  return out;
}

RunSummary summary_from_json(const Json& json) {
  RunSummary s;
  const std::string& how = json.at("termination").get_ref<const std::string&>();
  const auto termination = kRunTerminationNames.parse(how);
  if (!termination) throw std::runtime_error("run record: unknown termination " + how);
  s.termination = *termination;
  s.constants = constants_from_json(json.at("constants"));
  s.steps = json.at("steps").get<long>();
  s.rounds = json.at("rounds").get<int>();
  s.virtual_time = number_at(json, "virtual_time");
  s.compute_time_mean = number_at(json, "compute_time_mean");
  s.compute_time_max = number_at(json, "compute_time_max");
  s.communication_time = number_at(json, "communication_time");
  s.idle_time_mean = number_at(json, "idle_time_mean");
  s.idle_time_max = number_at(json, "idle_time_max");
  const Json& per_worker = json.at("per_worker");
  s.per_worker = {numbers_from(per_worker.at("slowdown")), numbers_from(per_worker.at("compute_time")),
                  numbers_from(per_worker.at("idle_time"))};
  for (const Json& target : json.at("targets")) s.targets.push_back(target_from_json(target));
  s.wall_seconds = number_at(json, "wall_seconds");
  if (const Json& f = json.at("final"); !f.is_null()) {
    s.final_metrics = FinalMetrics{f.at("step").get<long>(), number_at(f, "loss"), number_at(f, "gap"),
                                   number_at(f, "grad_norm_sq"), number_at(f, "consensus")};
  }
  if (json.contains("participation")) {
    const Json& c = json.at("participation");
    s.participation = ParticipationCounts{c.at("rounds_participated").get<std::vector<long>>(),
                                          c.at("steps_run").get<std::vector<long>>(),
                                          c.at("dropped_steps").get<std::vector<long>>(),
                                          c.at("empty_rounds").get<long>()};
  }
  if (json.contains("sync_steps")) s.sync_steps = json.at("sync_steps").get<std::vector<long>>();
  if (json.contains("asynchrony")) {
    const Json& a = json.at("asynchrony");
    const Json& staleness = a.at("staleness");
    s.asynchrony = AsynchronySummary{a.at("coordination").get<std::string>(),
                                     a.at("pushes").get<long>(),
                                     a.at("pushes_per_worker").get<std::vector<long>>(),
                                     number_at(staleness, "mean"),
                                     staleness.at("max").get<long>(),
                                     staleness.at("histogram").get<std::vector<long>>(),
                                     numbers_from(a.at("communication_seconds"))};
  }
  if (s.termination != RunTermination::completed) {
    s.ended_at_step = json.at(ended_at_key(s.termination)).get<long>();
    if (json.contains(ended_because_key(s.termination))) {
      s.ended_because = json.at(ended_because_key(s.termination)).get<std::string>();
    }
  }
  if (json.contains("warning")) s.warning = json.at("warning").get<std::string>();
  return s;
}

std::string ended_early_text(const RunSummary& s) {
  switch (s.termination) {
    case RunTermination::diverged:
      return fmt::format("DIVERGED at step {} ({})", s.ended_at_step, s.ended_because.value_or("no hint"));
    case RunTermination::clock_overflow:
      return fmt::format("CLOCK OVERFLOW at step {} ({})", s.ended_at_step, s.ended_because.value_or("no message"));
    case RunTermination::completed: break;
  }
  return "";
}

std::optional<std::size_t> declared_target_index(const RunSummary& s, Metric metric, double value) {
  for (std::size_t k = 0; k < s.targets.size(); ++k) {
    if (metric_of(s.targets[k].target.metric) == metric && s.targets[k].target.value == value) return k;
  }
  return std::nullopt;
}

std::optional<double> declared_target_hit(const RunSummary& s, std::size_t k, Axis by) {
  if (k >= s.targets.size() || !s.targets[k].hit) return std::nullopt;
  const TargetHit& hit = *s.targets[k].hit;
  switch (by) {
    case Axis::step: return static_cast<double>(hit.step);
    case Axis::round: return static_cast<double>(hit.round);
    case Axis::samples: return static_cast<double>(hit.samples);
    case Axis::time: return hit.time;
    case Axis::bytes: return std::nullopt;  // a target hit does not record bytes (first_reached reads the rows)
  }
  return hit.time;
}

}  // namespace localsgd
