#pragma once
// Small builders shared by the tests: a least-squares problem, an engine run with recorded rows.
#include <memory>
#include <vector>

#include "algorithms/optimizers/sgd.hpp"
#include "algorithms/schedules/every_step.hpp"
#include "algorithms/schedules/fixed_period.hpp"
#include "algorithms/schedules/one_shot.hpp"
#include "algorithms/step_sizes/constant.hpp"
#include "algorithms/step_sizes/inverse_time.hpp"
#include "problems/least_squares.hpp"
#include "sim/compute_models.hpp"
#include "sim/engine.hpp"
#include "sim/network_models.hpp"

namespace localsgd::test {

inline std::shared_ptr<const LeastSquares> make_least_squares(Index samples, Index dim, int workers,
                                                              double noise = 0.1, std::uint64_t data_seed = 7) {
  auto data = make_synthetic_regression({samples, dim, noise}, data_seed);
  return std::make_shared<LeastSquares>(data, iid_partition(samples, workers, data_seed));
}

class Recorder final : public Observer {
 public:
  void on_evaluation(const Evaluation& e) override { rows.push_back(e); }
  std::vector<Evaluation> rows;
};

struct RunResult {
  RunReport report;
  std::vector<Evaluation> rows;
};

// Runs local SGD from x0 = 0 with the given schedule, step size and clock models, evaluating at
// `eval_steps`.
inline RunResult run_engine_with_clock(const Problem& problem, SyncSchedule& schedule, const StepSize& step_size,
                                       long steps, int batch, std::uint64_t seed, const std::vector<long>& eval_steps,
                                       ClockModels clock, std::vector<Observer*> extra_observers = {}) {
  const Sgd sgd;
  Engine engine(problem, EngineConfig{problem.workers(), steps, batch, seed}, Algorithm{schedule, step_size, sgd},
                clock);
  Recorder recorder;
  extra_observers.push_back(&recorder);
  RunResult result;
  result.report = engine.run(Vector::Zero(problem.dim()), eval_steps, extra_observers);
  result.rows = recorder.rows;
  return result;
}

// The same with a constant clock: 1 s per step, 0 s per sync unless given.
inline RunResult run_engine(const Problem& problem, SyncSchedule& schedule, const StepSize& step_size, long steps,
                            int batch, std::uint64_t seed, const std::vector<long>& eval_steps,
                            std::vector<Observer*> extra_observers = {}, double compute_seconds = 1.0,
                            double network_seconds = 0.0) {
  const ConstantCompute compute(compute_seconds);
  const ConstantNetwork network(network_seconds);
  return run_engine_with_clock(problem, schedule, step_size, steps, batch, seed, eval_steps,
                               ClockModels{compute, network}, std::move(extra_observers));
}

inline std::vector<long> every_step(long steps) {
  std::vector<long> out;
  for (long t = 0; t <= steps; ++t) out.push_back(t);
  return out;
}

}  // namespace localsgd::test
