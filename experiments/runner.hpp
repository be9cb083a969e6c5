#pragma once
// Executes the runs of an expanded spec: builds each run's problem, algorithm and clock from its
// configuration, runs the engine, and collects the metrics rows. Runs execute in parallel (each
// one also parallel over its workers); every run is deterministic on its own.
#include <functional>
#include <vector>

#include "experiments/spec.hpp"
#include "sim/engine.hpp"

namespace localsgd {

struct RunOutcome {
  const RunSpec* spec = nullptr;
  std::vector<Evaluation> rows;
  RunReport report;
  ProblemConstants constants;  // the problem's L, μ, F*, x*, σ², … and how they were obtained
  double wall_seconds = 0;  // the simulator's own time: reported, never mixed with virtual time
};

// Builds and runs one run.
RunOutcome execute_run(const RunSpec& run);

// Runs every run; `on_finished(outcome, finished_count)` is called once per run, serialised.
std::vector<RunOutcome> execute_runs(const ExperimentSpec& spec,
                                     const std::function<void(const RunOutcome&, std::size_t)>& on_finished);

}  // namespace localsgd
