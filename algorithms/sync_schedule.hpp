#pragma once
// When the workers average their models (the paper's Algorithm 1 synchronises after step t when
// t is a sync point). Step T is always a sync point (DESIGN.md §3); the engine enforces that.
namespace localsgd {

// What a schedule may look at when it decides the next sync point.
struct SyncContext {
  long total_steps = 0;  // T
  int workers = 0;       // p
  int batch = 0;         // B
  long last_sync = 0;    // the step of the latest sync, 0 at the start
  int rounds_done = 0;   // syncs so far
  double virtual_time = 0;  // virtual seconds at the latest sync (never the simulator's wall clock)
};

class SyncSchedule {
 public:
  virtual ~SyncSchedule() = default;
  // Called at the start and after every sync: the step after which the next sync happens. The
  // engine clamps the answer into (last_sync, T]. Not const: adaptive schedules keep state.
  virtual long next_sync(const SyncContext& context) = 0;
};

}  // namespace localsgd
