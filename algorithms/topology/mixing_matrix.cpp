#include "algorithms/topology/mixing_matrix.hpp"

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace localsgd::topology {

Eigen::MatrixXd MixingMatrix::dense() const {
  const int n = nodes();
  Eigen::MatrixXd w = Eigen::MatrixXd::Zero(n, n);
  for (int i = 0; i < n; ++i) {
    w(i, i) = self_weight[static_cast<std::size_t>(i)];
    for (const Neighbour& j : neighbours[static_cast<std::size_t>(i)]) w(i, j.node) += j.weight;
  }
  return w;
}

MixingMatrix mixing_matrix(const Graph& graph, MixingWeights weights) {
  const int n = graph.nodes();
  if (weights == MixingWeights::uniform && !graph.regular()) {
    int odd = 1;
    while (graph.degree(odd) == graph.degree(0)) ++odd;
    throw std::invalid_argument("topology: uniform weights 1/(deg + 1) need a regular graph (node 0 has degree " +
                                std::to_string(graph.degree(0)) + ", node " + std::to_string(odd) + " has " +
                                std::to_string(graph.degree(odd)) + "): use metropolis_hastings");
  }
  MixingMatrix w;
  w.self_weight.resize(static_cast<std::size_t>(n));
  w.neighbours.resize(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    auto& row = w.neighbours[static_cast<std::size_t>(i)];
    double total = 0;
    for (int j : graph.neighbours[static_cast<std::size_t>(i)]) {
      const int larger = std::max(graph.degree(i), graph.degree(j));
      const double weight = 1.0 / (1.0 + static_cast<double>(larger));  // uniform: deg_i = deg_j
      row.push_back({j, weight});
      total += weight;
    }
    w.self_weight[static_cast<std::size_t>(i)] = 1.0 - total;
  }
  return w;
}

int one_peer_period(int nodes) {
  if (nodes < 2) throw std::invalid_argument("topology: the one-peer exponential graph needs n >= 2");
  int tau = 0;
  while ((1L << tau) < nodes) ++tau;
  return tau;
}

MixingMatrix one_peer_exponential(int nodes, long round) {
  const int tau = one_peer_period(nodes);
  if (round < 0) throw std::invalid_argument("topology: one-peer exponential round must be >= 0");
  const long hop = 1L << (round % tau);
  MixingMatrix w;
  w.self_weight.assign(static_cast<std::size_t>(nodes), 0.5);
  w.neighbours.resize(static_cast<std::size_t>(nodes));
  for (int i = 0; i < nodes; ++i) {
    w.neighbours[static_cast<std::size_t>(i)].push_back({static_cast<int>((i + hop) % nodes), 0.5});
  }
  w.symmetric = 2 * hop == nodes;
  return w;
}

double spectral_gap(const MixingMatrix& w) {
  const int n = w.nodes();
  if (!w.symmetric) {
    throw std::invalid_argument("topology: spectral_gap needs a symmetric W (this one is directed)");
  }
  if (n > kSpectralGapMaxNodes) {
    throw std::invalid_argument("topology: spectral_gap builds the dense W: n = " + std::to_string(n) + " > " +
                                std::to_string(kSpectralGapMaxNodes));
  }
  if (n <= 1) return 1.0;
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(w.dense(), Eigen::EigenvaluesOnly);
  const Eigen::VectorXd& lambda = solver.eigenvalues();  // increasing; the last is 1
  double largest = 0;
  for (Eigen::Index k = 0; k + 1 < lambda.size(); ++k) largest = std::max(largest, std::abs(lambda[k]));
  return 1.0 - largest;
}

}  // namespace localsgd::topology
