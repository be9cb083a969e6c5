#include "algorithms/topology/topology.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

#include "algorithms/topology/random_regular.hpp"
#include "core/random.hpp"

namespace localsgd::topology {

std::string_view topology_name(TopologyKind kind) {
  switch (kind) {
    case TopologyKind::complete: return "complete";
    case TopologyKind::ring: return "ring";
    case TopologyKind::torus: return "torus";
    case TopologyKind::star: return "star";
    case TopologyKind::random_regular: return "random_regular";
    case TopologyKind::exponential: return "exponential";
    case TopologyKind::one_peer_exponential: return "one_peer_exponential";
  }
  return "?";
}

Graph topology_graph(const TopologyOptions& options, int nodes) {
  switch (options.kind) {
    case TopologyKind::complete: return complete(nodes);
    case TopologyKind::ring: return ring(nodes);
    case TopologyKind::torus: {
      if (options.rows == 0) {
        const auto [rows, columns] = torus_sides(nodes);
        return torus(rows, columns);
      }
      if (options.rows < 1 || nodes % options.rows != 0) {
        throw std::invalid_argument("topology: a torus's rows must divide the " + std::to_string(nodes) +
                                    " nodes (rows = " + std::to_string(options.rows) + ")");
      }
      return torus(options.rows, nodes / options.rows);
    }
    case TopologyKind::star: return star(nodes);
    case TopologyKind::random_regular:
      return random_regular(nodes, options.degree, purpose_key(options.graph_seed, StreamPurpose::topology));
    case TopologyKind::exponential:
      if (nodes == 1) return complete(1);
      return exponential(nodes);
    case TopologyKind::one_peer_exponential: break;
  }
  throw std::invalid_argument("topology: the one-peer exponential graph changes every round: no static graph");
}

std::vector<MixingMatrix> mixing_matrices(const TopologyOptions& options, int nodes) {
  if (options.kind != TopologyKind::one_peer_exponential) {
    return {mixing_matrix(topology_graph(options, nodes), options.weights)};
  }
  if (nodes == 1) return {mixing_matrix(complete(1), MixingWeights::uniform)};
  std::vector<MixingMatrix> rounds;
  const int period = one_peer_period(nodes);
  for (int r = 0; r < period; ++r) rounds.push_back(one_peer_exponential(nodes, r));
  return rounds;
}

std::optional<double> fixed_spectral_gap(const TopologyOptions& options, int nodes) {
  if (options.kind == TopologyKind::one_peer_exponential || nodes > kSpectralGapMaxNodes) return std::nullopt;
  return spectral_gap(mixing_matrices(options, nodes).front());
}

bool is_exact_average(const MixingMatrix& w) {
  const int n = w.nodes();
  const double share = 1.0 / n;
  // The self weight is 1 − Σ_j w_ij, which rounds away from 1/n (n = 5: 1 − 4·0.2 =
  // 0.19999999999999996); a few units in the last place are the rounding, not another matrix.
  const auto is_share = [share, n](double weight) { return std::abs(weight - share) <= 4.0 * n * 0x1p-53 * share; };
  for (int i = 0; i < n; ++i) {
    const auto& row = w.neighbours[static_cast<std::size_t>(i)];
    if (static_cast<int>(row.size()) != n - 1 || !is_share(w.self_weight[static_cast<std::size_t>(i)])) return false;
    for (const Neighbour& j : row) {
      if (!is_share(j.weight)) return false;
    }
  }
  return true;
}

}  // namespace localsgd::topology
