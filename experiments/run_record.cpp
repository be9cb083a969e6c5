#include "experiments/run_record.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include "experiments/runner.hpp"
#include "experiments/spec.hpp"
#include "experiments/target_spec.hpp"

namespace localsgd {

namespace {

Json number(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  return value;
}

double number_from(const Json& value) {
  if (value.is_number()) return value.get<double>();
  const auto text = value.get<std::string>();
  if (text == "nan") return std::nan("");
  if (text == "inf") return HUGE_VAL;
  if (text == "-inf") return -HUGE_VAL;
  throw std::runtime_error("run record: not a number: " + text);
}

double mean(const std::vector<double>& values) {
  return values.empty() ? 0.0 : std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
}

double max(const std::vector<double>& values) {
  return values.empty() ? 0.0 : *std::max_element(values.begin(), values.end());
}

// The problem's constants as summary.json reports them; x* itself only up to 1000 entries.
Json constants_json(const ProblemConstants& c) {
  Json out = {{"L", number(c.smoothness)},
              {"mu", number(c.pl)},
              {"kappa", number(c.smoothness / c.pl)},
              {"f_star", number(c.optimal_value)},
              {"exact", c.all_exact()},
              {"exactness", {{"L", c.smoothness_exact}, {"mu", c.pl_exact}, {"x_star_f_star", c.optimum_exact}}},
              {"sigma2", c.sigma2 ? number(*c.sigma2) : Json(nullptr)},
              {"c1", number(c.c1)},
              {"sigma2_at_optimum", number(c.sigma2_at_optimum)},
              {"heterogeneity", number(c.heterogeneity)},
              {"x_star_norm", number(c.optimum.norm())},
              {"how", c.how}};
  if (c.optimum.size() <= 1000) out["x_star"] = std::vector<double>(c.optimum.begin(), c.optimum.end());
  return out;
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

// Why a run may have diverged, in terms of the step size and 1/L (the largest step size for
// which gradient descent on an L-smooth F decreases it).
std::string divergence_hint(const RunOutcome& o) {
  const double smoothness = o.constants.smoothness;
  const long step = o.report.steps_done;
  std::string eta = fmt::format("eta_0 = {:.4g}", o.eta0);
  if (o.eta_last != o.eta0) eta += fmt::format(" (eta = {:.4g} at step {})", o.eta_last, step);
  if (!(smoothness > 0) || !std::isfinite(smoothness)) return eta + "; L is unknown";
  const double inverse = 1.0 / smoothness;
  const double ratio = std::max(o.eta0, o.eta_last) / inverse;
  if (ratio > 1) {
    return fmt::format("{} vs 1/L = {:.4g}: the step size is {:.3g} x 1/L; try eta_0 <= {:.4g}", eta, inverse, ratio,
                       inverse);
  }
  return fmt::format("{} vs 1/L = {:.4g}: the step size is within 1/L, so look at the optimizer (momentum, Adam), "
                     "the heterogeneity or the oracle noise",
                     eta, inverse);
}

}  // namespace

RunRecord record_of(const RunOutcome& o) {
  const RunReport& r = o.report;
  const bool run_diverged = r.termination == Termination::diverged;
  Json final_metrics = nullptr;
  if (!o.rows.empty()) {
    const Evaluation& e = o.rows.back();
    final_metrics = {{"step", e.step}, {"loss", number(e.loss)}, {"gap", number(e.gap)},
                     {"grad_norm_sq", number(e.grad_norm_sq)}, {"consensus", number(e.consensus)}};
  }
  Json summary = {
      {"constants", constants_json(o.constants)},
      {"termination", run_diverged ? "diverged" : "completed"},
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
      {"final", final_metrics},
  };
  if (run_diverged) {
    summary["diverged_at_step"] = r.steps_done;
    summary["divergence_hint"] = divergence_hint(o);
  }
  return {o.rows, summary};
}

Json record_to_json(const RunRecord& record) {
  Json rows = Json::array();
  for (const Evaluation& e : record.rows) {
    rows.push_back({e.step, e.round, e.samples, number(e.time), number(e.loss), number(e.gap), number(e.grad_norm_sq),
                    number(e.consensus)});
  }
  return {{"summary", record.summary}, {"rows", rows}};
}

RunRecord record_from_json(const Json& json) {
  RunRecord record;
  record.summary = json.at("summary");
  for (const Json& row : json.at("rows")) {
    Evaluation e;
    e.step = row.at(0).get<long>();
    e.round = row.at(1).get<int>();
    e.samples = row.at(2).get<long>();
    e.time = number_from(row.at(3));
    e.loss = number_from(row.at(4));
    e.gap = number_from(row.at(5));
    e.grad_norm_sq = number_from(row.at(6));
    e.consensus = number_from(row.at(7));
    record.rows.push_back(e);
  }
  return record;
}

bool diverged(const RunRecord& record) { return record.summary.at("termination") == "diverged"; }

}  // namespace localsgd
