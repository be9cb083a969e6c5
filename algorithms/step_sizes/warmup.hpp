#pragma once
// Linear warm-up in front of any rule (Goyal et al., "Accurate, large minibatch SGD", 2017):
// η_t = base(t) · (t + 1)/w for t < w, then base(t). The base rule is not shifted.
#include <memory>
#include <stdexcept>

#include "algorithms/step_size.hpp"

namespace localsgd {

class LinearWarmup final : public StepSize {
 public:
  LinearWarmup(std::unique_ptr<StepSize> base, long steps) : base_(std::move(base)), steps_(steps) {
    if (!base_ || steps < 1) throw std::invalid_argument("LinearWarmup: needs a base rule and steps >= 1");
  }
  double at(long t) const override {
    const double base = base_->at(t);
    return t < steps_ ? base * static_cast<double>(t + 1) / static_cast<double>(steps_) : base;
  }

 private:
  std::unique_ptr<StepSize> base_;
  long steps_;
};

}  // namespace localsgd
