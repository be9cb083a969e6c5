#pragma once
// The update a worker applies to its own model between syncs, and what happens to its optimizer
// state at a sync: models are always averaged; optimizer state is averaged, kept or reset, since
// averaging models but not state is a known source of surprises.
#include <span>

#include "core/types.hpp"

namespace localsgd {

enum class StateAtSync { average, keep, reset };

class LocalOptimizer {
 public:
  virtual ~LocalOptimizer() = default;
  // How many d-vectors of state each worker keeps (0 for SGD, 1 for momentum, 2 for Adam). The
  // engine owns the vectors (zero-initialised) so that it can average or reset them at a sync.
  virtual int state_vectors() const = 0;
  virtual StateAtSync state_at_sync() const = 0;
  // One local update with step size eta and stochastic gradient g (the worker's scratch buffer,
  // which the update may overwrite). `age` counts the updates this state has seen, this one
  // included (1, 2, …; it restarts after a reset), for bias corrections.
  virtual void step(long age, double eta, Vector& x, Vector& g, std::span<Vector> state) const = 0;
};

}  // namespace localsgd
