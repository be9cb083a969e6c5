#pragma once
// How the workers' results reach the server (docs/algorithms.md, "Asynchronous coordination";
// DESIGN.md §5.4). `barrier` is the synchronous round of algorithms/round/pipeline.hpp (every
// version 1 run); the asynchronous kinds have no barrier: each worker pulls the server model
// (version v), runs τ local steps on the virtual clock and pushes its model; the server applies
// each push on arrival (sim/async_engine.hpp).
//   fedasync  Xie, Koyejo & Gupta, "Asynchronous federated optimization", OPT 2020 (arXiv
//             1903.03934), Algorithm 1: x ← (1 − α_t) x + α_t y, α_t = α · s(t − τ), t the server
//             version and τ the version the worker pulled, so t − τ is the push's staleness.
//   fedbuff   Nguyen et al., "Federated learning with buffered asynchronous aggregation", AISTATS
//             2022, Algorithm 1: the server buffers K pushes Δ_i = x_{v_i} − y_i (each scaled by
//             s(staleness)), then takes the round's server step (algorithms/round/server_step.hpp)
//             on their mean: x ← x − η_g·outer(Δ̄). With K = 1 this is delta-based asynchronous
//             local SGD.
#include <string_view>

#include "algorithms/round/pipeline.hpp"

namespace localsgd::round {

enum class CoordinationKind { barrier, fedasync, fedbuff };

// The staleness function s of Xie et al. (their Section 5.2, the three they evaluate):
//   constant    s = 1
//   polynomial  s(k) = (1 + k)^(−a)                       (FedBuff's experiments: a = 1/2)
//   hinge       s(k) = 1 if k ≤ b, else 1 / (a (k − b) + 1)
enum class StalenessKind { constant, polynomial, hinge };

struct StalenessOptions {
  StalenessKind kind = StalenessKind::constant;
  double a = 0.5;  // polynomial's exponent, hinge's slope (> 0)
  double b = 4;    // hinge's free staleness (>= 0)
};

// s(staleness) for staleness >= 0: in (0, 1], exactly 1 at staleness 0 (and for constant).
double staleness_weight(const StalenessOptions& options, long staleness);

struct CoordinationOptions {
  CoordinationKind kind = CoordinationKind::barrier;
  double mixing = 0.6;  // fedasync: α in (0, 1] (Xie et al.'s experiments use 0.6)
  int buffer = 1;       // fedbuff: K pushes per server step (1 <= K <= p)
  StalenessOptions staleness;

  bool asynchronous() const { return kind != CoordinationKind::barrier; }
};

std::string_view coordination_name(CoordinationKind kind);

// The rules of an asynchronous run, so that the engine never meets a combination it does not
// define: mixing in (0, 1], 1 <= K <= p, τ >= 1, staleness parameters (a > 0, b >= 0); participation
// full or available; local work from the schedule; correction none or fedprox; uniform
// aggregation; a server step only with fedbuff. Throws std::invalid_argument naming the rule.
void check_async_pipeline(const Pipeline& pipeline, const CoordinationOptions& coordination, int workers,
                          long local_steps);

}  // namespace localsgd::round
