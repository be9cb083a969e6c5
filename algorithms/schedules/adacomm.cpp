#include "algorithms/schedules/adacomm.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace localsgd {

AdaComm::AdaComm(long initial_period, double interval_seconds, bool use_gap)
    : initial_period_(initial_period), interval_(interval_seconds), use_gap_(use_gap), period_(initial_period) {
  if (initial_period < 1 || !(interval_seconds > 0)) {
    throw std::invalid_argument("AdaComm: needs tau0 >= 1 and interval > 0");
  }
}

long AdaComm::next_sync(const SyncContext& context) {
  if (context.average == nullptr) throw std::logic_error("AdaComm needs the averaged model");
  if (context.rounds_done == 0) {
    initial_value_ = use_gap_ ? context.average->gap() : context.average->loss();
    period_ = initial_period_;
    next_decision_ = interval_;
  } else if (context.virtual_time >= next_decision_) {
    const double value = use_gap_ ? context.average->gap() : context.average->loss();
    if (initial_value_ > 0 && value >= 0 && std::isfinite(value)) {
      period_ = std::max(1L, static_cast<long>(std::ceil(std::sqrt(value / initial_value_) *
                                                         static_cast<double>(initial_period_))));
    }
    // The next boundary after the current time (several may have passed during a long round).
    next_decision_ = (std::floor(context.virtual_time / interval_) + 1.0) * interval_;
  }
  return context.last_sync + period_;
}

}  // namespace localsgd
