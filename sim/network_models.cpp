#include "sim/network_models.hpp"

#include <bit>

namespace localsgd {

namespace {

// ⌈log₂ p⌉ for p >= 1: the number of bits of p − 1.
int ceil_log2(int p) { return static_cast<int>(std::bit_width(static_cast<unsigned>(p - 1))); }

// ⌊log₂ p⌋ for p >= 1.
int floor_log2(int p) { return static_cast<int>(std::bit_width(static_cast<unsigned>(p))) - 1; }

}  // namespace

double RingAllReduce::allreduce_seconds(int workers, Index values) const {
  const double p = workers;
  return 2.0 * (p - 1.0) * link_.latency + 2.0 * ((p - 1.0) / p) * link_.message_bytes(values) / link_.bandwidth;
}

double TreeAllReduce::allreduce_seconds(int workers, Index values) const {
  const double rounds = 2.0 * ceil_log2(workers);
  return rounds * (link_.latency + link_.message_bytes(values) / link_.bandwidth);
}

double RecursiveDoublingAllReduce::allreduce_seconds(int workers, Index values) const {
  const bool power_of_two = std::has_single_bit(static_cast<unsigned>(workers));
  const double rounds = floor_log2(workers) + (power_of_two ? 0 : 2);
  return rounds * (link_.latency + link_.message_bytes(values) / link_.bandwidth);
}

double ParameterServer::allreduce_seconds(int workers, Index values) const {
  const double p = workers;
  return 2.0 * (link_.latency + p * link_.message_bytes(values) / link_.bandwidth);
}

}  // namespace localsgd
