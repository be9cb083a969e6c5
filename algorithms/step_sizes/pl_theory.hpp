#pragma once
// `pl_theory`: the step size of the paper's convergence theorem for PL objectives (Haddadpour et
// al. 2019):  η_t = 4 / (μ (t + a)),  a = α·τ + 4,  with μ the PL constant and τ the
// synchronisation period (the longest one for schedules whose period changes).
#include <stdexcept>

#include "algorithms/step_size.hpp"

namespace localsgd {

class PlTheoryStepSize final : public StepSize {
 public:
  PlTheoryStepSize(double mu, double alpha, long period) : mu_(mu), a_(alpha * static_cast<double>(period) + 4.0) {
    if (!(mu > 0) || !(alpha >= 0) || period < 1) {
      throw std::invalid_argument("PlTheoryStepSize: needs mu > 0, alpha >= 0, period >= 1");
    }
  }
  double at(long t) const override { return 4.0 / (mu_ * (static_cast<double>(t) + a_)); }
  double offset() const { return a_; }

 private:
  double mu_;
  double a_;
};

}  // namespace localsgd
