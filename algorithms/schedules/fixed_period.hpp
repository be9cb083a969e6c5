#pragma once
// `fixed`: LUPA-SGD with a constant period τ (the paper's Algorithm 1): syncs after τ, 2τ, … and T.
// `lupa_theory` and `stich` are fixed periods computed by algorithms/theory.hpp.
#include <stdexcept>

#include "algorithms/sync_schedule.hpp"

namespace localsgd {

class FixedPeriod final : public SyncSchedule {
 public:
  explicit FixedPeriod(long period) : period_(period) {
    if (period < 1) throw std::invalid_argument("FixedPeriod: period must be >= 1");
  }
  long next_sync(const SyncContext& context) override { return context.last_sync + period_; }
  std::optional<long> longest_period(long total_steps) const override { return std::min(period_, total_steps); }

 private:
  long period_;
};

}  // namespace localsgd
