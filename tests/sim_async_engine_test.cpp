// The asynchronous engine (sim/async_engine.hpp): its identities with the barrier engine, its
// event order against a hand-computed trace, and its determinism.
#include <tbb/task_arena.h>

#include <catch2/catch.hpp>

#include "algorithms/optimizers/adam.hpp"
#include "algorithms/optimizers/momentum.hpp"
#include "sim/async_engine.hpp"
#include "support/fixtures.hpp"

using namespace localsgd;
using test::same_bits;
using test::same_evaluations;

namespace {

struct AsyncRun {
  long local_steps = 5;  // τ
  long steps = 60;       // T
  int batch = 2;
  std::uint64_t seed = 3;
  std::vector<long> eval_steps;
  round::CoordinationOptions coordination;
  round::Pipeline pipeline = {};
  const LocalOptimizer* optimizer = nullptr;
};

test::RunResult run_async(const Problem& problem, const StepSize& step_size, const AsyncRun& run, ClockModels clock) {
  const Sgd sgd;
  const LocalOptimizer& optimizer = run.optimizer != nullptr ? *run.optimizer : sgd;
  AsyncEngine engine(problem, EngineConfig{problem.workers(), run.steps, run.batch, run.seed},
                     AsyncAlgorithm{run.local_steps, step_size, optimizer, run.pipeline, run.coordination}, clock);
  test::Recorder recorder;
  std::vector<Observer*> observers = {&recorder};
  test::RunResult result;
  result.report = engine.run(Vector::Zero(problem.dim()), run.eval_steps, observers);
  result.rows = recorder.rows;
  return result;
}

test::RunResult run_async(const Problem& problem, const StepSize& step_size, const AsyncRun& run,
                          double compute_seconds = 1.0, double network_seconds = 0.0) {
  const ConstantCompute compute(compute_seconds);
  const ConstantNetwork network(network_seconds);
  return run_async(problem, step_size, run, ClockModels{compute, network});
}

std::vector<long> multiples(long period, long steps) {
  std::vector<long> out;
  for (long t = 0; t <= steps; t += period) out.push_back(t);
  return out;
}

round::CoordinationOptions fedbuff(int buffer) {
  round::CoordinationOptions c;
  c.kind = round::CoordinationKind::fedbuff;
  c.buffer = buffer;
  return c;
}

round::CoordinationOptions fedasync(double mixing, round::StalenessKind staleness = round::StalenessKind::constant) {
  round::CoordinationOptions c;
  c.kind = round::CoordinationKind::fedasync;
  c.mixing = mixing;
  c.staleness.kind = staleness;
  return c;
}

void check_identical(const test::RunResult& a, const test::RunResult& b) {
  CHECK(same_evaluations(a.rows, b.rows));
  CHECK(same_bits(a.report.final_model, b.report.final_model));
  CHECK(a.report.virtual_time == b.report.virtual_time);
  CHECK(a.report.rounds == b.report.rounds);
  CHECK(a.report.steps_done == b.report.steps_done);
}

}  // namespace

