#pragma once
// What one finished run reports besides its metrics rows (Ceres's Summary): the problem's
// constants, how the run ended, its rounds and times, and where it met its targets. Written to
// summary.json and to the run store by to_json, read back by from_json: the one place that knows
// the JSON keys. Every number goes through record_number, so non-finite values survive.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "experiments/spec/enum_names.hpp"
#include "experiments/spec/metrics_axes.hpp"
#include "sim/targets.hpp"

namespace localsgd {

// "completed", "diverged" or "clock_overflow" (the virtual clock left the doubles).
enum class RunTermination { completed, diverged, clock_overflow };
inline constexpr EnumNames<RunTermination, 3> kRunTerminationNames{{"completed", "diverged", "clock_overflow"}};

// The problem's constants as summary.json reports them (problems/problem.hpp, ProblemConstants).
struct ConstantsSummary {
  double L = 0, mu = 0, kappa = 0, f_star = 0;
  bool exact = true;  // all three below
  bool L_exact = true, mu_exact = true, x_star_f_star_exact = true;
  std::optional<double> sigma2;  // null in JSON for finite sums
  double c1 = 0, sigma2_at_optimum = 0, heterogeneity = 0, x_star_norm = 0;
  std::string how;
  std::optional<std::vector<double>> x_star;  // only up to 1000 entries
};

// One declared target of the run and where it was first met (nothing if never).
struct TargetOutcome {
  Target target;
  std::optional<TargetHit> hit;
};

// The metrics at the run's last evaluation point.
struct FinalMetrics {
  long step = 0;
  double loss = 0, gap = 0, grad_norm_sq = 0, consensus = 0;
};

// Who took part and how much work was used, per worker, for a run whose round is not LUPA-SGD's
// (sim/engine.hpp, RunReport): rounds it took part in, local steps whose results were used, steps
// it finished whose model was dropped (deadline), and rounds in which nobody took part.
struct ParticipationCounts {
  std::vector<long> rounds_participated, steps_run, dropped_steps;
  long empty_rounds = 0;
};

// What an asynchronous run's server received (sim/engine.hpp, AsyncReport): its pushes, in all
// and per worker, their staleness (the server's version at arrival minus the version the worker
// pulled) and each worker's message time.
struct AsynchronySummary {
  std::string coordination;  // "fedasync" or "fedbuff"
  long pushes = 0;
  std::vector<long> pushes_per_worker;
  double staleness_mean = 0;
  long staleness_max = 0;
  std::vector<long> staleness_histogram;  // [s]: pushes of staleness s, s = 0 .. staleness_max
  std::vector<double> communication_seconds;  // per worker
};

struct RunSummary {
  ConstantsSummary constants;
  RunTermination termination = RunTermination::completed;
  long steps = 0;  // steps done
  int rounds = 0;
  double virtual_time = 0;
  double compute_time_mean = 0, compute_time_max = 0;
  double communication_time = 0;
  double idle_time_mean = 0, idle_time_max = 0;
  struct PerWorker {
    std::vector<double> slowdown, compute_time, idle_time;
  } per_worker;
  // Only with a round pipeline other than the default (JSON: "participation"; absent otherwise, so
  // that the summaries of default runs are unchanged).
  std::optional<ParticipationCounts> participation;
  // Only for a run with a trace (JSON: "sync_steps"; absent otherwise): the step of every sync,
  // as the run made them (adaptive schedules included), the whole list.
  std::optional<std::vector<long>> sync_steps;
  // Only for an asynchronous run (JSON: "asynchrony"; absent otherwise).
  std::optional<AsynchronySummary> asynchrony;
  std::vector<TargetOutcome> targets;
  // Bytes all workers sent (RunReport::bytes_sent). Not part of to_json: summary.json gives it
  // only when some run of the spec sets `compression` or `gossip` (results.cpp), the run record keeps it.
  double bytes_sent = 0;
  double wall_seconds = 0;  // the simulator's own time (never compared: it differs between reruns)
  std::optional<FinalMetrics> final_metrics;  // none without evaluation rows (JSON: "final": null)
  // A run that did not complete: the step it ended at and why (JSON: diverged_at_step and
  // divergence_hint, or clock_overflow_at_step and clock_overflow_message).
  long ended_at_step = 0;
  std::optional<std::string> ended_because;
  std::optional<std::string> warning;  // a completed run that ended far above its start
};

nlohmann::json to_json(const RunSummary& summary);
// Throws std::runtime_error (or a JSON exception) if `json` is not a summary as to_json writes it.
RunSummary summary_from_json(const nlohmann::json& json);

// Why a run did not complete ("DIVERGED at step 12 (eta_0 = ...)"), empty if it did.
std::string ended_early_text(const RunSummary& summary);

// Time to a target, one rule for every reader (expect checks, the time_to plots through
// time_to_target.csv, the printed table): where a run first met `metric <= value` is decided by
// the FIRST declared target with that metric and value (checked where the engine saw it).
std::optional<std::size_t> declared_target_index(const RunSummary& summary, Metric metric, double value);
// Declared target k's `by` value where it was met; nothing if it never was (or there is no target k).
std::optional<double> declared_target_hit(const RunSummary& summary, std::size_t k, Axis by);

}  // namespace localsgd
