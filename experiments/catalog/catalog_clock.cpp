// Clock models (`clock.compute.type`, `clock.slowdown.type`, `clock.network.type`); docs/clock.md
// gives the formulas and their sources. Each type: an options struct whose `fields` bind its
// parameters, a builder from the typed options and, for rules that involve the run, a cross-check.
#include <fmt/format.h>

#include "experiments/catalog/catalog.hpp"

namespace localsgd {

namespace {

// --- compute ---------------------------------------------------------------------------------

// Every compute type also takes `per_sample`, declared last: step time = slowdown_i · (draw +
// per_sample · B). The engine applies it (sim/compute_models.hpp's ScaledCompute), so the
// builders below ignore it.
void per_sample_field(auto& f, auto member) {
  f.number("per_sample", member)
      .at_least(0)
      .defaults_to(0.0)
      .doc("seconds per sample of the mini-batch, added to every step (x B)");
}

void positive_seconds(auto& f, const char* name, auto member, const char* help, double fallback) {
  f.number(name, member).greater_than(0).defaults_to(fallback).doc(help);
}

struct ConstantComputeOptions {
  double seconds{};
  double per_sample{};
  static void fields(auto& f) {
    f.number("seconds", &ConstantComputeOptions::seconds).at_least(0).defaults_to(0.01).doc("seconds per local step");
    per_sample_field(f, &ConstantComputeOptions::per_sample);
  }
};

struct ExponentialComputeOptions {
  double mean{};
  double per_sample{};
  static void fields(auto& f) {
    positive_seconds(f, "mean", &ExponentialComputeOptions::mean, "mean seconds per step", 0.01);
    per_sample_field(f, &ExponentialComputeOptions::per_sample);
  }
};

struct ShiftedExponentialComputeOptions {
  double shift{};
  double excess_mean{};
  double per_sample{};
  static void fields(auto& f) {
    f.number("shift", &ShiftedExponentialComputeOptions::shift)
        .at_least(0)
        .defaults_to(0.01)
        .doc("minimum seconds per step");
    positive_seconds(f, "excess_mean", &ShiftedExponentialComputeOptions::excess_mean, "mean seconds above the shift",
                     0.002);
    per_sample_field(f, &ShiftedExponentialComputeOptions::per_sample);
  }
};

struct LognormalComputeOptions {
  double mean{};
  double sigma{};
  double per_sample{};
  static void fields(auto& f) {
    positive_seconds(f, "mean", &LognormalComputeOptions::mean, "mean seconds per step", 0.01);
    f.number("sigma", &LognormalComputeOptions::sigma)
        .at_least(0)
        .defaults_to(0.5)
        .doc("standard deviation of log(step time)");
    per_sample_field(f, &LognormalComputeOptions::per_sample);
  }
};

struct ParetoComputeOptions {
  double minimum{};
  double shape{};
  double per_sample{};
  static void fields(auto& f) {
    positive_seconds(f, "minimum", &ParetoComputeOptions::minimum, "shortest step, seconds (x_m)", 0.01);
    // Above 1: a finite mean step time (and no overflow to infinity).
    f.number("shape", &ParetoComputeOptions::shape).greater_than(1).defaults_to(3.0).doc("tail index alpha");
    per_sample_field(f, &ParetoComputeOptions::per_sample);
  }
};

struct BernoulliStragglerOptions {
  double seconds{};
  double probability{};
  double factor{};
  double per_sample{};
  static void fields(auto& f) {
    f.number("seconds", &BernoulliStragglerOptions::seconds)
        .at_least(0)
        .defaults_to(0.01)
        .doc("seconds of a normal step");
    f.number("probability", &BernoulliStragglerOptions::probability)
        .at_least(0)
        .at_most(1)
        .defaults_to(0.05)
        .doc("chance q that a step straggles");
    f.number("factor", &BernoulliStragglerOptions::factor)
        .at_least(1)
        .defaults_to(10.0)
        .doc("a straggling step takes factor x seconds");
    per_sample_field(f, &BernoulliStragglerOptions::per_sample);
  }
};

template <class Options, class Build>
TypeEntry<ComputeModel> compute(std::string name, std::string help, Build build) {
  return bound_entry<Options, ComputeModel>(std::move(name), std::move(help), build);
}

using ComputePtr = std::unique_ptr<ComputeModel>;

}  // namespace

const Registry<ComputeModel>& compute_registry() {
  static const Registry<ComputeModel> registry{
      "compute",
      "virtual seconds of one local step: slowdown_i * (a draw of the type below + per_sample * B)",
      {
          compute<ConstantComputeOptions>("constant", "every step takes `seconds`",
                                          [](const ConstantComputeOptions& o, const BuildContext&) -> ComputePtr {
                                            return std::make_unique<ConstantCompute>(o.seconds);
                                          }),
          compute<ExponentialComputeOptions>("exponential", "exponential with mean `mean` (variance mean^2)",
                                             [](const ExponentialComputeOptions& o, const BuildContext&) -> ComputePtr {
                                               return std::make_unique<ExponentialCompute>(o.mean);
                                             }),
          compute<ShiftedExponentialComputeOptions>(
              "shifted_exponential", "`shift` + exponential with mean `excess_mean` (straggler model of Lee et al. 2018)",
              [](const ShiftedExponentialComputeOptions& o, const BuildContext&) -> ComputePtr {
                return std::make_unique<ShiftedExponentialCompute>(o.shift, o.excess_mean);
              }),
          compute<LognormalComputeOptions>(
              "lognormal", "log-normal with mean `mean` and log-scale `sigma` (exp(N(log mean - sigma^2/2, sigma^2)))",
              [](const LognormalComputeOptions& o, const BuildContext&) -> ComputePtr {
                return std::make_unique<LognormalCompute>(o.mean, o.sigma);
              }),
          compute<ParetoComputeOptions>(
              "pareto", "Pareto with minimum `minimum` and tail index `shape` (heavy-tailed; infinite variance for shape <= 2)",
              [](const ParetoComputeOptions& o, const BuildContext&) -> ComputePtr {
                return std::make_unique<ParetoCompute>(o.minimum, o.shape);
              }),
          compute<BernoulliStragglerOptions>(
              "bernoulli_straggler", "a step takes `seconds`, or `factor` x `seconds` with probability `probability`",
              [](const BernoulliStragglerOptions& o, const BuildContext&) -> ComputePtr {
                return std::make_unique<BernoulliStragglerCompute>(o.seconds, o.probability, o.factor);
              }),
      }};
  return registry;
}

namespace {

// --- slowdown --------------------------------------------------------------------------------

using SlowdownPtr = std::unique_ptr<WorkerSlowdowns>;

struct NoSlowdownOptions {
  static void fields(auto&) {}
};

struct OneSlowOptions {
  std::int64_t worker{};
  double factor{};
  static void fields(auto& f) {
    f.integer("worker", &OneSlowOptions::worker).at_least(0).defaults_to(0).doc("the slow worker's id (0-based)");
    f.number("factor", &OneSlowOptions::factor).greater_than(0).defaults_to(2.0).doc("its slowdown factor");
  }
};

struct ListSlowdownOptions {
  std::vector<double> factors;
  static void fields(auto& f) {
    f.number_list("factors", &ListSlowdownOptions::factors).greater_than(0).doc("one slowdown factor per worker");
  }
};

struct UniformSlowdownOptions {
  double low{};
  double high{};
  static void fields(auto& f) {
    f.number("low", &UniformSlowdownOptions::low).greater_than(0).defaults_to(1.0).doc("smallest factor");
    f.number("high", &UniformSlowdownOptions::high).greater_than(0).defaults_to(2.0).doc("largest factor");
  }
};

struct LognormalSlowdownOptions {
  double sigma{};
  static void fields(auto& f) {
    f.number("sigma", &LognormalSlowdownOptions::sigma)
        .at_least(0)
        .defaults_to(0.5)
        .doc("standard deviation of log(factor)");
  }
};

template <class Options, class Build, class Check = std::nullptr_t>
TypeEntry<WorkerSlowdowns> slowdown(std::string name, std::string help, Build build, Check check = nullptr,
                                    Json example = nullptr) {
  return bound_entry<Options, WorkerSlowdowns>(std::move(name), std::move(help), build, check, std::move(example));
}

}  // namespace

const Registry<WorkerSlowdowns>& slowdown_registry() {
  static const Registry<WorkerSlowdowns> registry{
      "slowdown",
      "per-worker factors fixed for the run: worker i's every step takes factor_i times the compute model's time",
      {
          slowdown<NoSlowdownOptions>("none", "every worker runs at the compute model's speed (factor 1)",
                                      [](const NoSlowdownOptions&, const BuildContext& c) -> SlowdownPtr {
                                        return std::make_unique<WorkerSlowdowns>(no_slowdown(c.workers));
                                      }),
          slowdown<OneSlowOptions>(
              "one_slow", "worker `worker` is `factor` times slower, the others have factor 1",
              [](const OneSlowOptions& o, const BuildContext& c) -> SlowdownPtr {
                return std::make_unique<WorkerSlowdowns>(one_slow_worker(c.workers, static_cast<int>(o.worker), o.factor));
              },
              [](const OneSlowOptions& o, const BuildContext& c) {
                if (o.worker >= c.workers) {
                  throw ParamRuleError("worker", fmt::format("must be < workers ({}), got {}", c.workers, o.worker));
                }
              }),
          slowdown<ListSlowdownOptions>(
              "list", "worker i has factor `factors`[i]",
              [](const ListSlowdownOptions& o, const BuildContext&) -> SlowdownPtr {
                return std::make_unique<WorkerSlowdowns>(WorkerSlowdowns{o.factors});
              },
              [](const ListSlowdownOptions& o, const BuildContext& c) {
                if (o.factors.size() != static_cast<std::size_t>(c.workers)) {
                  throw ParamRuleError("factors", fmt::format("must have one factor per worker ({} items), got {}",
                                                              c.workers, o.factors.size()));
                }
              },
              Json{{"type", "list"}, {"factors", {1.0, 2.5}}}),
          slowdown<UniformSlowdownOptions>(
              "uniform", "each worker's factor drawn once, uniform in [low, high) (its own stream per seed and worker)",
              [](const UniformSlowdownOptions& o, const BuildContext& c) -> SlowdownPtr {
                return std::make_unique<WorkerSlowdowns>(uniform_slowdowns(c.workers, o.low, o.high, c.seed));
              },
              [](const UniformSlowdownOptions& o, const BuildContext&) {
                if (o.high < o.low) {
                  throw ParamRuleError("high", fmt::format("must be >= low ({}), got {}", o.low, o.high));
                }
              }),
          slowdown<LognormalSlowdownOptions>(
              "lognormal", "each worker's factor drawn once, exp(sigma Z - sigma^2/2): mean 1 (its own stream per seed and worker)",
              [](const LognormalSlowdownOptions& o, const BuildContext& c) -> SlowdownPtr {
                return std::make_unique<WorkerSlowdowns>(lognormal_slowdowns(c.workers, o.sigma, c.seed));
              }),
      }};
  return registry;
}

namespace {

// --- network ---------------------------------------------------------------------------------

struct ConstantNetworkOptions {
  double seconds{};
  static void fields(auto& f) {
    f.number("seconds", &ConstantNetworkOptions::seconds).at_least(0).defaults_to(0.0).doc("seconds per average");
  }
};

// The alpha-beta link every collective below is priced with.
struct LinkOptions {
  double latency{};
  double bandwidth{};
  double bytes_per_value{};
  static void fields(auto& f) {
    f.number("latency", &LinkOptions::latency).at_least(0).defaults_to(5e-5).doc("seconds per message (alpha)");
    f.number("bandwidth", &LinkOptions::bandwidth).greater_than(0).defaults_to(1.25e9).doc("bytes per second of one link (beta)");
    f.number("bytes_per_value", &LinkOptions::bytes_per_value).greater_than(0).defaults_to(8).doc("bytes sent per model coordinate");
  }
};

template <class Model>
TypeEntry<NetworkModel> link_model(std::string name, std::string help) {
  return bound_entry<LinkOptions, NetworkModel>(std::move(name), std::move(help),
                                                [](const LinkOptions& o, const BuildContext&) -> std::unique_ptr<NetworkModel> {
                                                  return std::make_unique<Model>(
                                                      LinkParameters{o.latency, o.bandwidth, o.bytes_per_value});
                                                });
}

}  // namespace

const Registry<NetworkModel>& network_registry() {
  static const Registry<NetworkModel> registry{
      "network",
      "virtual seconds one average (all-reduce of d values among p workers) takes; S = d * bytes_per_value",
      {
          bound_entry<ConstantNetworkOptions, NetworkModel>(
              "constant", "every average takes `seconds`",
              [](const ConstantNetworkOptions& o, const BuildContext&) -> std::unique_ptr<NetworkModel> {
                return std::make_unique<ConstantNetwork>(o.seconds);
              }),
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
