#include "algorithms/round/aggregation.hpp"

#include <algorithm>
#include <stdexcept>

namespace localsgd::round {

namespace {

template <class T>
bool all_equal(std::span<const T> values) {
  return std::adjacent_find(values.begin(), values.end(), std::not_equal_to<>()) == values.end();
}

}  // namespace

bool aggregation_weights(AggregationKind kind, std::span<const int> ids, std::span<const int> multiplicity,
                         std::span<const double> shard_sizes, std::span<const long> steps,
                         std::vector<double>& weights) {
  weights.clear();
  const std::size_t k = ids.size();
  if (k == 0) return true;
  if (kind != AggregationKind::uniform && !all_equal(multiplicity)) {
    throw std::invalid_argument("aggregation: weighted participation is already proportional to shard sizes");
  }
  auto shard = [&](std::size_t j) {
    return shard_sizes.empty() ? 1.0 : shard_sizes[static_cast<std::size_t>(ids[j])];
  };
  bool equal_shards = true;
  for (std::size_t j = 1; j < k && equal_shards; ++j) equal_shards = shard(j) == shard(0);

  if (kind == AggregationKind::uniform || (equal_shards && (kind == AggregationKind::shard_size || all_equal(steps)))) {
    if (all_equal(multiplicity)) return true;  // the plain mean
    double total = 0;
    for (int m : multiplicity) total += m;
    for (int m : multiplicity) weights.push_back(m / total);
    return false;
  }
  double total = 0;
  for (std::size_t j = 0; j < k; ++j) total += shard(j);
  for (std::size_t j = 0; j < k; ++j) weights.push_back(shard(j) / total);  // p_i
  if (kind == AggregationKind::shard_size || all_equal(steps)) return false;
  // FedNova: w_i = τ_eff p_i / τ_i.
  double tau_eff = 0;
  for (std::size_t j = 0; j < k; ++j) tau_eff += weights[j] * static_cast<double>(steps[j]);
  for (std::size_t j = 0; j < k; ++j) weights[j] = tau_eff * weights[j] / static_cast<double>(steps[j]);
  return false;
}

}  // namespace localsgd::round
