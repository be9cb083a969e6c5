#pragma once
// The fixed schedules: synchronous SGD, fixed period τ (LUPA-SGD) and one-shot averaging.
#include "algorithms/sync_schedule.hpp"

namespace localsgd {

// τ = 1: average after every step (synchronous / mini-batch SGD with batch pB).
class SyncEveryStep final : public SyncSchedule {
 public:
  long next_sync(const SyncContext& context) override { return context.last_sync + 1; }
};

// LUPA-SGD with a fixed period (paper, Algorithm 1): syncs after steps τ, 2τ, … and T.
class FixedPeriod final : public SyncSchedule {
 public:
  explicit FixedPeriod(long period);
  long next_sync(const SyncContext& context) override { return context.last_sync + period_; }

 private:
  long period_;
};

// τ = T: one average, after the last step.
class OneShot final : public SyncSchedule {
 public:
  long next_sync(const SyncContext& context) override { return context.total_steps; }
};

}  // namespace localsgd