TEST_CASE("async: FedBuff with K = p, equal constant compute and no network time is FedAvg, bit for bit") {
  const auto problem = test::make_least_squares(240, 5, 4);
  const InverseTimeStepSize eta(0.05, 40);
  const long tau = 5;
  const long steps = 60;
  FixedPeriod schedule(tau);
  const test::EngineRun barrier_run{.steps = steps, .batch = 2, .seed = 3, .eval_steps = multiples(tau, steps)};
  const auto barrier = test::run_engine(*problem, schedule, eta, barrier_run);
  AsyncRun run{.local_steps = tau, .steps = steps, .batch = 2, .seed = 3, .eval_steps = multiples(tau, steps)};
  run.coordination = fedbuff(4);
  const auto async = run_async(*problem, eta, run);
  check_identical(barrier, async);
  REQUIRE(async.report.asynchrony.has_value());
  CHECK(async.report.asynchrony->staleness_counts == std::vector<long>{48});  // 12 server steps × 4 pushes
  CHECK(async.report.asynchrony->pushes_per_worker == std::vector<long>(4, 12));

  SECTION("with a server step (SlowMo at a constant step size: no step-size ratio)") {
    const ConstantStepSize constant(0.04);
    round::Pipeline slowmo;
    slowmo.server.kind = round::ServerKind::momentum;
    slowmo.server.learning_rate = 0.8;
    slowmo.server.momentum = 0.5;
    test::EngineRun with_server = barrier_run;
    with_server.pipeline = slowmo;
    AsyncRun async_server = run;
    async_server.pipeline = slowmo;
    check_identical(test::run_engine(*problem, schedule, constant, with_server), run_async(*problem, constant, async_server));
  }
  SECTION("the identity needs equal speeds: one slower worker makes pushes stale (the test can fail)") {
    const ConstantCompute base(1.0);
    const ScaledCompute unequal(std::shared_ptr<const ComputeModel>(&base, [](const ComputeModel*) {}), 0.0,
                                {1.0, 1.0, 1.0, 1.5});
    const ConstantNetwork network(0.0);
    const auto slow = run_async(*problem, eta, run, ClockModels{unequal, network});
    CHECK_FALSE(same_evaluations(barrier.rows, slow.rows));
    CHECK(slow.report.asynchrony->max_staleness() > 0);
  }
  SECTION("K < p is not FedAvg") {
    AsyncRun half = run;
    half.coordination = fedbuff(2);
    CHECK_FALSE(same_bits(barrier.report.final_model, run_async(*problem, eta, half).report.final_model));
  }
}

TEST_CASE("async: one worker is serial SGD, bit for bit (FedAsync with mixing 1, FedBuff with K = 1)") {
  const auto problem = test::make_least_squares(100, 4, 1);
  const InverseTimeStepSize eta(0.05, 20);
  const long tau = 4;
  const long steps = 48;
  FixedPeriod serial_schedule(tau);  // p = 1: every average is the model itself; τ-step rounds
  const auto serial = test::run_engine(*problem, serial_schedule, eta,
                                       test::EngineRun{.steps = steps, .batch = 3, .seed = 9, .eval_steps = multiples(tau, steps)});
  for (const auto& coordination : {fedasync(1.0), fedbuff(1)}) {
    AsyncRun run{.local_steps = tau, .steps = steps, .batch = 3, .seed = 9, .eval_steps = multiples(tau, steps)};
    run.coordination = coordination;
    check_identical(serial, run_async(*problem, eta, run));
  }
  // Mixing α = 1/2 is SGD with half the step size (not bit for bit: 0.5x + 0.5(x − ηg) is rounded
  // differently from x − (η/2)g).
  const ConstantStepSize full(0.08);
  const ConstantStepSize half(0.04);
  AsyncRun one_step{.local_steps = 1, .steps = 40, .batch = 3, .seed = 9, .eval_steps = {40}};
  one_step.coordination = fedasync(0.5);
  const auto mixed = run_async(*problem, full, one_step);
  EveryStep every_step;
  const auto halved = test::run_engine(*problem, every_step, half,
                                       test::EngineRun{.steps = 40, .batch = 3, .seed = 9, .eval_steps = {40}});
  CHECK((mixed.report.final_model - halved.report.final_model).norm() <= 1e-12 * halved.report.final_model.norm());
  CHECK_FALSE(same_bits(mixed.report.final_model, halved.report.final_model));
}

TEST_CASE("async: one worker with an optimizer state is the serial run under every state rule, bit for bit") {
  // p = 1: the barrier's average of one state is that state, its reset at a sync is the async
  // engine's reset at the pull that follows the push.
  const auto problem = test::make_least_squares(100, 4, 1);
  const ConstantStepSize eta(0.03);
  const long tau = 3;
  const long steps = 30;
  FixedPeriod schedule(tau);
  for (const StateAtSync rule : {StateAtSync::average, StateAtSync::keep, StateAtSync::reset}) {
    const Momentum momentum(0.9, rule);
    const Adam adam(0.9, 0.99, 1e-8, rule);
    for (const LocalOptimizer* optimizer : {static_cast<const LocalOptimizer*>(&momentum), static_cast<const LocalOptimizer*>(&adam)}) {
      test::EngineRun serial_run{.steps = steps, .batch = 2, .seed = 4, .eval_steps = multiples(tau, steps)};
      serial_run.optimizer = optimizer;
      const auto serial = test::run_engine(*problem, schedule, eta, serial_run);
      AsyncRun run{.local_steps = tau, .steps = steps, .batch = 2, .seed = 4, .eval_steps = multiples(tau, steps)};
      run.coordination = fedasync(1.0);
      run.optimizer = optimizer;
      check_identical(serial, run_async(*problem, eta, run));
    }
  }
}

