#include "experiments/runner.hpp"

#include <tbb/parallel_for.h>

#include <chrono>
#include <mutex>

namespace localsgd {

namespace {

class MetricsRecorder final : public Observer {
 public:
  explicit MetricsRecorder(std::size_t expected) { rows_.reserve(expected + 1); }
  void on_evaluation(const Evaluation& evaluation) override { rows_.push_back(evaluation); }
  std::vector<Evaluation> take() { return std::move(rows_); }

 private:
  std::vector<Evaluation> rows_;
};

}  // namespace

RunOutcome execute_run(const RunSpec& run) {
  const auto started = std::chrono::steady_clock::now();
  BuildContext context = run.context();
  const auto problem = run.problem.build(context);
  context.problem = problem.get();
  const auto schedule = run.schedule.build(context);
  const auto step_size = run.step_size.build(context);
  const auto optimizer = run.optimizer.build(context);
  const auto compute = run.compute.build(context);
  const auto network = run.network.build(context);

  Engine engine(*problem, EngineConfig{run.workers, run.steps, run.batch, run.seed},
                Algorithm{*schedule, *step_size, *optimizer}, ClockModels{*compute, *network});
  const std::vector<long> eval_steps = run.eval.steps(run.steps);
  MetricsRecorder recorder(eval_steps.size());
  Observer* observers[] = {&recorder};
  const Vector x0 = starting_point(run.problem, *problem);

  RunOutcome outcome;
  outcome.spec = &run;
  outcome.report = engine.run(x0, eval_steps, observers);
  outcome.rows = recorder.take();
  outcome.constants = problem->constants();
  outcome.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return outcome;
}

std::vector<RunOutcome> execute_runs(const ExperimentSpec& spec,
                                     const std::function<void(const RunOutcome&, std::size_t)>& on_finished) {
  std::vector<RunOutcome> outcomes(spec.runs.size());
  std::mutex report_mutex;
  std::size_t finished = 0;
  tbb::parallel_for(std::size_t{0}, spec.runs.size(), [&](std::size_t i) {
    outcomes[i] = execute_run(spec.runs[i]);
    const std::lock_guard lock(report_mutex);
    on_finished(outcomes[i], ++finished);
  });
  return outcomes;
}

}  // namespace localsgd
