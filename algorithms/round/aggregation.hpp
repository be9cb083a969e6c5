#pragma once
// The aggregation weights of a round (algorithms/round/pipeline.hpp, AggregationKind): the
// aggregate is a_r = x_r + Σ_{i∈S} w_i (y_i − x_r), or the plain mean of the participants when
// the weights are all equal and sum to one (returned as `uniform`, so that the engine computes it
// as LUPA's average, bit for bit).
//   uniform     w_i = m_i / Σ m (m_i: the participant's multiplicity)
//   shard_size  w_i = n_i / Σ_{j∈S} n_j (so that, with everyone taking part, the run minimises
//               F = Σ (n_i/n) F_i even when shards are unequal)
//   fednova     Wang, Liu, Liang, Joshi, Poor, NeurIPS 2020, eq. (7)/(8) with plain local SGD:
//               d_i = (x_r − y_i)/τ_i, τ_eff = Σ p_i τ_i, x_{r+1} = x_r − τ_eff Σ p_i d_i with
//               p_i = n_i/Σ_{j∈S} n_j: w_i = τ_eff p_i / τ_i. With equal τ_i this is exactly
//               p_i (τ_eff/τ_i = 1, not computed), i.e. FedAvg.
#include <span>
#include <vector>

#include "algorithms/round/pipeline.hpp"

namespace localsgd::round {

// ids: the participants; multiplicity: theirs (1 unless weighted participation); shard_sizes: n_i
// for every worker (empty: all equal); steps: τ_i per participant. Returns true for a plain mean
// (weights left empty), else fills one weight per participant. No allocation once `weights` has
// held p entries.
bool aggregation_weights(AggregationKind kind, std::span<const int> ids, std::span<const int> multiplicity,
                         std::span<const double> shard_sizes, std::span<const long> steps,
                         std::vector<double>& weights);

}  // namespace localsgd::round