TEST_CASE("async: staleness against a hand-computed event trace (3 workers, step times 1, 2, 3)") {
  // τ = 1, no network time. Pushes before pulls at equal times, then by worker id:
  //   t=1 w0 (pulled v0) s=0 → v1 | t=2 w0 (v1) s=0 → v2, w1 (v0) s=2 → v3 | t=3 w0 (v3) s=0 → v4,
  //   w2 (v0) s=4 → v5 | t=4 w0 (v5) s=0 → v6, w1 (v3) s=3 → v7 | t=5 w0 (v7) s=0 → v8 |
  //   t=6 w0 (v8) s=0 → v9, w1 (v7) s=2 → v10, w2 (v5) s=5 → v11 | t=7 w0 (v11) s=0 → v12.
  // T = 4: the run ends with the 12th push (p·T = 12 local steps).
  const auto problem = test::make_least_squares(90, 3, 3);
  const ConstantStepSize eta(0.02);
  const ConstantCompute base(1.0);
  const ScaledCompute speeds(std::shared_ptr<const ComputeModel>(&base, [](const ComputeModel*) {}), 0.0, {1.0, 2.0, 3.0});
  const ConstantNetwork network(0.0);
  AsyncRun run{.local_steps = 1, .steps = 4, .batch = 1, .seed = 1, .eval_steps = {0, 1, 2, 3, 4}};
  run.coordination = fedasync(0.6, round::StalenessKind::polynomial);
  const auto result = run_async(*problem, eta, run, ClockModels{speeds, network});
  const AsyncReport& stats = *result.report.asynchrony;
  CHECK(stats.pushes == 12);
  CHECK(stats.staleness_counts == std::vector<long>{7, 0, 2, 1, 1, 1});
  CHECK(stats.pushes_per_worker == std::vector<long>{7, 3, 2});
  CHECK(stats.mean_staleness() == Approx(16.0 / 12.0));
  CHECK(stats.max_staleness() == 5);
  CHECK(result.report.rounds == 12);
  CHECK(result.report.steps_done == 4);
  CHECK(result.report.virtual_time == 7.0);
  // Each worker computed all the time (its current job counted up to t = 7), waited for nothing.
  CHECK(result.report.busy_seconds == std::vector<double>{7.0, 7.0, 7.0});
  CHECK(result.report.idle_seconds == std::vector<double>{0.0, 0.0, 0.0});
  // Evaluations at the first update whose ⌊applied steps / 3⌋ reaches 1, 2, 3, 4: versions 3
  // (t = 2), 6 (t = 4), 9 (t = 6) and 12 (t = 7).
  REQUIRE(result.rows.size() == 5);
  CHECK(result.rows[1].round == 3);
  CHECK(result.rows[1].time == 2.0);
  CHECK(result.rows[2].round == 6);
  CHECK(result.rows[3].round == 9);
  CHECK(result.rows[4].round == 12);
  CHECK(result.rows[4].time == 7.0);
  CHECK(result.rows[4].samples == 12);
}

TEST_CASE("async: message times on the clock (pull and push of d values)") {
  // FedBuff with K = p and equal workers: every cycle is a pull, τ steps and a push.
  const auto problem = test::make_least_squares(120, 4, 3);
  const ConstantStepSize eta(0.02);
  AsyncRun run{.local_steps = 5, .steps = 20, .batch = 1, .seed = 2, .eval_steps = {20}};
  run.coordination = fedbuff(3);
  const double message = 0.25;  // ConstantNetwork(0.5): half an average per message
  const auto result = run_async(*problem, eta, run, 1.0, 0.5);
  CHECK(result.report.rounds == 4);
  CHECK(result.report.virtual_time == Approx(4 * (5.0 + 2 * message)));
  CHECK(result.report.asynchrony->communication_seconds == std::vector<double>(3, 4 * 2 * message));
  CHECK(result.report.communication_time == Approx(4 * 2 * message));
  CHECK(result.report.idle_seconds[0] == Approx(0.0).margin(1e-12));
}

