#pragma once
// The update a worker applies to its own model between syncs, and what happens to its optimizer
// state at a sync (models are always averaged; state may be averaged, kept or reset).
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
  // One local update at step t (1-based) with step size eta and stochastic gradient g.
  virtual void step(long t, double eta, Vector& x, const Vector& g, std::span<Vector> state) const = 0;
};

// Plain SGD: x ← x − η g.
class Sgd final : public LocalOptimizer {
 public:
  int state_vectors() const override { return 0; }
  StateAtSync state_at_sync() const override { return StateAtSync::keep; }
  void step(long /*t*/, double eta, Vector& x, const Vector& g, std::span<Vector> /*state*/) const override {
    x.noalias() -= eta * g;
  }
};

}  // namespace localsgd
