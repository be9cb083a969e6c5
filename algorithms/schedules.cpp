#include "algorithms/schedules.hpp"

#include <stdexcept>

namespace localsgd {

FixedPeriod::FixedPeriod(long period) : period_(period) {
  if (period < 1) throw std::invalid_argument("FixedPeriod: period must be >= 1");
}

}  // namespace localsgd
