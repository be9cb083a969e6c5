#pragma once
// Refuses, while a spec is validated, a run whose virtual clock is bound to overflow: its expected
// virtual time is not a finite double. The engine still ends a run whose clock overflows by chance
// (a huge draw) as `clock_overflow` (sim/engine.hpp); this catches what is predictable.
#include "core/types.hpp"
#include "experiments/language/params.hpp"

namespace localsgd {

struct RunSpec;

// The expected virtual time of `run` is at least
//   T · max_i E[step time of worker i]  +  (seconds per average) · (rounds),
// with the step time including the worker's slowdown and per_sample · B, and the rounds exact for
// schedules planned ahead, 1 (the last step always syncs) for schedules that adapt to the run.
// Fails at `clock_at`/compute, /network or `clock_at` itself (the sum) when a part is not finite.
void check_clock_bound(const RunSpec& run, const Location& clock_at, Index dim);

}  // namespace localsgd
