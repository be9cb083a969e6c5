#pragma once
// One mini-batch stochastic gradient of a worker, obtained as the engine obtains it: for a finite
// sum, B rows drawn at the worker's (seed, sampling, worker, step) address (sim/minibatch.hpp) and the gradient over them; for
// a stochastic oracle, its own draw. Allocates the row buffer (tests only).
#include <vector>

#include "problems/problem.hpp"
#include "sim/minibatch.hpp"

namespace localsgd::test {

inline void sample_gradient(const Problem& problem, int worker, const Vector& x, int batch, Rng& rng, Vector& out) {
  if (const FiniteSum* sum = problem.finite_sum()) {
    std::vector<Index> rows(static_cast<std::size_t>(batch));
    draw_minibatch(sum->shard(worker), batch, rng, rows.data());
    sum->batch_gradient(x, rows.data(), batch, out);
    return;
  }
  problem.stochastic_oracle()->stochastic_gradient(worker, x, batch, rng, out);
}

}  // namespace localsgd::test
