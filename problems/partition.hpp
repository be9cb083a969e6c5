#pragma once
// Assignment of data-set rows to workers. Shards are index lists into one shared, immutable data
// set: no worker holds a copy of its data.
#include <cstdint>
#include <vector>

#include "core/types.hpp"

namespace localsgd {

using Shard = std::vector<Index>;

// i.i.d. partition: a seeded uniform shuffle (Fisher-Yates on the `partition` stream) cut into
// `workers` contiguous shards whose sizes differ by at most one. Requires rows >= workers >= 1.
std::vector<Shard> iid_partition(Index rows, int workers, std::uint64_t seed);

}  // namespace localsgd
