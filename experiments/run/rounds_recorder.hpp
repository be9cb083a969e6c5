#pragma once
// The observer behind rounds.csv and summary.json's sync_steps: at every sync, each traced
// worker's compute and idle seconds in the round just ended (the growth of its clock totals since
// the previous sync) and the local steps it ran whose model was used. A completed run ends with a
// sync, so the rounds' seconds add up to summary.json's per-worker compute_time and idle_time
// (up to the rounding of the differences).
#include <string>
#include <vector>

#include "sim/observer.hpp"
#include "sim/worker.hpp"  // ModelsView's accessors

namespace localsgd {

class RoundsRecorder final : public Observer {
 public:
  // `workers`: the traced ids (increasing) of a run of `worker_count` workers; room is reserved
  // for `expected_rounds` rounds (more still work: the buffers grow).
  RoundsRecorder(std::vector<int> workers, int worker_count, long expected_rounds);

  void after_sync(const SyncPoint& sync) override;

  // The step of every sync, in order (summary.json's sync_steps).
  const std::vector<long>& sync_steps() const { return sync_steps_; }

  // One row per (round, traced worker): round,worker,compute_seconds,idle_seconds,steps.
  static std::string header() { return "round,worker,compute_seconds,idle_seconds,steps\n"; }
  std::string rows() const;

  // For tests: round k's (0 for the first) values of traced worker j.
  double compute_seconds(std::size_t k, std::size_t j) const { return compute_[k * workers_.size() + j]; }
  double idle_seconds(std::size_t k, std::size_t j) const { return idle_[k * workers_.size() + j]; }
  long steps(std::size_t k, std::size_t j) const { return steps_[k * workers_.size() + j]; }

 private:
  std::vector<int> workers_;
  std::vector<double> busy_before_, idle_before_;  // per traced worker, the totals at the last sync
  std::vector<long> steps_this_round_;              // per worker (all of them), scratch
  std::vector<long> sync_steps_;
  std::vector<int> rounds_;
  std::vector<double> compute_, idle_;
  std::vector<long> steps_;
};

}  // namespace localsgd
