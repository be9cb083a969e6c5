#pragma once
// `post_local`: Lin, Stich, Patel, Jaggi, "Don't use large mini-batches, use local SGD" (ICLR
// 2020): synchronous SGD (τ = 1) up to step `switch_step`, local SGD with period τ after it.
// Syncs: 1, 2, …, switch_step, switch_step + τ, switch_step + 2τ, … and T.
#include <algorithm>
#include <stdexcept>

#include "algorithms/sync_schedule.hpp"

namespace localsgd {

class PostLocal final : public SyncSchedule {
 public:
  PostLocal(long switch_step, long period) : switch_step_(switch_step), period_(period) {
    if (switch_step < 0 || period < 1) throw std::invalid_argument("PostLocal: needs switch_step >= 0, period >= 1");
  }
  long next_sync(const SyncContext& context) override {
    return context.last_sync < switch_step_ ? context.last_sync + 1 : context.last_sync + period_;
  }
  std::optional<long> longest_period(long total_steps) const override {
    return switch_step_ >= total_steps ? 1 : std::min(period_, total_steps - switch_step_);
  }

 private:
  long switch_step_;
  long period_;
};

}  // namespace localsgd
