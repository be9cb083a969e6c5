#pragma once
// `adam`: Kingma & Ba, "Adam: a method for stochastic optimization" (ICLR 2015), Algorithm 1:
//   m ← β₁m + (1 − β₁)g,  v ← β₂v + (1 − β₂)g²,
//   x ← x − η m̂ / (sqrt(v̂) + ε),  m̂ = m/(1 − β₁^k),  v̂ = v/(1 − β₂^k),
// k the updates since the state was (re)started. The paper's reference code ran Adam locally.
// Weight decay λ is added to the gradient (coupled L2, not AdamW's decoupled decay).
#include <cmath>
#include <stdexcept>

#include "algorithms/local_optimizer.hpp"

namespace localsgd {

class Adam final : public LocalOptimizer {
 public:
  Adam(double beta1, double beta2, double epsilon, StateAtSync at_sync, double weight_decay = 0.0)
      : beta1_(beta1), beta2_(beta2), epsilon_(epsilon), at_sync_(at_sync), weight_decay_(weight_decay) {
    if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1) || !(epsilon > 0)) {
      throw std::invalid_argument("Adam: needs beta1, beta2 in [0, 1) and epsilon > 0");
    }
  }
  int state_vectors() const override { return 2; }
  StateAtSync state_at_sync() const override { return at_sync_; }
  void step(long age, double eta, Vector& x, Vector& g, std::span<Vector> state) const override {
    if (weight_decay_ != 0.0) g.noalias() += weight_decay_ * x;
    Vector& m = state[0];
    Vector& v = state[1];
    m = beta1_ * m + (1.0 - beta1_) * g;
    v = beta2_ * v + (1.0 - beta2_) * g.cwiseAbs2();
    const double k = static_cast<double>(age);
    const double m_scale = 1.0 / (1.0 - std::pow(beta1_, k));
    const double v_scale = 1.0 / (1.0 - std::pow(beta2_, k));
    x.array() -= eta * (m.array() * m_scale) / ((v.array() * v_scale).sqrt() + epsilon_);
  }

 private:
  double beta1_, beta2_, epsilon_;
  StateAtSync at_sync_;
  double weight_decay_;
};

}  // namespace localsgd
