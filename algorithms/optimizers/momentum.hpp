#pragma once
// `momentum`: heavy ball (Polyak 1964) in the form most frameworks use:
//   v ← β v + (g + λx),   x ← x − η v.
// With β = 0 this is SGD bit for bit.
#include <stdexcept>

#include "algorithms/local_optimizer.hpp"

namespace localsgd {

class Momentum final : public LocalOptimizer {
 public:
  Momentum(double beta, StateAtSync at_sync, double weight_decay = 0.0)
      : beta_(beta), at_sync_(at_sync), weight_decay_(weight_decay) {
    if (!(beta >= 0) || !(beta < 1)) throw std::invalid_argument("Momentum: beta must be in [0, 1)");
  }
  int state_vectors() const override { return 1; }
  StateAtSync state_at_sync() const override { return at_sync_; }
  void step(long /*age*/, double eta, Vector& x, Vector& g, std::span<Vector> state) const override {
    if (weight_decay_ != 0.0) g.noalias() += weight_decay_ * x;
    Vector& velocity = state[0];
    velocity = beta_ * velocity + g;
    x.noalias() -= eta * velocity;
  }

 private:
  double beta_;
  StateAtSync at_sync_;
  double weight_decay_;
};

}  // namespace localsgd
