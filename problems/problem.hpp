#pragma once
// A problem = an objective (problems/objective.hpp) + how a worker gets a stochastic gradient of
// its own F_i, which is exactly one of:
//   - a finite sum (problems/finite_sum.hpp): F_i is the mean of per-row terms over the worker's
//     shard of a data set; the engine draws each step's mini-batch of rows from the worker's
//     sampling draws for the step (sim/minibatch.hpp), fetches them ahead, and asks the finite sum for the
//     gradient over those rows;
//   - a stochastic oracle (problems/stochastic_oracle.hpp): the noise is analytic (quadratic,
//     nonconvex_pl), and the oracle draws it itself from the worker's sampling draws for the step.
#include "problems/finite_sum.hpp"
#include "problems/objective.hpp"
#include "problems/stochastic_oracle.hpp"

namespace localsgd {

class Problem : public Objective {
 public:
  // Exactly one of these is non-null, and it stays the same for the problem's lifetime.
  virtual const FiniteSum* finite_sum() const { return nullptr; }
  virtual const StochasticOracle* stochastic_oracle() const { return nullptr; }
};

}  // namespace localsgd
