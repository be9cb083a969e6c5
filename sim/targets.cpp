#include "sim/targets.hpp"

#include <algorithm>
#include <array>

namespace localsgd {

TargetTracker::TargetTracker(const Problem& problem, std::vector<Target> targets, long samples_per_step)
    : problem_(problem),
      targets_(std::move(targets)),
      samples_per_step_(samples_per_step),
      hits_(targets_.size()),
      gradient_(Vector::Zero(problem.dim())) {}

bool TargetTracker::all_met() const {
  return std::all_of(hits_.begin(), hits_.end(), [](const auto& hit) { return hit.has_value(); });
}

void TargetTracker::record(std::size_t k, const TargetHit& hit, double value) {
  // NaN (a diverged run) never satisfies <=.
  if (hits_[k] || !(value <= targets_[k].value)) return;
  hits_[k] = hit;
  hits_[k]->metric = value;
}

void TargetTracker::on_evaluation(const Evaluation& e) {
  const bool at_sync = e.step == last_sync_step_;
  for (std::size_t k = 0; k < targets_.size(); ++k) {
    if (!at_sync && targets_[k].check == TargetCheck::syncs) continue;
    const double value = targets_[k].metric == TargetMetric::loss  ? e.loss
                         : targets_[k].metric == TargetMetric::gap ? e.gap
                                                                   : e.grad_norm_sq;
    record(k, TargetHit{e.step, e.round, e.samples, e.time, 0.0, at_sync}, value);
  }
}

void TargetTracker::after_sync(const SyncPoint& sync) {
  last_sync_step_ = sync.step;
  if (all_met()) return;
  // Each metric at most once per sync, and only if a pending target needs it.
  std::array<std::optional<double>, 3> metrics;
  auto metric = [&](TargetMetric m) {
    auto& slot = metrics[static_cast<std::size_t>(m)];
    if (!slot) {
      switch (m) {
        case TargetMetric::loss: slot = problem_.loss(sync.average); break;
        case TargetMetric::gap: slot = problem_.gap(sync.average); break;
        case TargetMetric::grad_norm_sq:
          problem_.gradient(sync.average, gradient_);
          slot = gradient_.squaredNorm();
          break;
      }
    }
    return *slot;
  };
  const long samples = sync.samples >= 0 ? sync.samples : samples_per_step_ * sync.step;
  const TargetHit hit{sync.step, sync.round, samples, sync.time, 0.0, true};
  for (std::size_t k = 0; k < targets_.size(); ++k) {
    if (!hits_[k]) record(k, hit, metric(targets_[k].metric));
  }
}

}  // namespace localsgd
