#pragma once
// `sgd`: x ← x − η (g + λx), λ the optional (coupled, L2) weight decay.
#include "algorithms/local_optimizer.hpp"
#include "core/kernels.hpp"

namespace localsgd {

class Sgd final : public LocalOptimizer {
 public:
  explicit Sgd(double weight_decay = 0.0) : weight_decay_(weight_decay) {}
  int state_vectors() const override { return 0; }
  StateAtSync state_at_sync() const override { return StateAtSync::keep; }
  // Through the vector kernels: g + λx, then x − ηg computed as x + (−η)g, which is the same
  // operation in IEEE arithmetic (the same bits as Eigen's `x -= eta * g`), vectorised.
  void step(long /*age*/, double eta, Vector& x, Vector& g, std::span<Vector> /*state*/) const override {
    if (weight_decay_ != 0.0) kernels::axpy(weight_decay_, x.data(), g.data(), x.size());
    kernels::axpy(-eta, g.data(), x.data(), x.size());
  }

 private:
  double weight_decay_;
};

}  // namespace localsgd
