#pragma once
// `adacomm`: Wang & Joshi, "Adaptive communication strategies to achieve the best error-runtime
// trade-off in local-update SGD" (SysML 2019). The period is re-decided at the first sync after
// every `interval` seconds of virtual time, from the loss at the averaged model:
//   τ_l = ⌈sqrt(F(x̄_{t_l}) / F(x̄_0)) · τ_0⌉,
// so it shrinks as the loss falls. Only virtual time enters, never the simulator's wall clock.
#include "algorithms/sync_schedule.hpp"

namespace localsgd {

class AdaComm final : public SyncSchedule {
 public:
  AdaComm(long initial_period, double interval_seconds, bool use_gap);
  long next_sync(const SyncContext& context) override;
  bool adapts_to_run() const override { return true; }
  std::optional<long> longest_period(long /*total_steps*/) const override { return std::nullopt; }
  long current_period() const { return period_; }

 private:
  long initial_period_;
  double interval_;
  bool use_gap_;
  long period_;
  double initial_value_ = 0;
  double next_decision_ = 0;  // virtual time of the next interval boundary
};

}  // namespace localsgd
