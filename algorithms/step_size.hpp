#pragma once
// Step-size rules η_t. The update that takes a worker from x_t to x_{t+1} (step t + 1 in the
// 1-based step count of docs/design.md §2) uses η_t, so the first step uses η_0, as in the paper.
namespace localsgd {

class StepSize {
 public:
  virtual ~StepSize() = default;
  virtual double at(long t) const = 0;
};

}  // namespace localsgd
