#pragma once
// `ada_lupa_loss`: the loss-driven adaptive period of Haddadpour et al. 2019 (ADA-LUPA):
//   τ_i = ⌈(F(x̄_0) / F(x̄_{s_{i−1}}))^{1/3}⌉ · τ_0,
// evaluated at the averaged model after each sync, so the period grows as the loss falls. The
// paper drops F* (assumes it is 0); with `use_gap` the ratio uses F − F* instead.
#include "algorithms/sync_schedule.hpp"

namespace localsgd {

class AdaLupaLoss final : public SyncSchedule {
 public:
  AdaLupaLoss(long initial_period, bool use_gap);
  long next_sync(const SyncContext& context) override;
  bool adapts_to_run() const override { return true; }
  std::optional<long> longest_period(long /*total_steps*/) const override { return std::nullopt; }

 private:
  long initial_period_;
  bool use_gap_;
  double initial_value_ = 0;  // F(x̄_0), read at the first decision
};

}  // namespace localsgd
