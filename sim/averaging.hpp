#pragma once
// Deterministic averaging (docs/design.md §7): the models are summed over workers in the fixed
// tree order of core/tree_sum.hpp (blocks of 64 workers left to right, then a balanced pairwise
// tree over the blocks) and divided by p, so the result does not depend on the thread count or
// on how the workers are split among threads or processes. For p <= 64 this is the plain sum
// over workers 0, 1, …, p−1.
#include <cstddef>

#include "core/types.hpp"
#include "sim/tree_sum_parallel.hpp"

namespace localsgd {

// What an average keeps between calls so that averaging at every sync allocates only once.
using AveragingScratch = ParallelSumScratch;

// out = (1/p) Σ_{i < p} model_at(i), p = count >= 1. model_at(i) returns a vector of out's
// dimension and must be safe to call from several threads at once.
template <class ModelAt>
void deterministic_average(std::size_t count, const ModelAt& model_at, Vector& out, AveragingScratch& scratch);

}  // namespace localsgd

#include "sim/averaging_impl.hpp"
