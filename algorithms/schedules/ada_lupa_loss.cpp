#include "algorithms/schedules/ada_lupa_loss.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace localsgd {

AdaLupaLoss::AdaLupaLoss(long initial_period, bool use_gap) : initial_period_(initial_period), use_gap_(use_gap) {
  if (initial_period < 1) throw std::invalid_argument("AdaLupaLoss: tau0 must be >= 1");
}

long AdaLupaLoss::next_sync(const SyncContext& context) {
  if (context.average == nullptr) throw std::logic_error("AdaLupaLoss needs the averaged model");
  const double value = use_gap_ ? context.average->gap() : context.average->loss();
  if (context.rounds_done == 0) initial_value_ = value;
  // A non-positive or non-finite value (the optimum reached, or divergence) gives no ratio:
  // keep the base period rather than divide by zero.
  long multiplier = 1;
  if (value > 0 && initial_value_ > 0 && std::isfinite(value)) {
    multiplier = std::max(1L, static_cast<long>(std::ceil(std::cbrt(initial_value_ / value))));
  }
  return context.last_sync + multiplier * initial_period_;
}

}  // namespace localsgd
