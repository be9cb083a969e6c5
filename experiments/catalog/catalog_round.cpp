// The round's policies a spec can choose (algorithms/round/pipeline.hpp; docs/algorithms.md, "The
// round"): `participation`, `local_work`, `correction`, `aggregation` and `server`. Each type: an
// options struct whose `fields` bind its parameters, a builder that fills the family's options and,
// for rules that involve the run (K <= p, one value per worker), a cross-check. The rules here are
// the engine's (sim/engine.cpp throws std::invalid_argument for the same cases), so that a spec
// breaking one is refused with its JSON path before anything runs. Each help line gives the
// update and its source; `localsgd explain` prints it next to the parameters.
#include <fmt/format.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "experiments/catalog/catalog.hpp"

namespace localsgd {

namespace {

using round::AggregationKind;
using round::CorrectionKind;
using round::CorrectionOptions;
using round::LocalWorkKind;
using round::LocalWorkOptions;
using round::ParticipationKind;
using round::ParticipationOptions;
using round::ServerKind;
using round::ServerOptions;

struct NoOptions {
  static void fields(auto&) {}
};

template <class Product, class Options, class Build, class Check = std::nullptr_t>
TypeEntry<Product> entry(std::string name, std::string help, Build build, Check check = nullptr, Json example = nullptr) {
  return bound_entry<Options, Product>(std::move(name), std::move(help), build, check, std::move(example));
}

// A type without parameters whose product is `value`.
template <class Product>
TypeEntry<Product> constant_entry(std::string name, std::string help, Product value) {
  return entry<Product, NoOptions>(std::move(name), std::move(help),
                                   [value](const NoOptions&, const BuildContext&) { return std::make_shared<Product>(value); });
}

// --- participation ---------------------------------------------------------------------------

struct ClientsOptions {
  std::int64_t clients{};
  static void fields(auto& f) {
    f.integer("clients", &ClientsOptions::clients).at_least(1).doc("K: workers taking part in each round (<= workers)");
  }
};

void clients_at_most_workers(const ClientsOptions& o, const BuildContext& context) {
  if (o.clients > context.workers) {
    throw ParamRuleError("clients", fmt::format("must be <= workers ({}), got {}", context.workers, o.clients));
  }
}

struct AvailableOptions {
  std::vector<double> probability;
  std::int64_t period_rounds{};
  double amplitude{};
  static void fields(auto& f) {
    f.number_or_list("probability", &AvailableOptions::probability)
        .at_least(0)
        .at_most(1)
        .doc("q_i: one probability for every worker, or a list with one per worker");
    f.integer("period_rounds", &AvailableOptions::period_rounds)
        .at_least(0)
        .defaults_to(0)
        .doc("rounds in a day of the diurnal pattern (0: i.i.d. presence)");
    f.number("amplitude", &AvailableOptions::amplitude)
        .at_least(0)
        .defaults_to(0.0)
        .doc("swing of q_i(r) over the day (only with period_rounds > 0)");
  }
};

// On the raw values: a single number and a list of one are both one value, but only the number
// means "every worker".
void check_available(const Params& p, const BuildContext& context) {
  const Json& probability = p.json().at("probability");
  if (probability.is_array() && probability.size() != static_cast<std::size_t>(context.workers)) {
    throw ParamRuleError("probability", fmt::format("must have one value per worker ({}), got {}; give a single number "
                                                    "for the same probability for every worker",
                                                    context.workers, probability.size()));
  }
  if (p.number("amplitude") != 0 && p.integer("period_rounds") == 0) {
    throw ParamRuleError("amplitude", "applies only with period_rounds > 0 (a day of that many rounds); with "
                                      "period_rounds = 0 presence is i.i.d.");
  }
}

struct DeadlineOptions {
  double seconds{};
  bool keep_partial = false;
  static void fields(auto& f) {
    f.number("seconds", &DeadlineOptions::seconds)
        .greater_than(0)
        .doc("D: virtual seconds after the round's start at which the server stops waiting");
    f.boolean("keep_partial", &DeadlineOptions::keep_partial)
        .defaults_to(false)
        .doc("a late worker contributes the steps it finished by D (else it is dropped)");
  }
};

ParticipationOptions participation_of(ParticipationKind kind) {
  ParticipationOptions o;
  o.kind = kind;
  return o;
}

std::shared_ptr<ParticipationOptions> drawn(ParticipationKind kind, const ClientsOptions& o) {
  auto out = std::make_shared<ParticipationOptions>(participation_of(kind));
  out->clients = static_cast<int>(o.clients);
  return out;
}

TypeEntry<ParticipationOptions> available_entry() {
  auto e = entry<ParticipationOptions, AvailableOptions>(
      "available",
      "worker i takes part with probability q_i(r) = clamp(q_i + amplitude sin(2 pi (r / period_rounds + i / p)), 0, "
      "1), independently each round (i.i.d. when period_rounds = 0; a diurnal day with each worker's phase i/p)",
      [](const AvailableOptions& o, const BuildContext&) {
        auto out = std::make_shared<ParticipationOptions>(participation_of(ParticipationKind::available));
        out->probability = o.probability;
        out->period_rounds = o.period_rounds;
        out->amplitude = o.amplitude;
        return out;
      },
      nullptr, Json{{"type", "available"}, {"probability", 0.5}});
  e.check = check_available;
  return e;
}

// --- local work ------------------------------------------------------------------------------

struct PerWorkerOptions {
  std::vector<long> steps;
  static void fields(auto& f) {
    f.integer_list("steps", &PerWorkerOptions::steps)
        .at_least(1)
        .doc("tau_i: local steps of each worker per round (one per worker; at most the schedule's period)");
  }
};

struct RandomWorkOptions {
  std::int64_t min_steps{};
  static void fields(auto& f) {
    f.integer("min_steps", &RandomWorkOptions::min_steps).at_least(1).defaults_to(1).doc("fewest local steps in a round");
  }
};

struct SecondsOptions {
  double seconds{};
  static void fields(auto& f) {
    f.number("seconds", &SecondsOptions::seconds).greater_than(0).doc("virtual seconds of local work per round");
  }
};

LocalWorkOptions local_work_of(LocalWorkKind kind) {
  LocalWorkOptions o;
  o.kind = kind;
  return o;
}

// --- corrections -----------------------------------------------------------------------------

struct ProxOptions {
  double mu{};
  static void fields(auto& f) {
    f.number("mu", &ProxOptions::mu).at_least(0).doc("mu: weight of the proximal term (mu/2)|y - x_r|^2 (0: FedAvg)");
  }
};

// --- server steps ----------------------------------------------------------------------------

void learning_rate_field(auto& f, auto member, std::optional<double> fallback) {
  auto& spec = f.number("learning_rate", member).greater_than(0).doc("eta_g: the server's step on Delta_r");
  if (fallback) spec.defaults_to(*fallback);
}

struct ServerSgdOptions {
  double learning_rate{};
  static void fields(auto& f) { learning_rate_field(f, &ServerSgdOptions::learning_rate, std::nullopt); }
};

struct ServerMomentumOptions {
  double learning_rate{};
  double momentum{};
  static void fields(auto& f) {
    learning_rate_field(f, &ServerMomentumOptions::learning_rate, 1.0);
    f.number("momentum", &ServerMomentumOptions::momentum)
        .at_least(0)
        .less_than(1)
        .doc("beta: the outer momentum (0: server SGD)");
  }
};

struct FedOptOptions {
  double learning_rate{};
  double beta1{};
  double beta2{};
  double epsilon{};
  static void fields(auto& f) {
    learning_rate_field(f, &FedOptOptions::learning_rate, std::nullopt);
    f.number("beta1", &FedOptOptions::beta1).at_least(0).less_than(1).defaults_to(0.9).doc("first-moment decay");
    f.number("beta2", &FedOptOptions::beta2).at_least(0).less_than(1).defaults_to(0.99).doc("second-moment decay");
    f.number("epsilon", &FedOptOptions::epsilon)
        .greater_than(0)
        .defaults_to(1e-3)
        .doc("tau: the adaptivity, added to sqrt(v); v starts at tau^2");
  }
};

// FedAdagrad has no second-moment decay: v accumulates.
struct FedAdagradOptions {
  double learning_rate{};
  double beta1{};
  double epsilon{};
  static void fields(auto& f) {
    learning_rate_field(f, &FedAdagradOptions::learning_rate, std::nullopt);
    f.number("beta1", &FedAdagradOptions::beta1).at_least(0).less_than(1).defaults_to(0.9).doc("first-moment decay");
    f.number("epsilon", &FedAdagradOptions::epsilon)
        .greater_than(0)
        .defaults_to(1e-3)
        .doc("tau: the adaptivity, added to sqrt(v); v starts at tau^2");
  }
};

std::shared_ptr<ServerOptions> server_of(ServerKind kind, double learning_rate, double momentum = 0) {
  auto out = std::make_shared<ServerOptions>();
  out->kind = kind;
  out->learning_rate = learning_rate;
  out->momentum = momentum;
  return out;
}

template <class Options>
TypeEntry<ServerOptions> fedopt(const std::string& name, std::string help, ServerKind kind) {
  return entry<ServerOptions, Options>(
      name, std::move(help),
      [kind](const Options& o, const BuildContext&) {
        auto out = server_of(kind, o.learning_rate);
        out->beta1 = o.beta1;
        if constexpr (requires { o.beta2; }) out->beta2 = o.beta2;
        out->epsilon = o.epsilon;
        return out;
      },
      nullptr, Json{{"type", name}, {"learning_rate", 0.1}});
}

}  // namespace

const Registry<ParticipationOptions>& participation_registry() {
  static const Registry<ParticipationOptions> registry{
      "participation",
      "which workers take part in a round; the others keep the server model and wait",
      {
          constant_entry("full", "every worker, every round (LUPA-SGD, the paper's Algorithm 1)",
                         participation_of(ParticipationKind::full)),
          entry<ParticipationOptions, ClientsOptions>(
              "uniform",
              "K = clients of the p workers, uniformly without replacement each round (Li et al., ICLR 2020, scheme "
              "II); K = p is full",
              [](const ClientsOptions& o, const BuildContext&) { return drawn(ParticipationKind::uniform, o); },
              clients_at_most_workers),
          entry<ParticipationOptions, ClientsOptions>(
              "weighted",
              "K = clients draws with replacement, worker i with probability n_i / n; one drawn m times weighs m / K "
              "(Li et al., ICLR 2020, scheme I); needs aggregation uniform",
              [](const ClientsOptions& o, const BuildContext&) { return drawn(ParticipationKind::weighted, o); },
              clients_at_most_workers),
          available_entry(),
          entry<ParticipationOptions, DeadlineOptions>(
              "deadline",
              "everyone starts; a worker not done D = seconds after the round starts is dropped (its finished steps "
              "are dropped work) or, with keep_partial, contributes the steps it finished (FedProx's partial work, Li "
              "et al., MLSys 2020)",
              [](const DeadlineOptions& o, const BuildContext&) {
                auto out = std::make_shared<ParticipationOptions>(participation_of(ParticipationKind::deadline));
                out->deadline_seconds = o.seconds;
                out->keep_partial = o.keep_partial;
                return out;
              }),
      }};
  return registry;
}

const Registry<LocalWorkOptions>& local_work_registry() {
  static const Registry<LocalWorkOptions> registry{
      "local_work",
      "how many local steps tau_i each participant takes in a round (never more than the schedule's period tau_r)",
      {
          constant_entry("schedule", "tau_i = tau_r, the schedule's period (LUPA-SGD)",
                         local_work_of(LocalWorkKind::schedule)),
          entry<LocalWorkOptions, PerWorkerOptions>(
              "per_worker",
              "tau_i = min(steps[i], tau_r): fixed unequal local work (the setting of FedNova, Wang et al., NeurIPS "
              "2020)",
              [](const PerWorkerOptions& o, const BuildContext&) {
                auto out = std::make_shared<LocalWorkOptions>(local_work_of(LocalWorkKind::per_worker));
                out->steps = o.steps;
                return out;
              },
              [](const PerWorkerOptions& o, const BuildContext& context) {
                if (o.steps.size() != static_cast<std::size_t>(context.workers)) {
                  throw ParamRuleError("steps", fmt::format("must have one count per worker ({}), got {}",
                                                            context.workers, o.steps.size()));
                }
              },
              Json{{"type", "per_worker"}, {"steps", {2, 1}}}),  // for two workers
          entry<LocalWorkOptions, RandomWorkOptions>(
              "random", "tau_i uniform in [min_steps, tau_r], drawn per round and worker (tau_r if min_steps >= tau_r)",
              [](const RandomWorkOptions& o, const BuildContext&) {
                auto out = std::make_shared<LocalWorkOptions>(local_work_of(LocalWorkKind::random));
                out->min_steps = o.min_steps;
                return out;
              }),
          entry<LocalWorkOptions, SecondsOptions>(
              "time_budget",
              "tau_i = the steps worker i's compute model finishes within `seconds` of the round's start (at least 1, "
              "at most tau_r)",
              [](const SecondsOptions& o, const BuildContext&) {
                auto out = std::make_shared<LocalWorkOptions>(local_work_of(LocalWorkKind::time_budget));
                out->seconds = o.seconds;
                return out;
              }),
      }};
  return registry;
}

const Registry<CorrectionOptions>& correction_registry() {
  static const Registry<CorrectionOptions> registry{
      "correction",
      "a term added to every local gradient, against client drift",
      {
          constant_entry("none", "plain local steps", CorrectionOptions{}),
          entry<CorrectionOptions, ProxOptions>(
              "fedprox",
              "FedProx (Li et al., MLSys 2020, eq. (2)): local gradient g_i(y) + mu (y - x_r); mu = 0 is FedAvg",
              [](const ProxOptions& o, const BuildContext&) {
                return std::make_shared<CorrectionOptions>(CorrectionOptions{CorrectionKind::fedprox, o.mu});
              }),
          constant_entry("scaffold",
                         "SCAFFOLD (Karimireddy et al., ICML 2020, Alg. 1, option II): y <- y - eta (g_i(y) - c_i + "
                         "c); c_i+ = c_i - c + (x_r - y_i) / (sum of eta over i's steps); p = 1 is SGD",
                         CorrectionOptions{CorrectionKind::scaffold, 0}),
      }};
  return registry;
}

const Registry<AggregationKind>& aggregation_registry() {
  static const Registry<AggregationKind> registry{
      "aggregation",
      "the weights w_i of the aggregate a_r = x_r + sum_i w_i (y_i - x_r) of the participants' models",
      {
          constant_entry("uniform", "w_i = 1/K: the participants' mean (LUPA-SGD's average when everyone takes part)",
                         AggregationKind::uniform),
          constant_entry("shard_size",
                         "w_i = n_i / sum_S n_j: minimises F = sum_i (n_i/n) F_i also with unequal shards (FedAvg's "
                         "weights, McMahan et al., AISTATS 2017)",
                         AggregationKind::shard_size),
          constant_entry("fednova",
                         "FedNova (Wang et al., NeurIPS 2020, eqs. (7)-(8)): w_i = tau_eff p_i / tau_i, p_i = n_i / "
                         "sum_S n_j, tau_eff = sum_S p_j tau_j; equal tau_i is shard_size (FedAvg)",
                         AggregationKind::fednova),
      }};
  return registry;
}

const Registry<ServerOptions>& server_registry() {
  static const Registry<ServerOptions> registry{
      "server",
      "the server step x_{r+1} = x_r - eta_g outer(Delta_r) on the pseudo-gradient Delta_r = x_r - a_r",
      {
          entry<ServerOptions, NoOptions>("plain", "x_{r+1} = a_r: the average (LUPA-SGD)",
                                          [](const NoOptions&, const BuildContext&) {
                                            return server_of(ServerKind::plain, 1.0);
                                          }),
          entry<ServerOptions, ServerSgdOptions>(
              "sgd", "x_{r+1} = x_r - eta_g Delta_r (FedAvg with a server learning rate, Reddi et al., ICLR 2021, "
                     "Alg. 1); eta_g = 1 is plain",
              [](const ServerSgdOptions& o, const BuildContext&) { return server_of(ServerKind::sgd, o.learning_rate); }),
          entry<ServerOptions, ServerMomentumOptions>(
              "momentum",
              "SlowMo (Wang et al., ICLR 2020, Alg. 1): u = beta u + Delta_r / gamma_r, x_{r+1} = x_r - alpha gamma_r u "
              "(alpha = learning_rate, beta = momentum, gamma_r the round's step size); beta = 0 is server sgd",
              [](const ServerMomentumOptions& o, const BuildContext&) {
                return server_of(ServerKind::momentum, o.learning_rate, o.momentum);
              },
              nullptr, Json{{"type", "momentum"}, {"momentum", 0.5}}),
          entry<ServerOptions, ServerMomentumOptions>(
              "nesterov",
              "DiLoCo's outer step (Douillard et al. 2023, Alg. 1; PyTorch SGD with nesterov): v = mu v + Delta_r, "
              "x_{r+1} = x_r - eta_g (Delta_r + mu v) (mu = momentum)",
              [](const ServerMomentumOptions& o, const BuildContext&) {
                return server_of(ServerKind::nesterov, o.learning_rate, o.momentum);
              },
              nullptr, Json{{"type", "nesterov"}, {"learning_rate", 0.7}, {"momentum", 0.9}}),
          fedopt<FedOptOptions>("adam",
                                "FedAdam (Reddi et al., ICLR 2021, Alg. 2): m = b1 m + (1 - b1) Delta, v = b2 v + (1 - "
                                "b2) Delta^2, x_{r+1} = x_r - eta_g m / (sqrt(v) + epsilon); v starts at epsilon^2",
                                ServerKind::adam),
          fedopt<FedOptOptions>("yogi",
                                "FedYogi (Reddi et al., ICLR 2021, Alg. 2): as adam with v = v - (1 - b2) Delta^2 "
                                "sign(v - Delta^2)",
                                ServerKind::yogi),
          fedopt<FedAdagradOptions>("adagrad",
                                    "FedAdagrad (Reddi et al., ICLR 2021, Alg. 2): as adam with v = v + Delta^2",
                                    ServerKind::adagrad),
      }};
  return registry;
}

}  // namespace localsgd
