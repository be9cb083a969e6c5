#pragma once
// The virtual clock's two interfaces (DESIGN.md §3): how long a local step takes on a worker, and
// how long one average of d values among p workers takes. The models live in
// sim/compute_models.hpp and sim/network_models.hpp; docs/clock.md describes them. Virtual time
// never mixes with the simulator's own wall-clock time.
#include "core/random.hpp"
#include "core/types.hpp"

namespace localsgd {

class ComputeModel {
 public:
  virtual ~ComputeModel() = default;
  // Seconds that worker `worker` spends on one local step. Random models draw from `rng`, the
  // worker's own compute-time stream, which never feeds the optimisation.
  virtual double step_seconds(int worker, Rng& rng) const = 0;
};

class NetworkModel {
 public:
  virtual ~NetworkModel() = default;
  // Seconds for one average (all-reduce) of `values` doubles among `workers` workers.
  virtual double allreduce_seconds(int workers, Index values) const = 0;
};

}  // namespace localsgd
