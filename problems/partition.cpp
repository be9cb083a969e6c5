#include "problems/partition.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <stdexcept>
#include <utility>

namespace localsgd {

namespace {

// Fisher-Yates from the back: position i−1 swaps with a uniform position in [0, i).
void shuffle(std::vector<Index>& items, Rng& rng) {
  for (std::size_t i = items.size(); i > 1; --i) std::swap(items[i - 1], items[uniform_index(rng, i)]);
}

// Cuts `order` into `workers` contiguous pieces whose sizes differ by at most one (the first
// rows % workers pieces get one more).
std::vector<Shard> cut_evenly(const std::vector<Index>& order, int workers) {
  std::vector<Shard> shards(static_cast<std::size_t>(workers));
  const auto rows = static_cast<Index>(order.size());
  const Index base = rows / workers;
  const Index extra = rows % workers;
  auto next = order.begin();
  for (Index w = 0; w < workers; ++w) {
    const Index size = base + (w < extra ? 1 : 0);
    shards[static_cast<std::size_t>(w)].assign(next, next + size);
    next += size;
  }
  return shards;
}

void require_rows(Index rows, int workers, const char* what) {
  if (workers < 1 || rows < workers) {
    throw std::invalid_argument(
        fmt::format("{}: need at least as many rows as workers (rows {}, workers {})", what, rows, workers));
  }
}

}  // namespace

std::vector<Shard> iid_partition(Index rows, int workers, std::uint64_t seed) {
  require_rows(rows, workers, "iid partition");
  std::vector<Index> order(static_cast<std::size_t>(rows));
  std::iota(order.begin(), order.end(), Index{0});
  Rng rng(seed, StreamPurpose::partition, 0, 0);
  shuffle(order, rng);
  return cut_evenly(order, workers);
}

std::vector<Shard> shared_partition(Index rows, int workers) {
  if (workers < 1 || rows < 1) throw std::invalid_argument("shared partition: need rows >= 1 and workers >= 1");
  Shard all(static_cast<std::size_t>(rows));
  std::iota(all.begin(), all.end(), Index{0});
  return std::vector<Shard>(static_cast<std::size_t>(workers), all);
}

std::vector<Shard> by_label_partition(std::span<const double> labels, int workers) {
  require_rows(static_cast<Index>(labels.size()), workers, "by_label partition");
  std::vector<Index> order(labels.size());
  std::iota(order.begin(), order.end(), Index{0});
  std::stable_sort(order.begin(), order.end(), [&](Index a, Index b) {
    return labels[static_cast<std::size_t>(a)] < labels[static_cast<std::size_t>(b)];
  });
  return cut_evenly(order, workers);
}

std::vector<double> dirichlet_proportions(Rng& rng, std::size_t count, double alpha) {
  if (!(alpha > 0)) throw std::invalid_argument("dirichlet: alpha must be > 0");
  std::vector<double> logs(count);
  for (auto& l : logs) l = log_standard_gamma(rng, alpha);
  const double largest = *std::max_element(logs.begin(), logs.end());
  double total = 0;
  for (auto& l : logs) {
    l = std::exp(l - largest);  // in (0, 1], the largest exactly 1: no underflow of the sum
    total += l;
  }
  for (auto& l : logs) l /= total;
  return logs;
}

std::vector<Shard> dirichlet_partition(std::span<const double> labels, int workers, double alpha, std::uint64_t seed) {
  require_rows(static_cast<Index>(labels.size()), workers, "dirichlet partition");
  std::map<double, std::vector<Index>> classes;  // ascending label
  for (std::size_t j = 0; j < labels.size(); ++j) classes[labels[j]].push_back(static_cast<Index>(j));
  Rng rng(seed, StreamPurpose::partition, 0, 0);
  const auto p = static_cast<std::size_t>(workers);
  std::vector<Shard> shards(p);
  for (auto& [label, rows] : classes) {
    shuffle(rows, rng);
    const std::vector<double> q = dirichlet_proportions(rng, p, alpha);
    // Largest remainder: floor(q_i n_c) each, the rest one by one to the largest fractional
    // parts (ties to the lower worker id).
    const auto n = static_cast<double>(rows.size());
    std::vector<std::size_t> counts(p);
    std::vector<std::pair<double, std::size_t>> remainders(p);
    std::size_t assigned = 0;
    for (std::size_t i = 0; i < p; ++i) {
      const double exact = q[i] * n;
      counts[i] = std::min(rows.size(), static_cast<std::size_t>(std::floor(exact)));
      remainders[i] = {exact - std::floor(exact), i};
      assigned += counts[i];
    }
    std::stable_sort(remainders.begin(), remainders.end(),
                     [](const auto& a, const auto& b) { return a.first > b.first; });
    for (std::size_t k = 0; assigned < rows.size(); k = (k + 1) % p, ++assigned) ++counts[remainders[k].second];
    while (assigned > rows.size()) {  // cannot happen (the floors sum to at most n), kept as a guard
      for (auto& c : counts) {
        if (c > 0 && assigned > rows.size()) {
          --c;
          --assigned;
        }
      }
    }
    auto next = rows.begin();
    for (std::size_t i = 0; i < p; ++i) {
      shards[i].insert(shards[i].end(), next, next + static_cast<std::ptrdiff_t>(counts[i]));
      next += static_cast<std::ptrdiff_t>(counts[i]);
    }
  }
  for (std::size_t i = 0; i < p; ++i) {
    if (shards[i].empty()) {
      throw std::invalid_argument(fmt::format(
          "the Dirichlet draw (alpha = {}) left worker {} without rows; raise alpha, use fewer workers or "
          "another data_seed",
          alpha, i));
    }
  }
  return shards;
}

Index smallest_shard_size(const std::vector<Shard>& shards) {
  if (shards.empty()) return 0;
  std::size_t smallest = shards.front().size();
  for (const Shard& s : shards) smallest = std::min(smallest, s.size());
  return static_cast<Index>(smallest);
}

}  // namespace localsgd
