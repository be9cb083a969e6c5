#pragma once
// A synchronous round as five policies (docs/design.md "The round as a pipeline"): which workers
// take part, how many local steps each takes and with which correction, the weights that turn
// their models into the pseudo-gradient Δ_r = x_r − a_r, and the server step
// x_{r+1} = x_r − η_g·outer(Δ_r). The clock is the engine's (sim/clock.hpp). Every default
// reproduces LUPA-SGD (the paper's Algorithm 1) bit for bit: all workers, τ steps from the
// schedule, plain SGD, the uniform average installed as the next model.
//
// Notation (also in docs/algorithms.md): round r starts at step t_r from the server model x_r;
// participant i ∈ S_r runs τ_i local steps and ends at y_i; the aggregate is
//   a_r = x_r + Σ_{i∈S_r} w_i (y_i − x_r)
// (for weights summing to one, a_r = Σ w_i y_i, computed as such: the uniform mean is the tree
// sum divided by K, bit for bit LUPA's average when everyone takes part).
#include <cstdint>
#include <vector>

#include "algorithms/compression/compressor.hpp"
#include "algorithms/compression/error_feedback.hpp"
#include "algorithms/topology/topology.hpp"

namespace localsgd::round {

enum class ParticipationKind {
  full,       // every worker, every round
  uniform,    // K of p uniformly without replacement; the aggregation weights are renormalised over
              // the K (with unequal shards and `shard_size` that is the usual, slightly biased FedAvg
              // sampling, not Li et al. 2020's unbiased scheme II with weights N n_i / (K n))
  weighted,   // K draws with replacement, probability ∝ shard size; a worker drawn m times has
              // weight m/K (Li et al. 2020, scheme I: unbiased with the uniform average of the draws)
  available,  // each worker present with probability q_i(r), independently (i.i.d. or diurnal)
  deadline,   // workers not done D virtual seconds after the round starts are dropped or truncated
};

struct ParticipationOptions {
  ParticipationKind kind = ParticipationKind::full;
  int clients = 0;                  // K (uniform, weighted)
  std::vector<double> probability;  // available: q_i, one value for every worker or one per worker
  long period_rounds = 0;           // available: 0 = i.i.d.; else q_i(r) = clamp(q_i + amplitude ·
  double amplitude = 0;             //   sin(2π (r / period + i / p)), 0, 1): a day of `period` rounds,
                                    //   worker i's phase i/p of it (time zones)
  double deadline_seconds = 0;      // deadline: D
  bool keep_partial = false;        // deadline: a late worker contributes the steps it finished by D
                                    // (else it is dropped and its finished steps count as dropped work)
};

enum class LocalWorkKind {
  schedule,     // τ_i = τ_r, the schedule's period
  per_worker,   // τ_i = min(steps[i], τ_r)
  random,       // τ_i uniform in [min_steps, τ_r], drawn per round and worker
  time_budget,  // as many steps as finish within `seconds` of the round's start, from the worker's
                // compute model: at least one (a worker whose first step overruns still takes it,
                // and the round waits for it), at most τ_r
};

struct LocalWorkOptions {
  LocalWorkKind kind = LocalWorkKind::schedule;
  std::vector<long> steps;  // per_worker: one count per worker (>= 1)
  long min_steps = 1;       // random
  double seconds = 0;       // time_budget
};

enum class CorrectionKind {
  none,
  fedprox,   // Li et al., MLSys 2020: local gradient + μ (y − x_r)
  scaffold,  // Karimireddy et al., ICML 2020, Algorithm 1 with option II control variates
};

struct CorrectionOptions {
  CorrectionKind kind = CorrectionKind::none;
  double mu = 0;  // fedprox
};

enum class AggregationKind {
  uniform,     // w_i = m_i / Σ m (m_i: times drawn; 1 unless participation is `weighted`)
  shard_size,  // w_i = n_i / Σ_{j∈S} n_j (n_i: worker i's samples)
  fednova,     // Wang et al., NeurIPS 2020: w_i = τ_eff p_i / τ_i, p_i = n_i / Σ_{j∈S} n_j,
               // τ_eff = Σ_{j∈S} p_j τ_j
};

enum class ServerKind {
  plain,     // x_{r+1} = a_r
  sgd,       // x_{r+1} = x_r − η_g Δ_r (η_g = 1 is `plain`, bit for bit)
  momentum,  // SlowMo (Wang et al., ICLR 2020, Alg. 1): heavy ball on Δ_r
  nesterov,  // DiLoCo's outer step (Douillard et al. 2023): PyTorch SGD(nesterov=True) on Δ_r
  adam,      // FedAdam  (Reddi et al., ICLR 2021, Alg. 2)
  yogi,      // FedYogi
  adagrad,   // FedAdagrad
};

struct ServerOptions {
  ServerKind kind = ServerKind::plain;
  double learning_rate = 1;  // η_g (SlowMo's α)
  double momentum = 0;       // β (SlowMo), μ (Nesterov)
  double beta1 = 0.9;        // FedOpt
  double beta2 = 0.99;       // FedOpt (adam, yogi)
  double epsilon = 1e-3;     // FedOpt's τ: the adaptivity, v starts at τ² (Reddi et al. 2021, Alg. 2)
};

// What a participant sends at a sync (DESIGN.md §5.5): without compression its model, averaged by an
// all-reduce; with it, C applied to its model change Δ_i = y_i − x_r (through the worker's error
// memory), the server adding the decoded messages: a_r = x_r + Σ_{i∈S_r} w_i m̂_i, where m̂_i is
// C(Δ_i) (none), C(Δ_i + e_i) (ef) or g_i + C(Δ_i − g_i) (ef21). The messages travel as an
// all-gather (NetworkModel::allgather_seconds), each of the operator's message_bytes(). The identity
// operator is the uncompressed run, bit for bit (models averaged by all-reduce).
struct CompressionOptions {
  bool enabled = false;  // false: models are averaged exactly (every earlier spec)
  compression::CompressorOptions compressor;
  compression::Feedback feedback = compression::Feedback::none;
};

// Decentralised rounds (DESIGN.md §5.5): no server. Every node runs its τ local steps, then one
// gossip step with its neighbours on the topology, W^(r) = the topology's matrix of round r:
//   dsgd   x_i ← Σ_j w_ij x_j  (D-SGD, Lian et al., NeurIPS 2017; with τ local steps before each
//          gossip step, Koloskova et al., ICML 2020, "decentralised local SGD");
//   choco  CHOCO-SGD (Koloskova, Stich, Jaggi, ICML 2019, Algorithm 2, with τ local steps): every
//          node keeps a public copy x̂_i its neighbours also hold; it sends q_i = Q(x_i − x̂_i), the
//          Q of Pipeline::compression, every holder adds x̂_i ← x̂_i + q_i, and then
//          x_i ← x_i + γ Σ_j w_ij (x̂_j − x̂_i). x̂_i starts at the common x_0 (the paper's 0 when
//          x_0 = 0; every node knows x_0, so this costs no message).
// The run is evaluated at the nodes' mean x̄ = (1/p) Σ x_i, which gossip with a doubly stochastic
// W keeps (to rounding). A node's exchange takes its degree × one message's time
// (NetworkModel::gossip_seconds); the round ends when the busiest node's has.
enum class GossipAlgorithm { dsgd, choco };

std::string_view gossip_algorithm_name(GossipAlgorithm algorithm);

struct GossipOptions {
  bool enabled = false;  // false: a server averages (every earlier spec)
  topology::TopologyOptions topology;
  GossipAlgorithm algorithm = GossipAlgorithm::dsgd;
  double consensus_step = 1;  // CHOCO's γ in (0, 1]
};

struct Pipeline {
  ParticipationOptions participation;
  LocalWorkOptions local_work;
  CorrectionOptions correction;
  AggregationKind aggregation = AggregationKind::uniform;
  ServerOptions server;
  CompressionOptions compression;
  GossipOptions gossip;

  // True when the round is version 1's: everyone, τ_r steps, no correction, uniform average.
  bool is_plain_averaging() const {
    return !compression.enabled && !gossip.enabled && participation.kind == ParticipationKind::full &&
           local_work.kind == LocalWorkKind::schedule &&
           correction.kind == CorrectionKind::none && aggregation == AggregationKind::uniform &&
           (server.kind == ServerKind::plain || (server.kind == ServerKind::sgd && server.learning_rate == 1));
  }
};

}  // namespace localsgd::round
