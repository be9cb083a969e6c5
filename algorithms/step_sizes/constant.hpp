#pragma once
// `constant`: η_t = value.
#include <stdexcept>

#include "algorithms/step_size.hpp"

namespace localsgd {

class ConstantStepSize final : public StepSize {
 public:
  explicit ConstantStepSize(double value) : value_(value) {
    if (!(value > 0)) throw std::invalid_argument("ConstantStepSize: value must be > 0");
  }
  double at(long /*t*/) const override { return value_; }

 private:
  double value_;
};

}  // namespace localsgd
