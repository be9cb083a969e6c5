#pragma once
// One simulated worker: its private model, buffers, optimizer state, random streams and clock.
// Nothing in here is shared with another worker, so workers step concurrently without locks.
#include <vector>

#include "core/random.hpp"
#include "core/types.hpp"
#include "sim/observer.hpp"

namespace localsgd {

// Cache-line aligned so that two workers' scalar fields (clock, counters) never share a line.
struct alignas(64) Worker {
  Vector model;
  Vector gradient;                  // scratch for the stochastic gradient
  std::vector<Vector> optimizer_state;
  long optimizer_age = 0;           // updates since the optimizer state was (re)started
  Rng sampling;                     // mini-batch draws (StreamPurpose::sampling)
  Rng compute_time;                 // compute-time draws (StreamPurpose::compute_time)
  double clock = 0;                 // virtual time at which this worker finished its latest step
  double busy_seconds = 0;          // total compute time
  double idle_seconds = 0;          // total time waiting at barriers
};

inline std::size_t ModelsView::size() const { return workers_->size(); }
inline const Vector& ModelsView::operator[](std::size_t i) const { return (*workers_)[i].model; }

}  // namespace localsgd
