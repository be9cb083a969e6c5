#include "experiments/spec/spec_warnings.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>

#include "algorithms/theory.hpp"
#include "experiments/spec/period_independence.hpp"

namespace localsgd {

namespace {

// The largest step size of the run: η_t at every step up to 10^4, then at 64 log-spaced steps (the
// rules are monotone after their warm-up, so this finds the peak without touching every step).
double largest_step_size(const StepSize& step_size, long steps) {
  double largest = 0;
  const long dense = std::min(steps, 10000L);
  for (long t = 0; t < dense; ++t) largest = std::max(largest, step_size.at(t));
  for (int k = 0; k <= 64 && dense < steps; ++k) {
    const double fraction = static_cast<double>(k) / 64.0;
    const long t = std::min(steps - 1, static_cast<long>(static_cast<double>(dense) *
                                                         std::pow(static_cast<double>(steps) / static_cast<double>(dense), fraction)));
    largest = std::max(largest, step_size.at(t));
  }
  return largest;
}

std::optional<ConfigurationWarning> step_size_warning(const RunSpec& run, const Problem& problem, const StepSize& step_size) {
  if (run.optimizer.type() != "sgd" && run.optimizer.type() != "momentum") {
    return std::nullopt;  // adaptive optimizers have no such limit in η alone
  }
  // Weight decay λ adds λ x to the gradient: the local step sees smoothness L + λ.
  const Json& options = run.optimizer.params.json();
  const double decay = options.contains("weight_decay") ? options.at("weight_decay").get<double>() : 0.0;
  const double L = problem.constants().smoothness + decay;
  if (!(L > 0)) return std::nullopt;
  const std::string smoothness = decay > 0 ? "(L + λ)" : "L";
  double limit = 2.0 / L;
  std::string rule = "2/" + smoothness;
  if (run.optimizer.type() == "momentum") {
    const double beta = options.at("beta").get<double>();
    limit = 2.0 * (1.0 + beta) / L;
    rule = fmt::format("2(1 + β)/{} with β = {}", smoothness, beta);
  }
  const double eta = largest_step_size(step_size, run.steps);
  if (eta <= limit) return std::nullopt;
  const bool exact = problem.constants().smoothness_exact;
  return ConfigurationWarning{
      "step_size",
      fmt::format("the step size reaches η = {:.4g}, above {} = {:.4g} ({} = {:.4g}{}): gradient descent on F {} "
                  "unstable along its top eigendirection at such a step size, so runs may diverge",
                  eta, rule, limit, smoothness, L, exact ? "" : ", from an upper bound of L", exact ? "is" : "may be")};
}

std::optional<ConfigurationWarning> period_warning(const RunSpec& run, const SyncSchedule& schedule) {
  // Only a constant period: one-shot averaging and the growing schedules (ADA-LUPA, post-local)
  // go past the threshold by design, and the paper bounds them separately.
  if (run.schedule.type() != "fixed" && run.schedule.type() != "lupa_theory" && run.schedule.type() != "stich") {
    return std::nullopt;
  }
  // The threshold is the barrier's (averages every τ steps); an asynchronous run has no rounds.
  if (run.round.asynchronous()) return std::nullopt;
  const auto longest = schedule.longest_period(run.steps);
  if (!longest || *longest >= run.steps) return std::nullopt;
  // The p of the theory is the number of models averaged: K with K-of-p participation.
  const round::Pipeline pipeline = run.pipeline();
  const bool sampled = pipeline.participation.kind == round::ParticipationKind::uniform ||
                       pipeline.participation.kind == round::ParticipationKind::weighted;
  const int averaged = sampled ? pipeline.participation.clients : run.workers;
  const long threshold = lupa_theory_period(run.steps, averaged, run.batch);
  if (*longest <= threshold || averaged < 2) return std::nullopt;
  return ConfigurationWarning{
      "period",
      fmt::format("the period reaches τ = {}, above the linear-speedup period T^(2/3)/(pB)^(1/3) = {} for T = {}, "
                  "p = {}, B = {} (Haddadpour et al. 2019, PL case; up to a constant): the O(1/(pT)) rate is not "
                  "guaranteed there",
                  *longest, threshold, run.steps, averaged, run.batch)};
}

std::optional<ConfigurationWarning> shard_warning(const RunSpec& run, const Problem& problem) {
  const FiniteSum* sum = problem.finite_sum();
  if (sum == nullptr) return std::nullopt;
  const round::Pipeline pipeline = run.pipeline();
  if (pipeline.aggregation != round::AggregationKind::uniform ||
      pipeline.participation.kind == round::ParticipationKind::weighted) {
    return std::nullopt;  // weighted by shard size, or sampled in proportion to it
  }
  std::size_t smallest = sum->shard(0).size(), largest = smallest;
  for (int i = 1; i < problem.workers(); ++i) {
    smallest = std::min(smallest, sum->shard(i).size());
    largest = std::max(largest, sum->shard(i).size());
  }
  // A remainder row or two (n not a multiple of p) moves the minimiser by O(1/n): not worth a word.
  if (static_cast<double>(largest) <= 1.1 * static_cast<double>(smallest)) return std::nullopt;
  if (pipeline.gossip.enabled) {
    // Gossip refuses other aggregations: its doubly stochastic W keeps the nodes' plain mean.
    return ConfigurationWarning{
        "shards",
        fmt::format("the shards have unequal sizes ({} to {} rows) and gossip keeps the nodes' unweighted mean (W is "
                    "doubly stochastic): the runs minimise (1/p) Σ F_i, not F = Σ (n_i/n) F_i, so F − F* keeps a "
                    "floor; use equal shards (partition \"iid\") to minimise F",
                    smallest, largest)};
  }
  return ConfigurationWarning{
      "shards",
      fmt::format("the shards have unequal sizes ({} to {} rows) and the average is unweighted: the runs minimise "
                  "(1/p) Σ F_i, not F = Σ (n_i/n) F_i, so F − F* keeps a floor; set \"aggregation\": {{\"type\": "
                  "\"shard_size\"}} (or weighted participation) to minimise F",
                  smallest, largest)};
}

}  // namespace

std::vector<ConfigurationWarning> configuration_warnings(const RunSpec& run) {
  std::vector<ConfigurationWarning> out;
  if (auto warning = period_independence_warning(run)) out.push_back({"period_independent", *warning});
  const BuildContext context = run.context();
  const auto problem = run.build_problem();
  const auto schedule = run.schedule.build(context);
  const auto step_size = run.step_size.build(context, {*schedule, *problem});
  if (auto warning = step_size_warning(run, *problem, *step_size)) out.push_back(*warning);
  if (auto warning = period_warning(run, *schedule)) out.push_back(*warning);
  if (auto warning = shard_warning(run, *problem)) out.push_back(*warning);
  return out;
}

std::vector<std::string> spec_warnings(const ExperimentSpec& spec) {
  return variant_warnings(spec, configuration_warnings);
}

std::vector<std::string> variant_warnings(const ExperimentSpec& spec, const ConfigurationWarnings& of_configuration) {
  // Per (variant, reason): configurations warned about, and the variant's configurations (runs
  // that differ only in their seed share one, and its warnings).
  struct Count {
    std::size_t warned = 0;
    std::string text;
  };
  std::map<std::string, std::size_t> configurations;
  std::map<std::string, std::map<std::string, Count>> counts;
  std::map<std::string, std::vector<std::string>> kinds_in_order;
  const std::size_t seeds = std::max<std::size_t>(spec.seeds.size(), 1);
  for (std::size_t i = 0; i < spec.runs.size(); i += seeds) {
    const RunSpec& run = spec.runs[i];
    ++configurations[run.variant];
    for (const ConfigurationWarning& warning : of_configuration(run)) {
      Count& count = counts[run.variant][warning.kind];
      if (count.warned++ == 0) kinds_in_order[run.variant].push_back(warning.kind);
      count.text = warning.text;
    }
  }
  std::vector<std::string> out;
  for (const std::string& variant : spec.variants) {
    for (const std::string& kind : kinds_in_order[variant]) {
      const Count& count = counts[variant][kind];
      const std::size_t of = configurations[variant];
      const std::string where = of > 1 ? fmt::format(" (at {} of its {} sweep points)", count.warned, of) : "";
      out.push_back(fmt::format("variant \"{}\"{}: {}", variant, where, count.text));
    }
  }
  return out;
}

}  // namespace localsgd
