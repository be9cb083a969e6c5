#pragma once
// Step-size rules η_t. The update that takes a worker from x_t to x_{t+1} (step t + 1 in the
// 1-based step count of DESIGN.md §3) uses η_t, so the first step uses η_0, as in the paper.
#include <stdexcept>

namespace localsgd {

class StepSize {
 public:
  virtual ~StepSize() = default;
  virtual double at(long t) const = 0;
};

class ConstantStepSize final : public StepSize {
 public:
  explicit ConstantStepSize(double value) : value_(value) {
    if (!(value > 0)) throw std::invalid_argument("ConstantStepSize: value must be > 0");
  }
  double at(long /*t*/) const override { return value_; }

 private:
  double value_;
};

// η_t = η_0 / (1 + t/t_0): the O(1/t) decay that SGD needs on strongly convex problems.
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
