// Traces (EngineConfig::trace_every, Observer::on_trace, experiments/run/trace_recorder.hpp and
// rounds_recorder.hpp): the traced models are the engine's models at those steps, bit for bit;
// tracing changes no bit of a run; the rounds' compute and idle seconds add up to the run's.
#include <catch2/catch.hpp>

#include <cmath>
#include <memory>
#include <vector>

#include "experiments/run/rounds_recorder.hpp"
#include "experiments/run/trace_recorder.hpp"
#include "sim/minibatch.hpp"
#include "sim/worker_slowdown.hpp"
#include "support/allocations.hpp"
#include "support/fixtures.hpp"

using namespace localsgd;
using namespace localsgd::test;

namespace {

// Copies every worker's model at every sync, before the average replaces them.
class BeforeSyncModels final : public Observer {
 public:
  void before_sync(long step, const ModelsView& models, const Vector& /*average*/) override {
    steps.push_back(step);
    std::vector<Vector> copy;
    for (std::size_t i = 0; i < models.size(); ++i) copy.push_back(models[i]);
    snapshots.push_back(std::move(copy));
  }
  std::vector<long> steps;
  std::vector<std::vector<Vector>> snapshots;
};

struct TracedRun {
  RunReport report;
  std::vector<Evaluation> rows;
};

TracedRun run_traced(const Problem& problem, long period, long steps, int batch, long trace_every,
                     std::vector<Observer*> observers) {
  FixedPeriod schedule(period);
  const ConstantStepSize step_size(0.05);
  const Sgd sgd;
  const ConstantCompute compute(1.0);
  const ConstantNetwork network(0.5);
  EngineConfig config{problem.workers(), steps, batch, /*seed=*/11};
  config.trace_every = trace_every;
  Engine engine(problem, config, Algorithm{schedule, step_size, sgd}, ClockModels{compute, network});
  Recorder recorder;
  observers.push_back(&recorder);
  const std::vector<long> eval_steps = {0, 5, 17, steps};
  TracedRun out;
  out.report = engine.run(Vector::Zero(problem.dim()), eval_steps, observers);
  out.rows = recorder.rows;
  return out;
}

}  // namespace

TEST_CASE("trace: with one worker, every traced model is serial SGD's iterate at that step, bit for bit") {
  const auto problem = make_least_squares(200, 4, 1);
  const long steps = 40, every = 3, period = 7;
  const int batch = 2;
  TraceRecorder trace(*problem, {0}, 4, 100);
  run_traced(*problem, period, steps, batch, every, {&trace});

  // The same steps done by hand: rows drawn from (seed, sampling, worker 0, t), x ← x − η g.
  const FiniteSum& sum = *problem->finite_sum();
  const Sgd sgd;
  std::vector<Vector> iterates = {Vector::Zero(4)};
  Vector x = Vector::Zero(4), g = Vector::Zero(4);
  std::vector<Index> rows(static_cast<std::size_t>(batch));
  for (long t = 1; t <= steps; ++t) {
    Rng draws(purpose_key(11, StreamPurpose::sampling), 0, static_cast<std::uint64_t>(t));
    draw_minibatch(sum.shard(0), batch, draws, rows.data());
    sum.batch_gradient(x, rows.data(), batch, g);
    sgd.step(t, 0.05, x, g, {});
    iterates.push_back(x);
  }
  // Points: step 0, every 3rd step that is not a sync, and both sides of every sync (7, 14, …, 40).
  std::vector<long> expected_steps;
  for (long t = 0; t <= steps; ++t) {
    const bool sync = t > 0 && (t % period == 0 || t == steps);
    if (sync) {
      expected_steps.push_back(t);
      expected_steps.push_back(t);
    } else if (t % every == 0) {
      expected_steps.push_back(t);
    }
  }
  REQUIRE(trace.points() == expected_steps.size());
  for (std::size_t k = 0; k < trace.points(); ++k) {
    INFO("point " << k << ", step " << trace.step(k));
    REQUIRE(trace.step(k) == expected_steps[k]);
    const Vector& reference = iterates[static_cast<std::size_t>(trace.step(k))];
    for (std::size_t c = 0; c < 4; ++c) REQUIRE(trace.coordinate(k, 0, c) == reference[static_cast<Index>(c)]);
    REQUIRE(trace.loss(k, 0) == problem->loss(reference));
    REQUIRE(trace.distance(k, 0) == 0.0);  // one worker is its own mean
  }
}

