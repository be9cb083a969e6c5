#pragma once
// One simulated worker: its private model, optimizer state and clock. Nothing in here is shared
// with another worker, so workers step concurrently without locks. Kept small, since a run may
// hold 10^6 of them: the random numbers are addressed (core/random.hpp), so a worker holds no
// generator; the rows drawn ahead and the stochastic gradient are scratch of the engine, one per
// chunk of workers stepped as one task. Per worker: this struct (88 bytes), the model's heap block
// (8d + 16 bytes) and, for an optimizer with state, its vectors (docs/design.md §10).
#include <vector>

#include "core/types.hpp"
#include "sim/observer.hpp"

namespace localsgd {

// Not cache-line aligned: workers are stepped in chunks of consecutive ids, one chunk per task,
// so only the two workers at a chunk boundary can share a line, and padding would add 40 bytes
// to every worker (40 MB at p = 10^6).
struct Worker {
  Vector model;
  std::vector<Vector> optimizer_state;
  long optimizer_age = 0;           // updates since the optimizer state was (re)started
  double step_seconds = 0;          // a step's compute time, when the compute model draws none
  double clock = 0;                 // virtual time at which this worker finished its latest step
  double busy_seconds = 0;          // total compute time
  double idle_seconds = 0;          // total time waiting at barriers
  long clock_overflow_step = 0;     // the first step after which `clock` was not finite (0: never)
};

inline std::size_t ModelsView::size() const { return workers_->size(); }
inline const Vector& ModelsView::operator[](std::size_t i) const { return (*workers_)[i].model; }
inline double ModelsView::busy_seconds(std::size_t i) const { return (*workers_)[i].busy_seconds; }
inline double ModelsView::idle_seconds(std::size_t i) const { return (*workers_)[i].idle_seconds; }

}  // namespace localsgd
