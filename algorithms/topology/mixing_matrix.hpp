#pragma once
// Mixing matrices W for gossip between n nodes, x_i ← Σ_j w_ij x_j (D-SGD, Lian et al., NeurIPS
// 2017; CHOCO-SGD, Koloskova, Stich, Jaggi, ICML 2019), stored sparsely: per node its self weight
// w_ii and its neighbours j with w_ij (row i: whom node i receives from).
//
// Weights on an undirected graph (both symmetric and doubly stochastic; the self weight is
// 1 − Σ_{j≠i} w_ij, so every row sums to 1 to rounding):
//   metropolis_hastings  w_ij = 1/(1 + max(deg_i, deg_j)) on edges (Xiao & Boyd, "Fast linear
//                        iterations for distributed averaging", 2004, "Metropolis–Hastings" weights;
//                        any connected graph);
//   uniform              w_ij = 1/(deg + 1) on edges and self: only for regular graphs (otherwise
//                        W is not doubly stochastic), refused otherwise.
// The one-peer exponential graph (Ying, Yuan, Chen, Hu, Pan, Yin, "Exponential graph is provably
// efficient for decentralized deep training", NeurIPS 2021, §4) is time-varying and directed: in
// round r, with τ = ⌈log2 n⌉, node i averages with node (i + 2^(r mod τ)) mod n, weights 1/2 and
// 1/2 (it sends to i − 2^(r mod τ)). W^(r) is a doubly stochastic circulant but not symmetric
// (unless 2^(r mod τ) = n/2); for n a power of 2 the product of τ consecutive rounds is exactly
// (1/n)11ᵀ (their periodic exact averaging).
#include <Eigen/Core>
#include <vector>

#include "algorithms/topology/graph.hpp"

namespace localsgd::topology {

enum class MixingWeights { metropolis_hastings, uniform };

struct Neighbour {
  int node;
  double weight;
};

struct MixingMatrix {
  std::vector<double> self_weight;                  // w_ii
  std::vector<std::vector<Neighbour>> neighbours;   // per node: j ≠ i with w_ij > 0, j increasing
  bool symmetric = true;                            // w_ij = w_ji for all pairs (by construction)

  int nodes() const { return static_cast<int>(self_weight.size()); }
  Eigen::MatrixXd dense() const;
};

// W on a graph; uniform weights on a non-regular graph throw std::invalid_argument naming the rule.
MixingMatrix mixing_matrix(const Graph& graph, MixingWeights weights);

// W^(r) of the one-peer exponential graph on n >= 2 nodes (see above).
MixingMatrix one_peer_exponential(int nodes, long round);
// Its period τ = ⌈log2 n⌉ (n >= 2).
int one_peer_period(int nodes);

// The largest n for which spectral_gap builds the dense W (n² doubles, O(n³) time: 2000 nodes
// are 32 MB and a few seconds).
inline constexpr int kSpectralGapMaxNodes = 2000;

// 1 − max_{k>=2} |λ_k(W)| with λ_1 >= … the eigenvalues of the symmetric W (the largest, 1,
// removed once), by Eigen's SelfAdjointEigenSolver on the dense W. Refuses a non-symmetric W and
// n > kSpectralGapMaxNodes. n = 1 gives 1.
double spectral_gap(const MixingMatrix& w);

}  // namespace localsgd::topology