TEST_CASE("trace: the rows before a sync are the models a run without a trace holds there, bit for bit") {
  const auto problem = make_least_squares(300, 5, 3);
  BeforeSyncModels untraced;
  run_traced(*problem, 6, 30, 1, 0, {&untraced});
  TraceRecorder trace(*problem, {0, 2}, 5, 10);  // fewer points reserved than recorded: the buffers grow
  run_traced(*problem, 6, 30, 1, 4, {&trace});

  std::size_t sync = 0;
  for (std::size_t k = 0; k + 1 < trace.points(); ++k) {
    if (trace.step(k) != trace.step(k + 1)) continue;  // a sync: before (k) and after (k + 1)
    REQUIRE(trace.round(k + 1) == trace.round(k) + 1);
    REQUIRE(untraced.steps.at(sync) == trace.step(k));
    const std::vector<Vector>& models = untraced.snapshots[sync];
    Vector mean = (models[0] + models[1] + models[2]) / 3.0;
    const int traced[] = {0, 2};
    for (std::size_t j = 0; j < 2; ++j) {
      const Vector& x = models[static_cast<std::size_t>(traced[j])];
      for (std::size_t c = 0; c < 5; ++c) REQUIRE(trace.coordinate(k, j, c) == x[static_cast<Index>(c)]);
      REQUIRE(trace.loss(k, j) == problem->loss(x));
      REQUIRE(std::abs(trace.distance(k, j) - (x - mean).norm()) <= 1e-12 * (1 + x.norm()));
      REQUIRE(trace.distance(k, j) > 0);   // the workers drifted apart
      REQUIRE(trace.distance(k + 1, j) == 0.0);  // and snapped together
    }
    ++sync;
  }
  REQUIRE(sync == untraced.steps.size());
  REQUIRE(sync == 5);
}

TEST_CASE("trace: tracing changes no bit of the evaluations or the report") {
  const auto problem = make_least_squares(300, 5, 3);
  TraceRecorder trace(*problem, {0, 1, 2}, 5, 100);
  const TracedRun off = run_traced(*problem, 6, 30, 2, 0, {});
  const TracedRun on = run_traced(*problem, 6, 30, 2, 1, {&trace});
  REQUIRE(same_evaluations(off.rows, on.rows));
  REQUIRE(off.report.final_model == on.report.final_model);
  REQUIRE(off.report.busy_seconds == on.report.busy_seconds);
  REQUIRE(off.report.idle_seconds == on.report.idle_seconds);
  REQUIRE(off.report.virtual_time == on.report.virtual_time);
  REQUIRE(trace.points() == 31 + 5);  // steps 0..30, and the sync steps 6, …, 30 twice
}

TEST_CASE("rounds: per-round compute and idle seconds add up to the run's, with random step times and a straggler") {
  const auto problem = make_least_squares(400, 3, 4);
  FixedPeriod schedule(5);
  const ConstantStepSize step_size(0.05);
  const Sgd sgd;
  const WorkerSlowdowns slowdown = one_slow_worker(4, 2, 10.0);
  const ScaledCompute compute(std::make_shared<ExponentialCompute>(0.01), 0.002, slowdown.factors);
  const ConstantNetwork network(0.03);
  const long steps = 52;
  Engine engine(*problem, EngineConfig{4, steps, 1, 3}, Algorithm{schedule, step_size, sgd}, ClockModels{compute, network});
  RoundsRecorder rounds({0, 1, 2, 3}, 4, 3);
  std::vector<Observer*> observers = {&rounds};
  const std::vector<long> eval_steps = {0, steps};
  const RunReport report = engine.run(Vector::Zero(3), eval_steps, observers);

  REQUIRE(report.rounds == 11);
  REQUIRE(rounds.sync_steps() == std::vector<long>{5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 52});
  for (std::size_t w = 0; w < 4; ++w) {
    double busy = 0, idle = 0;
    long ran = 0;
    for (std::size_t k = 0; k < 11; ++k) {
      busy += rounds.compute_seconds(k, w);
      idle += rounds.idle_seconds(k, w);
      ran += rounds.steps(k, w);
      REQUIRE(rounds.compute_seconds(k, w) > 0);
      REQUIRE(rounds.idle_seconds(k, w) >= 0);
    }
    INFO("worker " << w);
    REQUIRE(std::abs(busy - report.busy_seconds[w]) <= 1e-12 * report.busy_seconds[w]);
    REQUIRE(std::abs(idle - report.idle_seconds[w]) <= 1e-12 * (report.busy_seconds[w] + report.idle_seconds[w]));
    REQUIRE(ran == steps);
  }
  // The straggler (10x slower) never waits; the others wait for it in every round.
  for (std::size_t k = 0; k < 11; ++k) {
    REQUIRE(rounds.idle_seconds(k, 2) == 0.0);
    REQUIRE(rounds.idle_seconds(k, 0) > 0.0);
  }
}

TEST_CASE("trace: a traced run allocates nothing more than an untraced one (buffers reserved before the run)") {
  const auto problem = make_least_squares(300, 5, 3);
  TraceRecorder trace_again(*problem, {0, 1, 2}, 5, 31 + 2 * 5);
  RoundsRecorder rounds_again({0, 1, 2}, 3, 5);
  std::size_t untraced = 0, traced = 0;
  {
    const CountAllocations count;
    run_traced(*problem, 6, 30, 2, 0, {});
    untraced = count.count();
  }
  {
    const CountAllocations count;
    run_traced(*problem, 6, 30, 2, 1, {&trace_again, &rounds_again});
    traced = count.count();
  }
  REQUIRE(trace_again.points() == 31 + 5);
  // The mean's scratch is sized at the first of the 36 points (once per run), nothing per point.
  REQUIRE(traced <= untraced + 2);
}
