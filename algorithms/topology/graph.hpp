#pragma once
// Undirected simple graphs on nodes 0..n−1, as sorted neighbour lists (no self-loops, no repeated
// edges), for decentralised gossip (issue 18). Mixing weights are put on them by
// algorithms/topology/mixing_matrix.hpp.
#include <vector>

namespace localsgd::topology {

struct Graph {
  std::vector<std::vector<int>> neighbours;  // per node, increasing, without the node itself

  int nodes() const { return static_cast<int>(neighbours.size()); }
  int degree(int node) const { return static_cast<int>(neighbours[static_cast<std::size_t>(node)].size()); }
  bool regular() const;
  bool connected() const;
  bool adjacent(int a, int b) const;
};

// Builds a graph from edges {a, b} given as pairs; repeated edges and self-loops are dropped (so a
// ring of 2 is one edge, and i + 2^k ≡ i − 2^k mod n gives one neighbour).
Graph graph_from_edges(int nodes, const std::vector<std::pair<int, int>>& edges);

Graph ring(int nodes);                      // i ~ i ± 1 mod n, n >= 1
Graph torus(int rows, int columns);         // 2-D torus of rows·columns nodes, node r·columns + c ~ its
                                            // 4 grid neighbours with wrap-around (each side >= 1)
Graph complete(int nodes);                  // every pair
Graph star(int nodes);                      // node 0 ~ every other node
// Undirected exponential graph: i ~ i ± 2^k mod n for k = 0..⌊log2(n − 1)⌋ (n >= 2), the
// symmetrised form of Ying et al.'s static exponential graph (NeurIPS 2021, §3, whose edges
// i → i + 2^k are directed); circulant, hence regular.
Graph exponential(int nodes);

// Torus sides for n nodes: rows = the largest divisor of n that is <= √n, columns = n / rows (a
// prime n gives a 1 × n torus, i.e. a ring).
std::pair<int, int> torus_sides(int nodes);

}  // namespace localsgd::topology
