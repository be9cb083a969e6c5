#pragma once
// `sync`: τ = 1, an average after every step (synchronous SGD; with p workers and batch B it is
// mini-batch SGD with batch pB).
#include "algorithms/sync_schedule.hpp"

namespace localsgd {

class EveryStep final : public SyncSchedule {
 public:
  long next_sync(const SyncContext& context) override { return context.last_sync + 1; }
  std::optional<long> longest_period(long /*total_steps*/) const override { return 1; }
};

}  // namespace localsgd
