#pragma once
// `step_decay`: η_t = η_0 · γ^⌊t/k⌋, multiplied by γ every k steps.
#include <cmath>
#include <stdexcept>

#include "algorithms/step_size.hpp"

namespace localsgd {

class StepDecayStepSize final : public StepSize {
 public:
  StepDecayStepSize(double initial, double factor, long every) : initial_(initial), factor_(factor), every_(every) {
    if (!(initial > 0) || !(factor > 0) || !(factor <= 1) || every < 1) {
      throw std::invalid_argument("StepDecayStepSize: needs eta0 > 0, 0 < gamma <= 1, every >= 1");
    }
  }
  double at(long t) const override { return initial_ * std::pow(factor_, static_cast<double>(t / every_)); }

 private:
  double initial_;
  double factor_;
  long every_;
};

}  // namespace localsgd
