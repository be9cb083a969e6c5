#include "sim/worker_slowdown.hpp"

#include <cmath>

#include "core/random.hpp"

namespace localsgd {

namespace {

template <class Draw>
WorkerSlowdowns draw_per_worker(int workers, std::uint64_t seed, const Draw& draw) {
  WorkerSlowdowns out;
  out.factors.reserve(static_cast<std::size_t>(workers));
  for (int i = 0; i < workers; ++i) {
    Rng rng(seed, StreamPurpose::worker_slowdown, static_cast<std::uint64_t>(i), 0);
    out.factors.push_back(draw(rng));
  }
  return out;
}

}  // namespace

WorkerSlowdowns no_slowdown(int workers) { return {std::vector<double>(static_cast<std::size_t>(workers), 1.0)}; }

WorkerSlowdowns one_slow_worker(int workers, int slow_worker, double factor) {
  WorkerSlowdowns out = no_slowdown(workers);
  out.factors.at(static_cast<std::size_t>(slow_worker)) = factor;
  return out;
}

WorkerSlowdowns uniform_slowdowns(int workers, double low, double high, std::uint64_t seed) {
  return draw_per_worker(workers, seed, [&](Rng& rng) { return low + (high - low) * uniform01(rng); });
}

WorkerSlowdowns lognormal_slowdowns(int workers, double sigma, std::uint64_t seed) {
  return draw_per_worker(workers, seed,
                         [&](Rng& rng) { return std::exp(sigma * standard_normal(rng) - 0.5 * sigma * sigma); });
}

}  // namespace localsgd
