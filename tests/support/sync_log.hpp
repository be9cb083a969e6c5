#pragma once
// An observer for tests: what every sync of a run looked like.
#include <vector>

#include "problems/problem.hpp"
#include "sim/observer.hpp"

namespace localsgd::test {

// Records, at every sync: its step, round and virtual time, F at the average, and the gap at the
// model worker 0 holds after it (every worker holds the average then).
class SyncLog final : public Observer {
 public:
  explicit SyncLog(const Problem& problem) : problem_(problem) {}
  void after_sync(const SyncPoint& sync) override {
    steps.push_back(sync.step);
    rounds.push_back(sync.round);
    times.push_back(sync.time);
    losses.push_back(problem_.loss(sync.average));
    gaps.push_back(problem_.gap(sync.models[0]));
  }
  std::vector<long> steps;
  std::vector<int> rounds;
  std::vector<double> times, losses, gaps;

 private:
  const Problem& problem_;
};

}  // namespace localsgd::test
