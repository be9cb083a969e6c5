#include "algorithms/sync_schedule.hpp"

#include <algorithm>
#include <stdexcept>

namespace localsgd {

std::vector<long> planned_sync_steps(SyncSchedule& schedule, long total_steps, int workers, int batch,
                                     std::size_t max_syncs) {
  if (schedule.adapts_to_run()) throw std::logic_error("planned_sync_steps: the schedule adapts to the run");
  std::vector<long> steps;
  SyncContext context{total_steps, workers, batch, 0, 0, 0.0, nullptr};
  while (context.last_sync < total_steps && steps.size() < max_syncs) {
    // The same clamp as the engine: strictly after the last sync, never beyond T.
    const long next = std::clamp(schedule.next_sync(context), context.last_sync + 1, total_steps);
    steps.push_back(next);
    context.last_sync = next;
    ++context.rounds_done;
  }
  return steps;
}

}  // namespace localsgd
