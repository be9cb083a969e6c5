#pragma once
// A worker's mini-batch of a finite sum: B row indices drawn uniformly with replacement from its
// shard, one after the other from the draws at (seed, sampling, worker, step). The engine draws
// them (ahead of the step that uses them, sim/engine.cpp); problems never sample.
#include "core/random.hpp"
#include "problems/partition.hpp"

namespace localsgd {

inline void draw_minibatch(const Shard& shard, int batch, Rng& rng, Index* rows) {
  for (int b = 0; b < batch; ++b) rows[b] = shard[uniform_index(rng, shard.size())];
}

}  // namespace localsgd
