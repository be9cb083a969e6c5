#include "sim/network_models.hpp"

#include <algorithm>
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

double RingAllReduce::allgather_seconds(int workers, Index /*values*/, double message_bytes) const {
  return (workers - 1.0) * link_.seconds_for_bytes(message_bytes);
}

double TreeAllReduce::allgather_seconds(int workers, Index /*values*/, double message_bytes) const {
  if (workers == 1) return 0.0;
  const double levels = ceil_log2(workers);
  const double p = workers;
  return levels * link_.latency + (p - 1.0) * message_bytes / link_.bandwidth +
         levels * link_.seconds_for_bytes(p * message_bytes);
}

double RecursiveDoublingAllReduce::allgather_seconds(int workers, Index /*values*/, double message_bytes) const {
  const double p = workers;
  const double exchange = floor_log2(workers) * link_.latency + (p - 1.0) * message_bytes / link_.bandwidth;
  if (std::has_single_bit(static_cast<unsigned>(workers))) return exchange;
  return exchange + link_.seconds_for_bytes(message_bytes) + link_.seconds_for_bytes(p * message_bytes);
}

double ParameterServer::allgather_seconds(int workers, Index values, double message_bytes) const {
  const double p = workers;
  const double returned = std::min(link_.message_bytes(values), p * message_bytes);
  return link_.seconds_for_bytes(p * message_bytes) + link_.seconds_for_bytes(p * returned);
}

}  // namespace localsgd
