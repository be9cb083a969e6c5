#include "sim/gossip.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

#include "algorithms/topology/topology.hpp"
#include "core/parallel.hpp"
#include "core/random.hpp"
#include "sim/heap_block.hpp"

namespace localsgd {

namespace {

bool choco(const round::GossipOptions& options) { return options.algorithm == round::GossipAlgorithm::choco; }

}  // namespace

void Gossip::begin_run(const round::Pipeline& pipeline, int workers, Index dim, int chunks, std::uint64_t seed,
                       const Vector& x0, double dense_bytes) {
  options_ = pipeline.gossip;
  seed_ = seed;
  chunks_ = std::max(1, chunks);
  matrices_ = topology::mixing_matrices(options_.topology, workers);
  max_degree_.clear();
  messages_.clear();
  exact_average_.clear();
  for (const topology::MixingMatrix& w : matrices_) {
    int busiest = 0;
    long messages = 0;
    for (const auto& row : w.neighbours) {
      busiest = std::max(busiest, static_cast<int>(row.size()));
      messages += static_cast<long>(row.size());
    }
    max_degree_.push_back(busiest);
    messages_.push_back(messages);
    exact_average_.push_back(topology::is_exact_average(w));
  }
  const auto p = static_cast<std::size_t>(workers);
  operators_.clear();
  if (choco(options_)) {
    for (int c = 0; c < chunks_; ++c) operators_.push_back(compression::make_compressor(pipeline.compression.compressor, dim));
    message_bytes_ = static_cast<double>(operators_.front()->message_bytes());
    // CHOCO needs a contraction, E‖C(v) − v‖² ≤ (1 − δ)‖v‖²; an unbiased Q with variance ω is
    // one after rescaling, C = Q/(1 + ω) with δ = 1/(1 + ω) (Koloskova, Stich, Jaggi 2019, §3:
    // E‖Q(v)‖² ≤ τ‖v‖² gives Q/τ, τ = 1 + ω). Unscaled, QSGD or random-k with ω > 1 make the
    // public copies x̂ overshoot, and the run diverges.
    const compression::Compressor& q = *operators_.front();
    message_scale_ = q.unbiased() ? 1.0 / (1.0 + q.constant()) : 1.0;
    copies_.assign(p, x0);
    inputs_.assign(static_cast<std::size_t>(chunks_), Vector::Zero(dim));
    sums_.assign(static_cast<std::size_t>(chunks_), Vector::Zero(dim));
    next_.clear();
  } else {
    message_bytes_ = dense_bytes;
    next_.assign(p, Vector::Zero(dim));
    copies_.clear();
    inputs_.clear();
    sums_.clear();
  }
}

double Gossip::round_bytes(long round) const {
  return static_cast<double>(messages_[static_cast<std::size_t>(round % static_cast<long>(messages_.size()))]) *
         message_bytes_;
}

double Gossip::round_seconds(const NetworkModel& network, long round) const {
  const int degree = max_degree_[static_cast<std::size_t>(round % static_cast<long>(max_degree_.size()))];
  return degree == 0 ? 0.0 : network.gossip_seconds(degree, message_bytes_);
}

template <class Body>
void Gossip::over_nodes(int nodes, Index dim, const Body& body) const {
  const std::size_t values = static_cast<std::size_t>(nodes) * static_cast<std::size_t>(dim);
  const int chunks = std::min(nodes, chunks_);
  if (values < kParallelValues || chunks == 1) {
    body(0, nodes, 0);
    return;
  }
  parallel_for_index(0, chunks, [&](int c) { body(chunk_begin(nodes, c, chunks), chunk_begin(nodes, c + 1, chunks), c); });
}

void Gossip::mix_models(std::vector<Worker>& workers, long round, int first, int last) {
  const topology::MixingMatrix& w = matrix(round);
  for (int i = first; i < last; ++i) {
    const auto node = static_cast<std::size_t>(i);
    Vector& next = next_[node];
    next = w.self_weight[node] * workers[node].model;
    for (const topology::Neighbour& j : w.neighbours[node]) {
      next += j.weight * workers[static_cast<std::size_t>(j.node)].model;
    }
  }
}

void Gossip::compress_copies(const std::vector<Worker>& workers, long step, int first, int last, int chunk) {
  Vector& input = inputs_[static_cast<std::size_t>(chunk)];
  Vector& message = sums_[static_cast<std::size_t>(chunk)];  // free until move_towards_copies
  for (int i = first; i < last; ++i) {
    const auto node = static_cast<std::size_t>(i);
    input = workers[node].model - copies_[node];
    Rng rng(seed_, StreamPurpose::compression, static_cast<std::uint64_t>(i), static_cast<std::uint64_t>(step));
    operators_[static_cast<std::size_t>(chunk)]->compress(span_of(input), span_of(message), rng);
    if (message_scale_ != 1.0) message *= message_scale_;
    copies_[node] += message;  // x̂_i ← x̂_i + q_i, as every neighbour holding x̂_i does
  }
}

void Gossip::move_towards_copies(std::vector<Worker>& workers, long round, int first, int last, int chunk) {
  const topology::MixingMatrix& w = matrix(round);
  Vector& sum = sums_[static_cast<std::size_t>(chunk)];
  for (int i = first; i < last; ++i) {
    const auto node = static_cast<std::size_t>(i);
    sum.setZero();
    for (const topology::Neighbour& j : w.neighbours[node]) {
      sum += j.weight * (copies_[static_cast<std::size_t>(j.node)] - copies_[node]);
    }
    workers[node].model += options_.consensus_step * sum;
  }
}

void Gossip::exchange(std::vector<Worker>& workers, long round, long step, const Vector& mean) {
  const int nodes = static_cast<int>(workers.size());
  const Index dim = mean.size();
  if (choco(options_)) {
    // Every copy is updated before any node reads its neighbours' (line 7 before line 8).
    over_nodes(nodes, dim, [&](int first, int last, int chunk) { compress_copies(workers, step, first, last, chunk); });
    over_nodes(nodes, dim, [&](int first, int last, int chunk) { move_towards_copies(workers, round, first, last, chunk); });
    return;
  }
  if (exact_average_[static_cast<std::size_t>(round % static_cast<long>(matrices_.size()))]) {
    over_nodes(nodes, dim, [&](int first, int last, int) {
      for (int i = first; i < last; ++i) workers[static_cast<std::size_t>(i)].model = mean;
    });
    return;
  }
  over_nodes(nodes, dim, [&](int first, int last, int) { mix_models(workers, round, first, last); });
  for (int i = 0; i < nodes; ++i) workers[static_cast<std::size_t>(i)].model.swap(next_[static_cast<std::size_t>(i)]);
}

double Gossip::estimate_bytes(const round::Pipeline& pipeline, int workers, Index dim, int chunks) {
  if (!pipeline.gossip.enabled) return 0.0;
  const double d = static_cast<double>(dim);
  const double p = workers;
  const double vector = heap_block(8.0 * d) + static_cast<double>(sizeof(Vector));
  // The matrices: per node its neighbour list (each entry a node and a weight), at most p − 1
  // entries; the one-peer graph keeps ⌈log2 p⌉ matrices of one neighbour each.
  const topology::TopologyOptions& t = pipeline.gossip.topology;
  double entries = 2;  // ring
  int matrices = 1;
  switch (t.kind) {
    case topology::TopologyKind::complete: entries = p - 1; break;
    case topology::TopologyKind::ring: entries = 2; break;
    case topology::TopologyKind::torus: entries = 4; break;
    case topology::TopologyKind::star: entries = 2; break;  // 2(p − 1) entries over p nodes
    case topology::TopologyKind::random_regular: entries = t.degree; break;
    case topology::TopologyKind::exponential: entries = 2 * std::max(1.0, std::ceil(std::log2(std::max(2.0, p)))); break;
    case topology::TopologyKind::one_peer_exponential:
      entries = 1;
      matrices = static_cast<int>(std::max(1.0, std::ceil(std::log2(std::max(2.0, p)))));
      break;
  }
  const double per_matrix = 2 * heap_block(8.0 * p) + p * heap_block(16.0 * entries) + 8.0 * p;
  double bytes = matrices * per_matrix + 3 * heap_block(8.0 * matrices);
  if (pipeline.gossip.algorithm == round::GossipAlgorithm::choco) {
    const double per_chunk = heap_block(256) + heap_block(static_cast<double>(sizeof(Index)) * d) + heap_block(d) +
                             2 * vector + static_cast<double>(sizeof(void*));
    bytes += p * vector + chunks * per_chunk + 3 * heap_block(0);
  } else {
    bytes += p * vector + heap_block(0);
  }
  return bytes;
}

}  // namespace localsgd
