#pragma once
// The oracle of a problem whose noise is analytic (problems/oracle_noise.hpp: quadratic,
// nonconvex_pl): there are no rows to draw, so the oracle draws its own noise.
#include "core/random.hpp"
#include "core/types.hpp"

namespace localsgd {

class StochasticOracle {
 public:
  virtual ~StochasticOracle() = default;
  // The mean of `batch` independent oracle calls of worker `worker` at x, using only `rng` (the
  // draws at the worker's sampling address for the step) for randomness. Writes into `out` (already of size dim()); must not
  // allocate (the engine calls it at every step).
  virtual void stochastic_gradient(int worker, const Vector& x, int batch, Rng& rng, Vector& out) const = 0;
};

}  // namespace localsgd
