#pragma once
// `inverse_time`: η_t = η_0 / (1 + t/t_0), the O(1/t) decay SGD needs on strongly convex problems.
#include <stdexcept>

#include "algorithms/step_size.hpp"

namespace localsgd {

class InverseTimeStepSize final : public StepSize {
 public:
  InverseTimeStepSize(double initial, double t0) : initial_(initial), t0_(t0) {
    if (!(initial > 0) || !(t0 > 0)) throw std::invalid_argument("InverseTimeStepSize: needs eta0 > 0, t0 > 0");
  }
  double at(long t) const override { return initial_ / (1.0 + static_cast<double>(t) / t0_); }

 private:
  double initial_;
  double t0_;
};

}  // namespace localsgd
