#pragma once
// `ada_lupa_linear`: the adaptive schedule of the paper's experiments (Haddadpour et al. 2019,
// ADA-LUPA): round i = 1, 2, … has period τ_i = τ_0 (1 + iα), and the sync steps are
// s_i = ⌈s_{i−1} + τ_i⌉ with s_0 = 0. Given a number of rounds E instead of α, the paper's
// reference code uses α = 2T / (τ_0 E (E + 1)).
#include "algorithms/sync_schedule.hpp"

namespace localsgd {

class AdaLupaLinear final : public SyncSchedule {
 public:
  AdaLupaLinear(double initial_period, double alpha);
  // α = 2T / (τ_0 E (E + 1)).
  static double alpha_for_rounds(long total_steps, double initial_period, long rounds);

  long next_sync(const SyncContext& context) override;
  std::optional<long> longest_period(long total_steps) const override;

 private:
  double initial_period_;
  double alpha_;
};

}  // namespace localsgd
