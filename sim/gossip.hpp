#pragma once
// The gossip step of a decentralised run (algorithms/round/pipeline.hpp, GossipOptions): after
// their local steps the nodes mix with their neighbours instead of meeting at a server.
//   D-SGD:     x_i ← w_ii x_i + Σ_{j~i} w_ij x_j, every node from the models before the step
//              (Lian et al., NeurIPS 2017);
//   CHOCO-SGD: q_i = C(x_i − x̂_i); x̂_i ← x̂_i + q_i (on the node and at its neighbours);
//              then x_i ← x_i + γ Σ_{j~i} w_ij (x̂_j − x̂_i)
//              (Koloskova, Stich, Jaggi, ICML 2019, Algorithm 2, lines 5–8; x̂_i starts at x_0).
// Each node's sum runs over its neighbours in increasing order and nodes are independent, so the
// result is the same on any number of threads. With W = (1/n)11ᵀ (the complete graph, uniform
// weights) a D-SGD step installs the mean the engine computed, bit for bit the server's average.
// C is the run's compressor, rescaled to Q/(1 + ω) when it is unbiased with variance ω (the
// paper's §3: CHOCO needs a contraction). Q draws at (seed, compression, node i, step): the same message whatever the evaluation points.
// No allocation after begin_run.
#include <cstdint>
#include <memory>
#include <vector>

#include "algorithms/compression/compressor.hpp"
#include "algorithms/round/pipeline.hpp"
#include "algorithms/topology/mixing_matrix.hpp"
#include "core/types.hpp"
#include "sim/clock.hpp"
#include "sim/worker.hpp"

namespace localsgd {

class Gossip {
 public:
  // Sized for p nodes of dimension d, with `chunks` tasks (each with its scratch and operator).
  // dense_bytes: a whole model's message under the network model (D-SGD's message).
  void begin_run(const round::Pipeline& pipeline, int workers, Index dim, int chunks, std::uint64_t seed,
                 const Vector& x0, double dense_bytes);

  // Gossip step number `round` (0 for the first; it picks W^(round)), after step `step`. `mean`
  // is (1/p) Σ x_i of the models before the step (the engine's x̄).
  void exchange(std::vector<Worker>& workers, long round, long step, const Vector& mean);

  // Bytes of one message (a whole model, or Q's message for CHOCO) and of all messages of round
  // `round`: every node sends one to each of its neighbours.
  double message_bytes() const { return message_bytes_; }
  double round_bytes(long round) const;
  // The round's communication: the busiest node's exchange, NetworkModel::gossip_seconds(max
  // degree, message bytes).
  double round_seconds(const NetworkModel& network, long round) const;

  const topology::MixingMatrix& matrix(long round) const {
    return matrices_[static_cast<std::size_t>(round % static_cast<long>(matrices_.size()))];
  }

  // Bytes held during a run (Engine::estimate_bytes): the mixing matrices, the next models (D-SGD)
  // or the public copies x̂ with per-chunk operators and scratch (CHOCO).
  static double estimate_bytes(const round::Pipeline& pipeline, int workers, Index dim, int chunks);

 private:
  void mix_models(std::vector<Worker>& workers, long round, int first, int last);
  void compress_copies(const std::vector<Worker>& workers, long step, int first, int last, int chunk);
  void move_towards_copies(std::vector<Worker>& workers, long round, int first, int last, int chunk);
  // body(first, last, chunk) over the nodes in fixed chunks: in parallel when p·d is large.
  template <class Body>
  void over_nodes(int nodes, Index dim, const Body& body) const;

  round::GossipOptions options_;
  std::uint64_t seed_ = 0;
  double message_bytes_ = 0;
  double message_scale_ = 1.0;  // CHOCO: 1/(1 + ω) for an unbiased operator, else 1
  std::vector<topology::MixingMatrix> matrices_;  // W^(r) = matrices_[r mod size]
  std::vector<int> max_degree_;                   // per matrix
  std::vector<long> messages_;                    // per matrix: Σ_i deg_i
  std::vector<bool> exact_average_;               // per matrix: W = (1/n)11ᵀ
  int chunks_ = 1;
  std::vector<Vector> next_;  // D-SGD: the models after the step (swapped in)
  std::vector<Vector> copies_;  // CHOCO: x̂_i
  std::vector<std::unique_ptr<compression::Compressor>> operators_;  // CHOCO: per chunk
  std::vector<Vector> inputs_;  // CHOCO: per chunk, x_i − x̂_i
  std::vector<Vector> sums_;    // CHOCO: per chunk, Σ_j w_ij (x̂_j − x̂_i)
};

}  // namespace localsgd
