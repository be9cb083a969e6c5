#include "problems/partition.hpp"

#include <numeric>
#include <stdexcept>
#include <utility>

#include "core/random.hpp"

namespace localsgd {

std::vector<Shard> iid_partition(Index rows, int workers, std::uint64_t seed) {
  if (workers < 1 || rows < workers) {
    throw std::invalid_argument("iid_partition: need rows >= workers >= 1");
  }
  std::vector<Index> order(static_cast<std::size_t>(rows));
  std::iota(order.begin(), order.end(), Index{0});
  Rng rng = make_stream(seed, StreamPurpose::partition);
  for (std::size_t i = order.size() - 1; i > 0; --i) {
    std::swap(order[i], order[uniform_index(rng, i + 1)]);
  }
  std::vector<Shard> shards(static_cast<std::size_t>(workers));
  const Index base = rows / workers;
  const Index extra = rows % workers;  // the first `extra` shards get one more row
  auto next = order.begin();
  for (Index w = 0; w < workers; ++w) {
    const Index size = base + (w < extra ? 1 : 0);
    shards[static_cast<std::size_t>(w)].assign(next, next + size);
    next += size;
  }
  return shards;
}

}  // namespace localsgd
