#pragma once
// A run's gossip topology as options (the spec's `gossip` key, DESIGN.md §5.5), and the mixing
// matrices W^(r) it gives to the engine (algorithms/topology/mixing_matrix.hpp).
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "algorithms/topology/graph.hpp"
#include "algorithms/topology/mixing_matrix.hpp"

namespace localsgd::topology {

enum class TopologyKind {
  complete,              // every pair
  ring,                  // i ~ i ± 1
  torus,                 // 2-D torus, rows × (n / rows)
  star,                  // node 0 ~ everyone (non-regular: Metropolis–Hastings weights only)
  random_regular,        // random d-regular connected graph, fixed by graph_seed
  exponential,           // i ~ i ± 2^k (static, undirected)
  one_peer_exponential,  // Ying et al. 2021: round r pairs i with i + 2^(r mod ⌈log2 n⌉), weights 1/2
};

std::string_view topology_name(TopologyKind kind);

struct TopologyOptions {
  TopologyKind kind = TopologyKind::ring;
  MixingWeights weights = MixingWeights::metropolis_hastings;  // ignored by one_peer_exponential
  int rows = 0;                  // torus: rows (a divisor of n); 0: torus_sides(n)
  int degree = 0;                // random_regular: d
  std::uint64_t graph_seed = 1;  // random_regular: the graph's seed, the same graph for every run seed
};

// The graph of a static topology on n nodes (every kind but one_peer_exponential); throws
// std::invalid_argument naming the rule broken (n too small for the kind, rows not dividing n,
// a random-regular degree that no connected simple graph has).
Graph topology_graph(const TopologyOptions& options, int nodes);

// W^(r) = matrices[r mod size()]: one matrix for a static topology, ⌈log2 n⌉ for the one-peer
// exponential graph (n = 1: one node mixing with itself). Throws as topology_graph, and for
// uniform weights on a non-regular graph.
std::vector<MixingMatrix> mixing_matrices(const TopologyOptions& options, int nodes);

// The spectral gap 1 − |λ₂(W)| of a static topology's W on n nodes (mixing_matrix.hpp); none for
// the time-varying one-peer exponential graph (no single W) and for n > kSpectralGapMaxNodes.
// Throws as mixing_matrices.
std::optional<double> fixed_spectral_gap(const TopologyOptions& options, int nodes);

// True when W = (1/n)11ᵀ: every node mixes with every other with weight 1/n, up to the rounding
// of the self weights 1 − Σ_j w_ij (the complete graph with uniform or Metropolis–Hastings
// weights). One gossip step with it is the exact average.
bool is_exact_average(const MixingMatrix& w);

}  // namespace localsgd::topology
