#include "experiments/run/runner.hpp"

#include <fmt/format.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <optional>

#include "experiments/run/outcome_record.hpp"
#include "experiments/run/rounds_recorder.hpp"
#include "experiments/run/trace_recorder.hpp"
#include "experiments/store/run_store.hpp"
#include "experiments/store/trace_writer.hpp"
#include "sim/async_engine.hpp"
#include "sim/parallel.hpp"

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

// The syncs a run will make, to reserve its trace buffers: exact for a schedule planned ahead; for
// one that adapts to the run, a guess (the buffers grow if it syncs more often).
long expected_syncs(const RunSpec& run, const BuildContext& context) {
  const auto schedule = run.schedule.build(context);
  if (schedule->adapts_to_run()) return std::min(run.steps, 1024L);
  // The spec reader refused a trace whose syncs would exceed kMaxTracedSyncs.
  return static_cast<long>(planned_sync_steps(*schedule, run.steps, run.workers, run.batch, kMaxTracedSyncs).size());
}

}  // namespace

RunOutcome execute_run(const RunSpec& run, const std::atomic<bool>* stop, RankCollectives* split) {
  const auto started = std::chrono::steady_clock::now();
  const BuildContext context = run.context();
  const auto problem = run.build_problem();
  const auto schedule = run.schedule.build(context);
  const auto step_size = run.step_size.build(context, {*schedule, *problem});
  const auto optimizer = run.optimizer.build(context);
  const auto slowdown = run.slowdown.build(context);
  const ScaledCompute compute(run.compute.build(context), run.compute.params.number("per_sample") * run.batch,
                              slowdown->factors);
  const auto network = run.network.build(context);

  const Vector x0 = starting_point(run.problem, *problem);
  EngineConfig config{run.workers, run.steps, run.batch, run.seed};
  const double initial_gap = problem->gap(x0);
  config.divergence_gap = kDivergenceFactor * std::max(initial_gap, 1.0);
  config.stop = stop;
  config.split_ranks = split;
  if (run.trace) config.trace_every = run.trace->every;
  const std::vector<long> eval_steps = run.eval.steps(run.steps);
  MetricsRecorder recorder(eval_steps.size());
  TargetTracker targets(*problem, run.targets, static_cast<long>(run.workers) * run.batch);
  std::vector<Observer*> observers = {&recorder};
  if (!run.targets.empty()) observers.push_back(&targets);
  std::optional<TraceRecorder> trace;
  std::optional<RoundsRecorder> rounds;
  if (run.trace) {
    const long syncs = expected_syncs(run, context);
    trace.emplace(*problem, run.trace->workers, run.trace->coordinates, run.steps / run.trace->every + 1 + 2 * syncs);
    rounds.emplace(run.trace->workers, run.workers, syncs);
    observers.push_back(&*trace);
    observers.push_back(&*rounds);
  }

  RunOutcome outcome;
  outcome.spec = &run;
  if (run.round.asynchronous()) {
    // No barrier (sim/async_engine.hpp): jobs of τ local steps, the schedule's constant period
    // (the spec reader refused every other schedule, and traces).
    AsyncEngine engine(*problem, config,
                       AsyncAlgorithm{run.round.local_steps, *step_size, *optimizer, run.pipeline(),
                                      run.round.coordination_options(context)},
                       ClockModels{compute, *network});
    outcome.report = engine.run(x0, eval_steps, observers);
  } else {
    Engine engine(*problem, config, Algorithm{*schedule, *step_size, *optimizer, run.pipeline()},
                  ClockModels{compute, *network});
    outcome.report = engine.run(x0, eval_steps, observers);
  }
  outcome.rows = recorder.take();
  outcome.slowdown = slowdown->factors;
  outcome.target_hits = targets.hits();
  outcome.constants = problem->constants();
  outcome.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  outcome.initial_gap = initial_gap;
  outcome.eta0 = step_size->at(0);
  outcome.eta_last = step_size->at(std::max(outcome.report.steps_done, 1L) - 1);
  if (run.trace) {
    outcome.sync_steps = rounds->sync_steps();
    outcome.trace_csv = trace->header() + trace->rows();
    outcome.rounds_csv = RoundsRecorder::header() + rounds->rows();
  }
  return outcome;
}

