#include "experiments/spec/clock_bound.hpp"

#include <fmt/format.h>

#include <cmath>

#include "experiments/spec/spec.hpp"
#include "sim/compute_models.hpp"

namespace localsgd {

namespace {

// At most this many planned syncs are listed to count rounds; a schedule with more has at least
// that many, which is still a lower bound.
constexpr std::size_t kMostPlannedSyncs = std::size_t{1} << 20;

}  // namespace

void check_clock_bound(const RunSpec& run, const Location& clock_at, Index dim) {
  const BuildContext context = run.context();
  const auto slowdown = run.slowdown.build(context);
  const ScaledCompute compute(run.compute.build(context), run.compute.params.number("per_sample") * run.batch,
                              slowdown->factors);
  double step = 0;  // the largest expected step time over the workers
  for (int i = 0; i < run.workers; ++i) {
    const double mean = compute.mean_step_seconds(i).value_or(0.0);
    if (!(mean <= step)) step = mean;  // also takes a NaN or inf
  }
  const auto steps = static_cast<double>(run.steps);
  const double compute_total = step * steps;
  if (!std::isfinite(compute_total)) {
    clock_at.child("compute").fail(fmt::format(
        "the virtual clock would overflow: the expected step time of the slowest worker ({:.4g} s, with its slowdown "
        "and per_sample x batch) x {} steps is {:.4g} s, beyond the largest double (1.8e308); use smaller times or "
        "fewer steps",
        step, run.steps, compute_total));
  }

  const auto network = run.network.build(context);
  const double per_average = network->allreduce_seconds(run.workers, dim);
  double rounds = 1;  // step T always syncs
  if (!std::isfinite(per_average * steps)) {  // only then count the rounds: T is a bound otherwise
    const auto schedule = run.schedule.build(context);
    if (!schedule->adapts_to_run()) {
      rounds = static_cast<double>(
          planned_sync_steps(*schedule, run.steps, run.workers, run.batch, kMostPlannedSyncs).size());
    }
  }
  const double network_total = per_average * rounds;
  if (!std::isfinite(network_total)) {
    clock_at.child("network").fail(fmt::format(
        "the virtual clock would overflow: {:.4g} s per average x {:g} rounds is {:.4g} s, beyond the largest double "
        "(1.8e308); use a smaller time per average or fewer rounds",
        per_average, rounds, network_total));
  }
  if (!std::isfinite(compute_total + network_total)) {
    clock_at.fail(fmt::format("the virtual clock would overflow: expected compute time {:.4g} s + communication "
                              "time {:.4g} s is beyond the largest double (1.8e308); use smaller times",
                              compute_total, network_total));
  }
}

}  // namespace localsgd
