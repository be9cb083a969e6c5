#include "experiments/run/outcome_record.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/tree_sum.hpp"

namespace localsgd {

namespace {

// The mean of per-worker values, summed over workers in the tree order of core/tree_sum.hpp
// (like every sum over workers that reaches an output).
double mean(const std::vector<double>& values) {
  if (values.empty()) return 0.0;
  const auto n = static_cast<double>(values.size());
  const double plain = tree::sum_scalars(values.size(), [&](std::size_t i) { return values[i]; }) / n;
  if (std::isfinite(plain)) return plain;
  // The sum overflowed (times near 1.8e308): the mean of finite values is finite, so sum v/n.
  return tree::sum_scalars(values.size(), [&](std::size_t i) { return values[i] / n; });
}

double max(const std::vector<double>& values) {
  return values.empty() ? 0.0 : *std::max_element(values.begin(), values.end());
}

// x* itself only up to 1000 entries.
ConstantsSummary constants_summary(const ProblemConstants& c) {
  ConstantsSummary out;
  out.L = c.smoothness;
  out.mu = c.pl;
  out.kappa = c.smoothness / c.pl;
  out.f_star = c.optimal_value;
  out.exact = c.all_exact();
  out.L_exact = c.smoothness_exact;
  out.mu_exact = c.pl_exact;
  out.x_star_f_star_exact = c.optimum_exact;
  out.sigma2 = c.sigma2;
  out.c1 = c.c1;
  out.sigma2_at_optimum = c.sigma2_at_optimum;
  out.heterogeneity = c.heterogeneity;
  out.x_star_norm = c.optimum.norm();
  out.how = c.how;
  if (c.optimum.size() <= 1000) out.x_star = std::vector<double>(c.optimum.begin(), c.optimum.end());
  return out;
}

std::vector<TargetOutcome> target_outcomes(const RunOutcome& o) {
  std::vector<TargetOutcome> out;
  for (std::size_t k = 0; k < o.target_hits.size(); ++k) out.push_back({o.spec->targets.at(k), o.target_hits[k]});
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
// went the wrong way without reaching the divergence threshold. Nothing if not.
std::optional<std::string> ended_above_start_warning(const RunOutcome& o) {
  if (o.rows.empty() || !(o.initial_gap > 0)) return std::nullopt;  // at x* (gap 0) any noise would be "far above"
  const double final_gap = o.rows.back().gap;
  if (!(final_gap > kEndedAboveStartFactor * o.initial_gap)) return std::nullopt;
  return fmt::format("the run ended far above where it started: final gap {:.4g} = {:.3g} x the starting gap {:.4g} "
                     "(more than {:g} x); it may be diverging slowly: {}",
                     final_gap, final_gap / o.initial_gap, o.initial_gap, kEndedAboveStartFactor, divergence_hint(o));
}

}  // namespace

RunRecord record_of(const RunOutcome& o) {
  const RunReport& r = o.report;
  RunSummary s;
  s.constants = constants_summary(o.constants);
  s.steps = r.steps_done;
  s.rounds = r.rounds;
  s.virtual_time = r.virtual_time;
  s.compute_time_mean = mean(r.busy_seconds);
  s.compute_time_max = max(r.busy_seconds);
  s.communication_time = r.communication_time;
  s.idle_time_mean = mean(r.idle_seconds);
  s.idle_time_max = max(r.idle_seconds);
  s.per_worker = {o.slowdown, r.busy_seconds, r.idle_seconds};
  if (!o.spec->round.is_default()) {
    s.participation = ParticipationCounts{r.rounds_participated, r.steps_run, r.dropped_steps, r.empty_rounds};
  }
  s.sync_steps = o.sync_steps;
  if (r.asynchrony) {
    const AsyncReport& a = *r.asynchrony;
    s.asynchrony = AsynchronySummary{o.spec->round.coordination.type(), a.pushes,           a.pushes_per_worker,
                                     a.mean_staleness(),                 a.max_staleness(), a.staleness_counts,
                                     a.communication_seconds};
  }
  s.targets = target_outcomes(o);
  s.bytes_sent = r.bytes_sent;
  s.wall_seconds = o.wall_seconds;
  if (!o.rows.empty()) {
    const Evaluation& e = o.rows.back();
    s.final_metrics = FinalMetrics{e.step, e.loss, e.gap, e.grad_norm_sq, e.consensus};
  }
  switch (r.termination) {
    case Termination::diverged:
      s.termination = RunTermination::diverged;
      s.ended_at_step = r.steps_done;
      s.ended_because = divergence_hint(o);
      break;
    case Termination::clock_overflow:
      s.termination = RunTermination::clock_overflow;
      s.ended_at_step = r.steps_done;
      s.ended_because = clock_overflow_message(o);
      break;
    default:
      s.termination = RunTermination::completed;
      s.warning = ended_above_start_warning(o);
  }
  return {o.rows, std::move(s)};
}

}  // namespace localsgd
