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

// One engine run of a test: T, B, the run seed, where to evaluate, who else watches, and (for
// run_engine) a constant clock.
struct EngineRun {
  long steps = 1;
  int batch = 1;
  std::uint64_t seed = 0;
  std::vector<long> eval_steps;
  std::vector<Observer*> observers;
  double compute_seconds = 1.0;  // per step
  double network_seconds = 0.0;  // per sync
  round::Pipeline pipeline = {};  // the round's policies (default: LUPA-SGD's plain average)
  const LocalOptimizer* optimizer = nullptr;  // default: plain SGD
};

// Runs local SGD (plain SGD steps unless run.optimizer says otherwise, the round policies of
// run.pipeline) from x0 = 0 with the given schedule, step size and clock models; `run.compute_seconds` and `run.network_seconds` are not used.
inline RunResult run_engine_with_clock(const Problem& problem, SyncSchedule& schedule, const StepSize& step_size,
                                       const EngineRun& run, ClockModels clock) {
  const Sgd sgd;
  const LocalOptimizer& optimizer = run.optimizer != nullptr ? *run.optimizer : sgd;
  Engine engine(problem, EngineConfig{problem.workers(), run.steps, run.batch, run.seed},
                Algorithm{schedule, step_size, optimizer, run.pipeline}, clock);
  Recorder recorder;
  std::vector<Observer*> observers = run.observers;
  observers.push_back(&recorder);
  RunResult result;
  result.report = engine.run(Vector::Zero(problem.dim()), run.eval_steps, observers);
  result.rows = recorder.rows;
  return result;
}

// The same with a constant clock: run.compute_seconds per step, run.network_seconds per sync.
inline RunResult run_engine(const Problem& problem, SyncSchedule& schedule, const StepSize& step_size,
                            const EngineRun& run) {
  const ConstantCompute compute(run.compute_seconds);
  const ConstantNetwork network(run.network_seconds);
  return run_engine_with_clock(problem, schedule, step_size, run, ClockModels{compute, network});
}

// Every field of every evaluation equal, bit for bit.
inline bool same_evaluations(const std::vector<Evaluation>& a, const std::vector<Evaluation>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t k = 0; k < a.size(); ++k) {
    const Evaluation& x = a[k];
    const Evaluation& y = b[k];
    if (x.step != y.step || x.round != y.round || x.samples != y.samples || x.time != y.time || x.loss != y.loss ||
        x.gap != y.gap || x.grad_norm_sq != y.grad_norm_sq || x.consensus != y.consensus) {
      return false;
    }
  }
  return true;
}

inline bool same_bits(const Vector& a, const Vector& b) {
  return a.size() == b.size() && (a.array() == b.array()).all();
}

inline std::vector<long> every_step(long steps) {
  std::vector<long> out;
  for (long t = 0; t <= steps; ++t) out.push_back(t);
  return out;
}

}  // namespace localsgd::test
