#pragma once
// One simulated worker: its private model, buffers, optimizer state, random streams and clock.
// Nothing in here is shared with another worker, so workers step concurrently without locks.
// Kept small, since a run may hold 10^5 of them: the sampling stream (2.5 KB) dominates; the
// compute-time stream lives outside, and only when the compute model draws; the stochastic
// gradient is a scratch buffer of the engine, one per chunk of workers stepped as one task.
#include <vector>

#include "core/random.hpp"
#include "core/types.hpp"
#include "sim/observer.hpp"

namespace localsgd {

// Cache-line aligned so that two workers' scalar fields (clock, counters) never share a line.
struct alignas(64) Worker {
  Vector model;
  std::vector<Vector> optimizer_state;
  long optimizer_age = 0;           // updates since the optimizer state was (re)started
  Rng sampling;                     // mini-batch draws (StreamPurpose::sampling)
  // Finite sums (Problem::finite_sum): a ring of slots of B row indices, step t's rows in slot
  // t mod (slots); the rows of every step up to `drawn_until` are drawn.
  std::vector<Index> rows;
  long drawn_until = 0;
  // The stream of compute-time draws (StreamPurpose::compute_time), owned by the engine; null when
  // the compute model draws nothing, every step then taking `step_seconds`.
  Rng* compute_stream = nullptr;
  double step_seconds = 0;
  double clock = 0;                 // virtual time at which this worker finished its latest step
  double busy_seconds = 0;          // total compute time
  double idle_seconds = 0;          // total time waiting at barriers
  long clock_overflow_step = 0;     // the first step after which `clock` was not finite (0: never)
};

inline std::size_t ModelsView::size() const { return workers_->size(); }
inline const Vector& ModelsView::operator[](std::size_t i) const { return (*workers_)[i].model; }

}  // namespace localsgd
