#pragma once
// Per-worker slowdown factors (clock.slowdown): worker i's every step takes slowdown_i times as
// long as the compute model says, for the whole run; a machine that is slower than the others,
// as opposed to the compute model's per-step draws. Factors drawn at random use one stream per
// worker (StreamPurpose::worker_slowdown), drawn once when the run is built.
#include <cstdint>
#include <vector>

namespace localsgd {

struct WorkerSlowdowns {
  std::vector<double> factors;  // one per worker, all > 0
};

// Every factor 1.
WorkerSlowdowns no_slowdown(int workers);

// Factor `factor` for worker `slow_worker`, 1 for the others.
WorkerSlowdowns one_slow_worker(int workers, int slow_worker, double factor);

// Uniform in [low, high): mean (low + high)/2, variance (high − low)²/12.
WorkerSlowdowns uniform_slowdowns(int workers, double low, double high, std::uint64_t seed);

// exp(σZ − σ²/2) with Z standard normal: log-normal with mean 1, variance exp(σ²) − 1, so that
// the cluster's average speed stays that of the compute model.
WorkerSlowdowns lognormal_slowdowns(int workers, double sigma, std::uint64_t seed);

}  // namespace localsgd
