#pragma once
// Assignment of data-set rows to workers. Shards are index lists into one shared, immutable data
// set: no worker holds a copy of its data. Every function returns one non-empty shard per worker
// or throws std::invalid_argument saying why it cannot.
#include <cstdint>
#include <span>
#include <vector>

#include "core/random.hpp"
#include "core/types.hpp"

namespace localsgd {

using Shard = std::vector<Index>;

// i.i.d. partition: a seeded uniform shuffle (Fisher-Yates on the `partition` stream) cut into
// `workers` contiguous shards whose sizes differ by at most one. Requires rows >= workers >= 1.
std::vector<Shard> iid_partition(Index rows, int workers, std::uint64_t seed);

// The number of rows in the smallest shard (0 if there are none).
Index smallest_shard_size(const std::vector<Shard>& shards);

// Every worker samples from the whole data set (rows 0..n−1), as the paper's reference code did:
// each worker's stochastic gradient is then unbiased for ∇F itself.
std::vector<Shard> shared_partition(Index rows, int workers);

// Non-i.i.d. by label: rows sorted by label (ascending, ties in row order) and cut into
// `workers` contiguous shards whose sizes differ by at most one, so most workers see one class
// only. Requires rows >= workers.
std::vector<Shard> by_label_partition(std::span<const double> labels, int workers);

// Non-i.i.d. with concentration alpha (Hsu, Qi, Brown, "Measuring the effects of non-identical
// data distribution for federated visual classification", 2019): for each class c (ascending
// label), the class's rows are shuffled and split over the workers in proportions q ~ Dir(alpha)
// (rounded by largest remainder, so the counts add up to the class size). Small alpha: each
// worker holds few classes; large alpha: close to i.i.d. Throws if a worker ends without rows.
// Draws from the `partition` stream of `seed`.
std::vector<Shard> dirichlet_partition(std::span<const double> labels, int workers, double alpha, std::uint64_t seed);

// Proportions q ~ Dir(alpha, …, alpha) over `count` parts, from normalised Gamma(alpha) draws
// (computed in log space, so that tiny alpha does not underflow every part to zero).
std::vector<double> dirichlet_proportions(Rng& rng, std::size_t count, double alpha);

}  // namespace localsgd