RunsResult execute_runs(const ExperimentSpec& spec, const RunStore* store, const RunFinished& on_finished,
                        const std::atomic<bool>* stop) {
  RunsResult result;
  result.records.resize(spec.runs.size());
  if (!store) result.traces.resize(spec.runs.size());
  std::mutex report_mutex;
  std::atomic<bool> interrupted{false};
  std::atomic<std::size_t> saved_earlier{0};
  auto stopped = [&] { return stop != nullptr && stop->load(std::memory_order_relaxed); };
  parallel_for_index(std::size_t{0}, spec.runs.size(), [&](std::size_t i) {
    if (stopped()) {
      interrupted = true;
      // Not loaded now, but saved by an earlier invocation: it counts as finished and saved.
      if (store && std::filesystem::exists(store->path_of(spec.runs[i]))) ++saved_earlier;
      return;
    }
    const RunSpec& run = spec.runs[i];
    std::optional<RunRecord> stored = store ? store->load(run) : std::nullopt;
    // A traced run is reused only with its trace files (written before its record).
    if (stored && run.trace && !has_run_traces(*store, run)) stored.reset();
    const bool reused = stored.has_value();
    RunRecord record;
    if (reused) {
      record = std::move(*stored);
    } else {
      // Isolated: while this run waits for its workers, the thread does not start another run
      // (which would put more runs in memory at once than there are threads).
      std::optional<RunOutcome> outcome;
      tbb::this_task_arena::isolate([&] { outcome = execute_run(run, stop); });
      if (outcome->report.termination == Termination::interrupted) {
        interrupted = true;
        return;
      }
      record = record_of(*outcome);
      if (store && run.trace) save_run_traces(*store, run, outcome->trace_csv, outcome->rounds_csv);
      if (!store && run.trace) result.traces[i] = {std::move(outcome->trace_csv), std::move(outcome->rounds_csv)};
    }
    const std::lock_guard lock(report_mutex);
    if (store && !reused) store->save(run, record);
    result.records[i] = std::move(record);
    on_finished(run, result.records[i], reused, ++result.finished);
  }, tbb::simple_partitioner());
  result.interrupted = interrupted.load();
  result.finished += saved_earlier.load();
  return result;
}

namespace {

// Rank 0's value of one number, on every rank.
double rank0_value(RankCollectives& ranks, double mine) {
  const std::vector<std::size_t> counts(static_cast<std::size_t>(ranks.ranks()), 1);
  std::vector<double> all(counts.size());
  ranks.all_gather(std::span<const double>(&mine, 1), counts, all);
  return all.front();
}

// Whether some rank's value is true.
bool any_rank(RankCollectives& ranks, bool mine) {
  const std::vector<std::size_t> counts(static_cast<std::size_t>(ranks.ranks()), 1);
  std::vector<double> all(counts.size());
  const double value = mine ? 1 : 0;
  ranks.all_gather(std::span<const double>(&value, 1), counts, all);
  return std::any_of(all.begin(), all.end(), [](double v) { return v != 0; });
}

// Test hook (tests/mpi/mpi_test.sh, mode split_failure): LOCALSGD_TEST_FAIL_RUN=K makes the last
// rank throw as split run K starts, while the other ranks wait in the run's first exchange.
void fail_split_run_if_asked(std::size_t index, const RankCollectives& ranks) {
  const char* text = std::getenv("LOCALSGD_TEST_FAIL_RUN");
  if (text != nullptr && std::to_string(index) == text && ranks.rank() == ranks.ranks() - 1) {
    throw std::runtime_error(fmt::format("run {} on rank {} of {}: failed on purpose (LOCALSGD_TEST_FAIL_RUN)", index,
                                         ranks.rank(), ranks.ranks()));
  }
}

}  // namespace

RunsResult execute_runs_split(const ExperimentSpec& spec, const RunStore* store, const RunFinished& on_finished,
                              const std::atomic<bool>* stop, RankCollectives& ranks) {
  const bool rank0 = ranks.rank() == 0;
  RunsResult result;
  if (rank0) result.records.resize(spec.runs.size());
  if (rank0 && !store) result.traces.resize(spec.runs.size());  // split runs have no traces
  // Stopped before run `unreached`: the runs from there on that an earlier invocation saved count
  // as finished (as in execute_runs).
  auto interrupted_before = [&](std::size_t unreached) {
    result.interrupted = true;
    for (std::size_t k = unreached; k < spec.runs.size() && rank0 && store; ++k) {
      if (std::filesystem::exists(store->path_of(spec.runs[k]))) ++result.finished;
    }
    return result;
  };
  for (std::size_t i = 0; i < spec.runs.size(); ++i) {
    const RunSpec& run = spec.runs[i];
    // Every rank must agree before a run starts: to stop, and whether rank 0 reuses it.
    if (any_rank(ranks, stop != nullptr && stop->load(std::memory_order_relaxed))) return interrupted_before(i);
    std::optional<RunRecord> stored = rank0 && store ? store->load(run) : std::nullopt;
    if (rank0_value(ranks, stored ? 1 : 0) != 0) {
      if (rank0) {
        result.records[i] = std::move(*stored);
        on_finished(run, result.records[i], true, ++result.finished);
      }
      continue;
    }
    fail_split_run_if_asked(i, ranks);
    RunOutcome outcome = execute_run(run, stop, &ranks);
    if (outcome.report.termination == Termination::interrupted) return interrupted_before(i + 1);
    if (!rank0) continue;
    result.records[i] = record_of(outcome);
    if (store) store->save(run, result.records[i]);
    on_finished(run, result.records[i], false, ++result.finished);
  }
  return result;
}

}  // namespace localsgd
