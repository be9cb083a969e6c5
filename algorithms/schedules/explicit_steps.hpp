#pragma once
// `explicit`: average after each of the given steps (strictly increasing), and after T.
#include <algorithm>
#include <stdexcept>
#include <vector>

#include "algorithms/sync_schedule.hpp"

namespace localsgd {

class ExplicitSteps final : public SyncSchedule {
 public:
  explicit ExplicitSteps(std::vector<long> steps) : steps_(std::move(steps)) {
    for (std::size_t i = 0; i < steps_.size(); ++i) {
      if (steps_[i] < 1 || (i > 0 && steps_[i] <= steps_[i - 1])) {
        throw std::invalid_argument("ExplicitSteps: steps must be >= 1 and strictly increasing");
      }
    }
  }
  long next_sync(const SyncContext& context) override {
    const auto next = std::upper_bound(steps_.begin(), steps_.end(), context.last_sync);
    return next == steps_.end() ? context.total_steps : *next;
  }
  std::optional<long> longest_period(long total_steps) const override {
    long longest = 0, previous = 0;
    for (long s : steps_) {
      if (s > total_steps) break;
      longest = std::max(longest, s - previous);
      previous = s;
    }
    return std::max(longest, total_steps - previous);
  }

 private:
  std::vector<long> steps_;
};

}  // namespace localsgd
