#pragma once
// When the workers average their models (the paper's Algorithm 1 synchronises after step t when
// t is a sync point). Step T is always a sync point (docs/design.md §3); the engine enforces that.
#include <optional>
#include <vector>

namespace localsgd {

// The averaged model x̄ at the latest sync (x̄_0 = x_0 at the start), for schedules whose decisions
// depend on the run. Evaluating it is part of the algorithm, not of the metrics.
class AveragedModel {
 public:
  virtual ~AveragedModel() = default;
  virtual double loss() const = 0;  // F(x̄)
  virtual double gap() const = 0;   // F(x̄) − F*
};

// What a schedule may look at when it decides the next sync point.
struct SyncContext {
  long total_steps = 0;  // T
  int workers = 0;       // p
  int batch = 0;         // B
  long last_sync = 0;    // the step of the latest sync, 0 at the start
  int rounds_done = 0;   // syncs so far
  double virtual_time = 0;  // virtual seconds at the latest sync (never the simulator's wall clock)
  const AveragedModel* average = nullptr;  // null when planning without running
};

class SyncSchedule {
 public:
  virtual ~SyncSchedule() = default;
  // Called at the start and after every sync: the step after which the next sync happens. The
  // engine clamps the answer into (last_sync, T]. Not const: adaptive schedules keep state.
  virtual long next_sync(const SyncContext& context) = 0;
  // True if decisions read the run (losses, virtual time): such schedules cannot be planned
  // ahead (`localsgd explain`) and get `context.average`.
  virtual bool adapts_to_run() const { return false; }
  // The longest period this schedule can use, if known before running (for step-size rules
  // that depend on τ).
  virtual std::optional<long> longest_period(long total_steps) const = 0;
};

// The sync steps of a schedule that does not adapt to the run, from a fresh instance; at most
// `max_syncs` of them (the first ones), so that a huge T cannot make the list unbounded.
std::vector<long> planned_sync_steps(SyncSchedule& schedule, long total_steps, int workers, int batch,
                                     std::size_t max_syncs = static_cast<std::size_t>(-1));

}  // namespace localsgd
