#pragma once
// Time to reach a target (`gap <= ε`, `loss <= ε`, `grad_norm_sq <= ε`): an observer that records
// the first step, round, sample count and virtual time at which a target held. It only reads the
// models, so declaring targets never changes a run.
//
// Where a target is checked:
//  - `syncs` (the default): at every sync, on the average every worker then holds, and at step 0
//    (every worker holds x0). This is the time at which a model meeting the target exists on the
//    cluster; it is independent of the evaluation grid.
//  - `syncs_and_evaluations`: also at every evaluation point between syncs, on the virtual
//    average x̄_t that no worker holds (it would take one more all-reduce to produce). This
//    matches where the metrics.csv curves cross ε.
// Checking at syncs evaluates the metric at every sync until the target is met: a full pass over
// the data per sync for `loss`, so it costs most with Sync-SGD (one sync per step).
#include <optional>
#include <vector>

#include "problems/problem.hpp"
#include "sim/observer.hpp"

namespace localsgd {

enum class TargetMetric { loss, gap, grad_norm_sq };
enum class TargetCheck { syncs, syncs_and_evaluations };

struct Target {
  TargetMetric metric = TargetMetric::gap;
  double value = 0;  // ε: the target holds when metric <= value
  TargetCheck check = TargetCheck::syncs;
  bool operator==(const Target&) const = default;
};

struct TargetHit {
  long step = 0;
  int round = 0;
  long samples = 0;     // p·B·step
  double time = 0;      // virtual seconds
  double metric = 0;    // the metric's value there (<= the target's value)
  bool at_sync = true;  // false: an evaluation point between syncs (the virtual average)
};

class TargetTracker final : public Observer {
 public:
  // `samples_per_step` = p·B.
  TargetTracker(const Problem& problem, std::vector<Target> targets, long samples_per_step);

  void on_evaluation(const Evaluation& evaluation) override;
  void after_sync(const SyncPoint& sync) override;

  const std::vector<Target>& targets() const { return targets_; }
  // One entry per target, empty when it was never met.
  const std::vector<std::optional<TargetHit>>& hits() const { return hits_; }

 private:
  bool all_met() const;
  void record(std::size_t k, const TargetHit& hit, double value);

  const Problem& problem_;
  std::vector<Target> targets_;
  long samples_per_step_;
  std::vector<std::optional<TargetHit>> hits_;
  long last_sync_step_ = 0;  // step 0 counts as synced: every worker holds x0
  Vector gradient_;          // scratch for grad_norm_sq, allocated once
};

}  // namespace localsgd
