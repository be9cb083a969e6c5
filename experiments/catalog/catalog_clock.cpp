// Clock models (`clock.compute.type`, `clock.slowdown.type`, `clock.network.type`); docs/clock.md
// gives the formulas and their sources.
#include <fmt/format.h>

#include "experiments/catalog/catalog.hpp"

namespace localsgd {

namespace {

// Every compute type also takes `per_sample`: step time = slowdown_i · (draw + per_sample · B).
std::vector<ParamSpec> compute_params(std::vector<ParamSpec> own) {
  own.push_back(ParamSpec::number("per_sample", "seconds per sample of the mini-batch, added to every step (x B)")
                    .at_least(0)
                    .defaults_to(0.0));
  return own;
}

ParamSpec positive_seconds(const char* name, const char* help, double fallback) {
  return ParamSpec::number(name, help).above(0).defaults_to(fallback);
}

std::vector<ParamSpec> link_params() {
  return {ParamSpec::number("latency", "seconds per message (alpha)").at_least(0).defaults_to(5e-5),
          ParamSpec::number("bandwidth", "bytes per second of one link (beta)").above(0).defaults_to(1.25e9),
          ParamSpec::number("bytes_per_value", "bytes sent per model coordinate").above(0).defaults_to(8)};
}

LinkParameters link_of(const Params& p) {
  return {p.number("latency"), p.number("bandwidth"), p.number("bytes_per_value")};
}

template <class Model>
TypeEntry<NetworkModel> link_model(std::string name, std::string help) {
  return {std::move(name), std::move(help), link_params(),
          [](const Params& p, const BuildContext&) -> std::unique_ptr<NetworkModel> {
            return std::make_unique<Model>(link_of(p));
          }};
}

}  // namespace

const Registry<ComputeModel>& compute_registry() {
  static const Registry<ComputeModel> registry{
      "compute",
      "virtual seconds of one local step: slowdown_i * (a draw of the type below + per_sample * B)",
      {
          {"constant", "every step takes `seconds`",
           compute_params({ParamSpec::number("seconds", "seconds per local step").at_least(0).defaults_to(0.01)}),
           [](const Params& p, const BuildContext&) -> std::unique_ptr<ComputeModel> {
             return std::make_unique<ConstantCompute>(p.number("seconds"));
           }},
          {"exponential", "exponential with mean `mean` (variance mean^2)",
           compute_params({positive_seconds("mean", "mean seconds per step", 0.01)}),
           [](const Params& p, const BuildContext&) -> std::unique_ptr<ComputeModel> {
             return std::make_unique<ExponentialCompute>(p.number("mean"));
           }},
          {"shifted_exponential", "`shift` + exponential with mean `excess_mean` (straggler model of Lee et al. 2018)",
           compute_params({ParamSpec::number("shift", "minimum seconds per step").at_least(0).defaults_to(0.01),
                           positive_seconds("excess_mean", "mean seconds above the shift", 0.002)}),
           [](const Params& p, const BuildContext&) -> std::unique_ptr<ComputeModel> {
             return std::make_unique<ShiftedExponentialCompute>(p.number("shift"), p.number("excess_mean"));
           }},
          {"lognormal", "log-normal with mean `mean` and log-scale `sigma` (exp(N(log mean - sigma^2/2, sigma^2)))",
           compute_params({positive_seconds("mean", "mean seconds per step", 0.01),
                           ParamSpec::number("sigma", "standard deviation of log(step time)").at_least(0).defaults_to(0.5)}),
           [](const Params& p, const BuildContext&) -> std::unique_ptr<ComputeModel> {
             return std::make_unique<LognormalCompute>(p.number("mean"), p.number("sigma"));
           }},
          {"pareto", "Pareto with minimum `minimum` and tail index `shape` (heavy-tailed; infinite variance for shape <= 2)",
           compute_params({positive_seconds("minimum", "shortest step, seconds (x_m)", 0.01),
                           // Above 1: a finite mean step time (and no overflow to infinity).
                           ParamSpec::number("shape", "tail index alpha").above(1).defaults_to(3.0)}),
           [](const Params& p, const BuildContext&) -> std::unique_ptr<ComputeModel> {
             return std::make_unique<ParetoCompute>(p.number("minimum"), p.number("shape"));
           }},
          {"bernoulli_straggler", "a step takes `seconds`, or `factor` x `seconds` with probability `probability`",
           compute_params({ParamSpec::number("seconds", "seconds of a normal step").at_least(0).defaults_to(0.01),
                           ParamSpec::number("probability", "chance q that a step straggles")
                               .at_least(0)
                               .at_most(1)
                               .defaults_to(0.05),
                           ParamSpec::number("factor", "a straggling step takes factor x seconds").at_least(1).defaults_to(10.0)}),
           [](const Params& p, const BuildContext&) -> std::unique_ptr<ComputeModel> {
             return std::make_unique<BernoulliStragglerCompute>(p.number("seconds"), p.number("probability"),
                                                               p.number("factor"));
           }},
      }};
  return registry;
}

const Registry<WorkerSlowdowns>& slowdown_registry() {
  static const Registry<WorkerSlowdowns> registry{
      "slowdown",
      "per-worker factors fixed for the run: worker i's every step takes factor_i times the compute model's time",
      {
          {"none", "every worker runs at the compute model's speed (factor 1)", {},
           [](const Params&, const BuildContext& c) -> std::unique_ptr<WorkerSlowdowns> {
             return std::make_unique<WorkerSlowdowns>(no_slowdown(c.workers));
           }},
          {"one_slow", "worker `worker` is `factor` times slower, the others have factor 1",
           {ParamSpec::integer("worker", "the slow worker's id (0-based)").at_least(0).defaults_to(0),
            ParamSpec::number("factor", "its slowdown factor").above(0).defaults_to(2.0)},
           [](const Params& p, const BuildContext& c) -> std::unique_ptr<WorkerSlowdowns> {
             return std::make_unique<WorkerSlowdowns>(
                 one_slow_worker(c.workers, static_cast<int>(p.integer("worker")), p.number("factor")));
           },
           [](const Params& p, const BuildContext& c) {
             if (p.integer("worker") >= c.workers) {
               throw ParamRuleError("worker", fmt::format("must be < workers ({}), got {}", c.workers, p.integer("worker")));
             }
           }},
          {"list", "worker i has factor `factors`[i]",
           {ParamSpec::number_list("factors", "one slowdown factor per worker").above(0)},
           [](const Params& p, const BuildContext&) -> std::unique_ptr<WorkerSlowdowns> {
             return std::make_unique<WorkerSlowdowns>(WorkerSlowdowns{p.numbers("factors")});
           },
           [](const Params& p, const BuildContext& c) {
             const std::size_t given = p.numbers("factors").size();
             if (given != static_cast<std::size_t>(c.workers)) {
               throw ParamRuleError("factors", fmt::format("must have one factor per worker ({} items), got {}",
                                                           c.workers, given));
             }
           },
           Json{{"type", "list"}, {"factors", {1.0, 2.5}}}},
          {"uniform", "each worker's factor drawn once, uniform in [low, high) (its own stream per seed and worker)",
           {ParamSpec::number("low", "smallest factor").above(0).defaults_to(1.0),
            ParamSpec::number("high", "largest factor").above(0).defaults_to(2.0)},
           [](const Params& p, const BuildContext& c) -> std::unique_ptr<WorkerSlowdowns> {
             return std::make_unique<WorkerSlowdowns>(
                 uniform_slowdowns(c.workers, p.number("low"), p.number("high"), c.seed));
           },
           [](const Params& p, const BuildContext&) {
             if (p.number("high") < p.number("low")) {
               throw ParamRuleError("high", fmt::format("must be >= low ({}), got {}", p.number("low"), p.number("high")));
             }
           }},
          {"lognormal", "each worker's factor drawn once, exp(sigma Z - sigma^2/2): mean 1 (its own stream per seed and worker)",
           {ParamSpec::number("sigma", "standard deviation of log(factor)").at_least(0).defaults_to(0.5)},
           [](const Params& p, const BuildContext& c) -> std::unique_ptr<WorkerSlowdowns> {
             return std::make_unique<WorkerSlowdowns>(lognormal_slowdowns(c.workers, p.number("sigma"), c.seed));
           }},
      }};
  return registry;
}

const Registry<NetworkModel>& network_registry() {
  static const Registry<NetworkModel> registry{
      "network",
      "virtual seconds one average (all-reduce of d values among p workers) takes; S = d * bytes_per_value",
      {
          {"constant", "every average takes `seconds`",
           {ParamSpec::number("seconds", "seconds per average").at_least(0).defaults_to(0.0)},
           [](const Params& p, const BuildContext&) -> std::unique_ptr<NetworkModel> {
             return std::make_unique<ConstantNetwork>(p.number("seconds"));
           }},
          link_model<RingAllReduce>("ring", "ring all-reduce: 2(p-1) latency + 2((p-1)/p) S / bandwidth"),
          link_model<TreeAllReduce>("tree",
                                    "binomial-tree reduce + broadcast: 2 ceil(log2 p) (latency + S / bandwidth)"),
          link_model<RecursiveDoublingAllReduce>(
              "recursive_doubling",
              "pairwise exchange: log2 p (latency + S / bandwidth); (floor(log2 p) + 2)(...) if p is not a power of 2"),
          link_model<ParameterServer>("parameter_server",
                                      "push and pull through one server link: 2 (latency + p S / bandwidth)"),
      }};
  return registry;
}

}  // namespace localsgd
