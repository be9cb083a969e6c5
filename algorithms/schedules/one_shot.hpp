#pragma once
// `one_shot`: τ = T, a single average after the last step (one-shot averaging).
#include "algorithms/sync_schedule.hpp"

namespace localsgd {

class OneShot final : public SyncSchedule {
 public:
  long next_sync(const SyncContext& context) override { return context.total_steps; }
  std::optional<long> longest_period(long total_steps) const override { return total_steps; }
};

}  // namespace localsgd
