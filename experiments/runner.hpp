#pragma once
// Executes the runs of an expanded spec: builds each run's problem, algorithm and clock from its
// configuration, runs the engine, and collects the metrics rows. Runs execute in parallel (each
// one also parallel over its workers); every run is deterministic on its own.
#include <functional>
#include <optional>
#include <vector>

#include "experiments/spec.hpp"
#include "sim/engine.hpp"
#include "sim/targets.hpp"

namespace localsgd {

struct RunOutcome {
  const RunSpec* spec = nullptr;
  std::vector<Evaluation> rows;
  RunReport report;
  ProblemConstants constants;  // the problem's L, μ, F*, x*, σ², … and how they were obtained
  std::vector<double> slowdown;                      // each worker's slowdown factor (clock.slowdown)
  std::vector<std::optional<TargetHit>> target_hits;  // per target of the run; empty if never met
  double wall_seconds = 0;  // the simulator's own time: reported, never mixed with virtual time
};

// Builds and runs one run.
RunOutcome execute_run(const RunSpec& run);

// Runs every run of the spec, in parallel. A run whose record `store` already holds is not run
// again. Each finished run is saved to the store at once, and `on_finished(run, record, reused,
// finished_count)` is called, serialised.
class RunStore;
struct RunRecord;
using RunFinished = std::function<void(const RunSpec&, const RunRecord&, bool reused, std::size_t finished)>;
std::vector<RunRecord> execute_runs(const ExperimentSpec& spec, const RunStore* store, const RunFinished& on_finished);

}  // namespace localsgd