TEST_CASE("async: the same bits on 1 or 2 threads and with any evaluation points") {
  // Random step times (stale pushes of every size), enough work for the parallel path.
  const auto problem = test::make_least_squares(2048, 32, 8);
  REQUIRE(Engine::runs_in_parallel(8, 8, 16, 32));
  const InverseTimeStepSize eta(0.02, 50);
  const ExponentialCompute compute(1.0);
  const ConstantNetwork network(0.1);
  for (const auto& coordination : {fedasync(0.6, round::StalenessKind::hinge), fedbuff(3)}) {
    AsyncRun run{.local_steps = 8, .steps = 96, .batch = 16, .seed = 5, .eval_steps = test::every_step(96)};
    run.coordination = coordination;
    test::RunResult one;
    test::RunResult two;
    tbb::task_arena(1).execute([&] { one = run_async(*problem, eta, run, ClockModels{compute, network}); });
    tbb::task_arena(2).execute([&] { two = run_async(*problem, eta, run, ClockModels{compute, network}); });
    check_identical(one, two);
    CHECK(one.report.asynchrony->staleness_counts == two.report.asynchrony->staleness_counts);
    CHECK(one.report.asynchrony->max_staleness() > 1);
    AsyncRun sparse = run;
    sparse.eval_steps = {0, 96};
    const auto few = run_async(*problem, eta, sparse, ClockModels{compute, network});
    CHECK(same_bits(one.report.final_model, few.report.final_model));
    CHECK(one.report.virtual_time == few.report.virtual_time);
    CHECK(same_evaluations({one.rows.back()}, {few.rows.back()}));
  }
}

TEST_CASE("async: available participation with probability 1 is full participation; absent workers wait") {
  const auto problem = test::make_least_squares(200, 5, 4);
  const InverseTimeStepSize eta(0.05, 40);
  AsyncRun run{.local_steps = 3, .steps = 30, .batch = 2, .seed = 4, .eval_steps = multiples(3, 30)};
  run.coordination = fedasync(0.6);
  const auto full = run_async(*problem, eta, run);
  AsyncRun always = run;
  always.pipeline.participation.kind = round::ParticipationKind::available;
  always.pipeline.participation.probability = {1.0};
  check_identical(full, run_async(*problem, eta, always));
  // Worker 3 is never there: it pulls nothing, and its time is idle.
  AsyncRun without = always;
  without.pipeline.participation.probability = {1.0, 1.0, 1.0, 0.0};
  const auto three = run_async(*problem, eta, without);
  CHECK(three.report.asynchrony->pushes_per_worker[3] == 0);
  CHECK(three.report.busy_seconds[3] == 0.0);
  CHECK(three.report.idle_seconds[3] == three.report.virtual_time);
  CHECK(three.report.steps_done == 30);
}

TEST_CASE("async: the staleness weights of Xie et al.") {
  round::StalenessOptions o;
  CHECK(round::staleness_weight(o, 7) == 1.0);
  o.kind = round::StalenessKind::polynomial;
  o.a = 0.5;
  CHECK(round::staleness_weight(o, 0) == 1.0);
  CHECK(round::staleness_weight(o, 3) == Approx(0.5));  // (1 + 3)^(−1/2)
  o.kind = round::StalenessKind::hinge;
  o.a = 10;
  o.b = 4;
  CHECK(round::staleness_weight(o, 4) == 1.0);
  CHECK(round::staleness_weight(o, 6) == Approx(1.0 / 21.0));  // 1 / (10 (6 − 4) + 1)
}

TEST_CASE("async: combinations it does not define are refused") {
  const auto problem = test::make_least_squares(100, 4, 2);
  const ConstantStepSize eta(0.02);
  AsyncRun run{.local_steps = 2, .steps = 10, .batch = 1, .seed = 1, .eval_steps = {10}};
  run.coordination = fedbuff(3);  // K > p
  CHECK_THROWS_WITH(run_async(*problem, eta, run), Catch::Contains("buffer"));
  run.coordination = fedasync(0.6);
  run.pipeline.correction.kind = round::CorrectionKind::scaffold;
  CHECK_THROWS_WITH(run_async(*problem, eta, run), Catch::Contains("SCAFFOLD"));
}
