#include "experiments/store/run_record.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include "experiments/run/runner.hpp"
#include "experiments/spec/spec.hpp"
#include "experiments/spec/target_spec.hpp"

namespace localsgd {

namespace {

Json number(double value) { return record_number(value); }

Json numbers(const std::vector<double>& values) {
  Json out = Json::array();
  for (const double v : values) out.push_back(number(v));
  return out;
}

double mean(const std::vector<double>& values) {
  if (values.empty()) return 0.0;
  const auto n = static_cast<double>(values.size());
  const double plain = std::accumulate(values.begin(), values.end(), 0.0) / n;
  if (std::isfinite(plain)) return plain;
  // The sum overflowed (times near 1.8e308): the mean of finite values is finite, so sum v/n.
  double scaled = 0;
  for (const double v : values) scaled += v / n;
  return scaled;
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
  if (c.optimum.size() <= 1000) out["x_star"] = numbers(std::vector<double>(c.optimum.begin(), c.optimum.end()));
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
    entry["time"] = hit ? number(hit->time) : Json();
    entry["metric_value"] = hit ? number(hit->metric) : Json();
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

// Why the clock stopped: which step or average took it past the largest double.
std::string clock_overflow_message(const RunOutcome& o) {
  const RunReport& r = o.report;
  const std::string what = r.clock_overflow_worker >= 0
                               ? fmt::format("worker {}'s step {}", r.clock_overflow_worker, r.steps_done)
                               : fmt::format("the average after step {}", r.steps_done);
  return fmt::format("the virtual clock overflowed: {} took it past the largest double (1.8e308 s), so the run "
                     "ended there; the clock model's times are too large to add up (clock.compute: a huge mean, a "
                     "log-normal sigma or a Pareto shape near 1; clock.network: a huge time per average); use "
                     "smaller times or a lighter tail",
                     what);
}

// A completed run whose final gap is far above its starting gap (kEndedAboveStartFactor): it
// went the wrong way without reaching the divergence threshold. Empty if not.
std::string ended_above_start_warning(const RunOutcome& o) {
  if (o.rows.empty() || !(o.initial_gap > 0)) return "";  // at x* (gap 0) any noise would be "far above"
  const double final_gap = o.rows.back().gap;
  if (!(final_gap > kEndedAboveStartFactor * o.initial_gap)) return "";
  return fmt::format("the run ended far above where it started: final gap {:.4g} = {:.3g} x the starting gap {:.4g} "
                     "(more than {:g} x); it may be diverging slowly: {}",
                     final_gap, final_gap / o.initial_gap, o.initial_gap, kEndedAboveStartFactor, divergence_hint(o));
}

const std::string kCompleted = "completed";
const std::string kDiverged = "diverged";
const std::string kClockOverflow = "clock_overflow";

const std::string& termination_name(Termination t) {
  switch (t) {
    case Termination::diverged: return kDiverged;
    case Termination::clock_overflow: return kClockOverflow;
    default: return kCompleted;
  }
}

}  // namespace

Json record_number(double value) {
  if (std::isnan(value)) return std::signbit(value) ? "-nan" : "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  return value;
}

double record_number_from(const Json& value) {
  if (value.is_number()) return value.get<double>();
  if (value.is_string()) {
    const auto& text = value.get_ref<const std::string&>();
    if (text == "nan") return std::numeric_limits<double>::quiet_NaN();
    if (text == "-nan") return -std::numeric_limits<double>::quiet_NaN();
    if (text == "inf") return HUGE_VAL;
    if (text == "-inf") return -HUGE_VAL;
  }
  throw std::runtime_error("run record: not a number: " + value.dump());
}

RunRecord record_of(const RunOutcome& o) {
  const RunReport& r = o.report;
  Json final_metrics = nullptr;
  if (!o.rows.empty()) {
    const Evaluation& e = o.rows.back();
    final_metrics = {{"step", e.step}, {"loss", number(e.loss)}, {"gap", number(e.gap)},
                     {"grad_norm_sq", number(e.grad_norm_sq)}, {"consensus", number(e.consensus)}};
  }
  Json summary = {
      {"constants", constants_json(o.constants)},
      {"termination", termination_name(r.termination)},
      {"steps", r.steps_done},
      {"rounds", r.rounds},
      {"virtual_time", number(r.virtual_time)},
      {"compute_time_mean", number(mean(r.busy_seconds))},
      {"compute_time_max", number(max(r.busy_seconds))},
      {"communication_time", number(r.communication_time)},
      {"idle_time_mean", number(mean(r.idle_seconds))},
      {"idle_time_max", number(max(r.idle_seconds))},
      {"per_worker",
       {{"slowdown", numbers(o.slowdown)}, {"compute_time", numbers(r.busy_seconds)}, {"idle_time", numbers(r.idle_seconds)}}},
      {"targets", targets_summary(o)},
      {"wall_seconds", number(o.wall_seconds)},
      {"final", final_metrics},
  };
  switch (r.termination) {
    case Termination::diverged:
      summary["diverged_at_step"] = r.steps_done;
      summary["divergence_hint"] = divergence_hint(o);
      break;
    case Termination::clock_overflow:
      summary["clock_overflow_at_step"] = r.steps_done;
      summary["clock_overflow_message"] = clock_overflow_message(o);
      break;
    default:
      if (std::string warning = ended_above_start_warning(o); !warning.empty()) summary["warning"] = std::move(warning);
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

namespace {

// What record_from_json requires of a summary: every field some reader takes as a number reads
// as one, and the termination is known. A record that fails is run again (run_store.cpp).
void check_summary(const Json& summary) {
  const std::string& how = summary.at("termination").get_ref<const std::string&>();
  if (how != kCompleted && how != kDiverged && how != kClockOverflow) {
    throw std::runtime_error("run record: unknown termination " + how);
  }
  summary.at("steps").get<long>();
  summary.at("rounds").get<long>();
  for (const char* key : {"virtual_time", "compute_time_mean", "compute_time_max", "communication_time",
                          "idle_time_mean", "idle_time_max", "wall_seconds"}) {
    record_number_from(summary.at(key));
  }
  for (const auto& [key, values] : summary.at("per_worker").items()) {
    for (const Json& v : values) record_number_from(v);
  }
  for (const Json& target : summary.at("targets")) {
    record_number_from(target.at("value"));
    if (!target.at("reached").get<bool>()) continue;
    target.at("step").get<long>();
    target.at("round").get<long>();
    target.at("samples").get<long>();
    record_number_from(target.at("time"));
    record_number_from(target.at("metric_value"));
  }
  if (how == kDiverged) summary.at("diverged_at_step").get<long>();
  if (how == kClockOverflow) summary.at("clock_overflow_at_step").get<long>();
}

}  // namespace

RunRecord record_from_json(const Json& json) {
  RunRecord record;
  try {
    record.summary = json.at("summary");
    check_summary(record.summary);
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

const std::string& termination(const RunRecord& record) {
  return record.summary.at("termination").get_ref<const std::string&>();
}

bool diverged(const RunRecord& record) { return termination(record) == kDiverged; }

bool completed(const RunRecord& record) { return termination(record) == kCompleted; }

std::optional<std::size_t> declared_target_index(const RunRecord& record, const std::string& metric, double value) {
  const Json& targets = record.summary.at("targets");
  for (std::size_t k = 0; k < targets.size(); ++k) {
    if (targets[k].at("metric") == metric && record_number_from(targets[k].at("value")) == value) return k;
  }
  return std::nullopt;
}

std::optional<double> declared_target_hit(const RunRecord& record, std::size_t k, const std::string& by) {
  const Json& targets = record.summary.at("targets");
  if (k >= targets.size() || !targets[k].at("reached").get<bool>()) return std::nullopt;
  return record_number_from(targets[k].at(by));
}

std::optional<double> first_reached(const RunRecord& record, const std::string& metric, double value,
                                    const std::string& by) {
  if (const auto k = declared_target_index(record, metric, value)) return declared_target_hit(record, *k, by);
  for (const Evaluation& e : record.rows) {
    const double m = metric == "loss" ? e.loss : metric == "gap" ? e.gap : metric == "grad_norm_sq" ? e.grad_norm_sq
                                                                                                     : e.consensus;
    if (m <= value) {
      return by == "step"      ? static_cast<double>(e.step)
             : by == "round"   ? static_cast<double>(e.round)
             : by == "samples" ? static_cast<double>(e.samples)
                               : e.time;
    }
  }
  return std::nullopt;
}

std::string ended_early_text(const RunRecord& record) {
  const Json& s = record.summary;
  if (diverged(record)) {
    return fmt::format("DIVERGED at step {} ({})", s.at("diverged_at_step").get<long>(),
                       s.value("divergence_hint", std::string("no hint")));
  }
  if (termination(record) == kClockOverflow) {
    return fmt::format("CLOCK OVERFLOW at step {} ({})", s.at("clock_overflow_at_step").get<long>(),
                       s.value("clock_overflow_message", std::string("no message")));
  }
  return "";
}

}  // namespace localsgd
