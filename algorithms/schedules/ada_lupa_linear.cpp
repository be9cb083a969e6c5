#include "algorithms/schedules/ada_lupa_linear.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace localsgd {

AdaLupaLinear::AdaLupaLinear(double initial_period, double alpha) : initial_period_(initial_period), alpha_(alpha) {
  if (!(initial_period >= 1) || !(alpha >= 0)) throw std::invalid_argument("AdaLupaLinear: needs tau0 >= 1, alpha >= 0");
}

double AdaLupaLinear::alpha_for_rounds(long total_steps, double initial_period, long rounds) {
  return 2.0 * static_cast<double>(total_steps) /
         (initial_period * static_cast<double>(rounds) * static_cast<double>(rounds + 1));
}

long AdaLupaLinear::next_sync(const SyncContext& context) {
  // Round i = rounds_done + 1 starts at s_{i−1} = last_sync.
  const double round = context.rounds_done + 1;
  const double period = initial_period_ * (1.0 + round * alpha_);
  return static_cast<long>(std::ceil(static_cast<double>(context.last_sync) + period));
}

std::optional<long> AdaLupaLinear::longest_period(long total_steps) const {
  AdaLupaLinear copy(*this);
  long longest = 0, previous = 0;
  SyncContext context{total_steps, 1, 1, 0, 0, 0.0, nullptr};
  while (previous < total_steps) {
    const long next = std::clamp(copy.next_sync(context), previous + 1, total_steps);
    longest = std::max(longest, next - previous);
    previous = context.last_sync = next;
    ++context.rounds_done;
  }
  return longest;
}

}  // namespace localsgd
