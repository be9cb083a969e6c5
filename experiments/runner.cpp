#include "experiments/runner.hpp"

#include <tbb/parallel_for.h>

#include <chrono>
#include <mutex>
#include <optional>

#include "experiments/run_record.hpp"
#include "experiments/run_store.hpp"

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
  context.schedule = schedule.get();
  const auto step_size = run.step_size.build(context);
  const auto optimizer = run.optimizer.build(context);
  const auto slowdown = run.slowdown.build(context);
  const ScaledCompute compute(run.compute.build(context), run.compute.params.number("per_sample") * run.batch,
                              slowdown->factors);
  const auto network = run.network.build(context);

  Engine engine(*problem, EngineConfig{run.workers, run.steps, run.batch, run.seed},
                Algorithm{*schedule, *step_size, *optimizer}, ClockModels{compute, *network});
  const std::vector<long> eval_steps = run.eval.steps(run.steps);
  MetricsRecorder recorder(eval_steps.size());
  TargetTracker targets(*problem, run.targets, static_cast<long>(run.workers) * run.batch);
  std::vector<Observer*> observers = {&recorder};
  if (!run.targets.empty()) observers.push_back(&targets);
  const Vector x0 = starting_point(run.problem, *problem);

  RunOutcome outcome;
  outcome.spec = &run;
  outcome.report = engine.run(x0, eval_steps, observers);
  outcome.rows = recorder.take();
  outcome.slowdown = slowdown->factors;
  outcome.target_hits = targets.hits();
  outcome.constants = problem->constants();
  outcome.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return outcome;
}

std::vector<RunRecord> execute_runs(const ExperimentSpec& spec, const RunStore* store, const RunFinished& on_finished) {
  std::vector<RunRecord> records(spec.runs.size());
  std::mutex report_mutex;
  std::size_t finished = 0;
  tbb::parallel_for(std::size_t{0}, spec.runs.size(), [&](std::size_t i) {
    const RunSpec& run = spec.runs[i];
    std::optional<RunRecord> stored = store ? store->load(run) : std::nullopt;
    const bool reused = stored.has_value();
    records[i] = reused ? std::move(*stored) : record_of(execute_run(run));
    const std::lock_guard lock(report_mutex);
    if (store && !reused) store->save(run, records[i]);
    on_finished(run, records[i], reused, ++finished);
  }, tbb::simple_partitioner());
  return records;
}

}  // namespace localsgd
