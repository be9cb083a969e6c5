// How the workers' results reach the server (algorithms/round/coordination.hpp): the run-level key
// `coordination`. `barrier` is the synchronous round (every run before this key existed); `fedasync`
// and `fedbuff` run the asynchronous engine (sim/async_engine.hpp). The rules that involve the run
// (K <= p) are checked here; those that involve other keys (the schedule, the round's policies,
// the trace) in experiments/spec/round_spec.cpp, so that no spec that validates is refused by
// the engine.
#include <fmt/format.h>

#include <cstdint>
#include <memory>

#include "experiments/catalog/catalog.hpp"

namespace localsgd {

namespace {

using round::CoordinationKind;
using round::CoordinationOptions;
using round::StalenessKind;

struct BarrierOptions {
  static void fields(auto&) {}
};

// The staleness function s(k) of Xie et al. (Section 5.2), shared by both asynchronous types.
// Its parameters apply only to the functions that use them: `a` to polynomial and hinge (with
// their own defaults), `b` to hinge.
struct StalenessParams {
  StalenessKind staleness{};
  double a{};
  double b{};
  static void fields(auto& f) {
    f.choice("staleness", &StalenessParams::staleness,
             {{"constant", StalenessKind::constant},
              {"polynomial", StalenessKind::polynomial},
              {"hinge", StalenessKind::hinge}})
        .defaults_to("constant")
        .doc("s(k) of a push of staleness k: constant 1, polynomial (1 + k)^-a, hinge 1 if k <= b else 1 / (a (k - "
             "b) + 1)");
    f.number("a", &StalenessParams::a)
        .greater_than(0)
        .defaults_to(0.5)
        .when("staleness", {"polynomial"})
        .doc("a: the exponent of polynomial staleness");
    f.number("a", &StalenessParams::a)
        .greater_than(0)
        .defaults_to(10.0)
        .when("staleness", {"hinge"})
        .doc("a: the slope of hinge staleness");
    f.number("b", &StalenessParams::b)
        .at_least(0)
        .defaults_to(4.0)
        .when("staleness", {"hinge"})
        .doc("b: the staleness hinge tolerates at full weight");
  }
  round::StalenessOptions options() const {
    round::StalenessOptions out;
    out.kind = staleness;
    if (staleness != StalenessKind::constant) out.a = a;
    if (staleness == StalenessKind::hinge) out.b = b;
    return out;
  }
};

struct FedAsyncOptions : StalenessParams {
  double mixing{};
  static void fields(auto& f) {
    f.number("mixing", &FedAsyncOptions::mixing)
        .greater_than(0)
        .at_most(1)
        .defaults_to(0.6)
        .doc("alpha: the weight of a fresh push, x <- (1 - alpha s(k)) x + alpha s(k) y");
    StalenessParams::fields(f);
  }
};

struct FedBuffOptions : StalenessParams {
  std::int64_t buffer{};
  static void fields(auto& f) {
    f.integer("buffer", &FedBuffOptions::buffer).at_least(1).doc("K: pushes buffered per server step (<= workers)");
    StalenessParams::fields(f);
  }
};

std::shared_ptr<CoordinationOptions> coordination_of(CoordinationKind kind) {
  auto out = std::make_shared<CoordinationOptions>();
  out->kind = kind;
  return out;
}

}  // namespace

const Registry<CoordinationOptions>& coordination_registry() {
  static const Registry<CoordinationOptions> registry{
      "coordination",
      "how the workers' models reach the server: at a barrier each round, or asynchronously (each worker pulls the "
      "server model, runs tau local steps and pushes; no barrier)",
      {
          bound_entry<BarrierOptions, CoordinationOptions>(
              "barrier",
              "every worker waits for the round's average (LUPA-SGD, the paper's Algorithm 1; the round's policies "
              "apply)",
              [](const BarrierOptions&, const BuildContext&) { return coordination_of(CoordinationKind::barrier); }),
          bound_entry<FedAsyncOptions, CoordinationOptions>(
              "fedasync",
              "FedAsync (Xie, Koyejo & Gupta 2019, arXiv 1903.03934, Alg. 1): each push y of staleness k is mixed in "
              "on arrival, x <- (1 - alpha_k) x + alpha_k y, alpha_k = mixing s(k)",
              [](const FedAsyncOptions& o, const BuildContext&) {
                auto out = coordination_of(CoordinationKind::fedasync);
                out->mixing = o.mixing;
                out->staleness = o.options();
                return out;
              }),
          bound_entry<FedBuffOptions, CoordinationOptions>(
              "fedbuff",
              "FedBuff (Nguyen et al., AISTATS 2022, Alg. 1): the server buffers K pushes Delta_i = s(k_i) (x_pulled - "
              "y_i) and then takes the round's server step on their mean, x <- x - eta_g outer(mean Delta); K = 1 is "
              "asynchronous local SGD",
              [](const FedBuffOptions& o, const BuildContext&) {
                auto out = coordination_of(CoordinationKind::fedbuff);
                out->buffer = static_cast<int>(o.buffer);
                out->staleness = o.options();
                return out;
              },
              [](const FedBuffOptions& o, const BuildContext& context) {
                if (o.buffer > context.workers) {
                  throw ParamRuleError("buffer", fmt::format("must be <= workers ({}), got {}: the server waits for K "
                                                             "pushes, and each worker has one job in flight",
                                                             context.workers, o.buffer));
                }
              },
              Json{{"type", "fedbuff"}, {"buffer", 1}}),
      }};
  return registry;
}

}  // namespace localsgd
