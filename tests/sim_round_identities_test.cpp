// The round pipeline's identities (algorithms/round/pipeline.hpp, docs/algorithms.md): each
// policy at its neutral setting reproduces the plain round bit for bit, through the engine.
#include <tbb/task_arena.h>

#include <catch2/catch.hpp>

#include "algorithms/optimizers/momentum.hpp"
#include "problems/quadratic.hpp"
#include "support/fixtures.hpp"

using namespace localsgd;
using test::every_step;
using test::run_engine;
using test::same_bits;
using test::same_evaluations;

namespace {

// Least squares whose workers hold shards of 30, 60, 90 and 120 rows (unequal on purpose).
std::shared_ptr<const LeastSquares> unequal_least_squares() {
  auto data = make_synthetic_regression({300, 5, 0.3}, 7);
  std::vector<Shard> shards(4);
  Index row = 0;
  for (int i = 0; i < 4; ++i) {
    for (int k = 0; k < 30 * (i + 1); ++k) shards[static_cast<std::size_t>(i)].push_back(row++);
  }
  return std::make_shared<LeastSquares>(data, shards);
}

test::RunResult run(const Problem& problem, round::Pipeline pipeline, long period = 5, long steps = 120,
                    std::uint64_t seed = 3) {
  FixedPeriod schedule(period);
  const InverseTimeStepSize eta(0.05, 40);
  test::EngineRun r{.steps = steps, .batch = 2, .seed = seed, .eval_steps = every_step(steps)};
  r.pipeline = std::move(pipeline);
  return run_engine(problem, schedule, eta, r);
}

void check_identical(const test::RunResult& a, const test::RunResult& b) {
  CHECK(same_evaluations(a.rows, b.rows));
  CHECK(same_bits(a.report.final_model, b.report.final_model));
  CHECK(a.report.virtual_time == b.report.virtual_time);
  CHECK(a.report.rounds == b.report.rounds);
}

}  // namespace

TEST_CASE("round pipeline: uniform participation with K = p is full participation, bit for bit") {
  const auto problem = test::make_least_squares(200, 5, 4);
  round::Pipeline uniform;
  uniform.participation.kind = round::ParticipationKind::uniform;
  uniform.participation.clients = 4;
  check_identical(run(*problem, {}), run(*problem, uniform));
  // and so is `available` with probability 1
  round::Pipeline available;
  available.participation.kind = round::ParticipationKind::available;
  available.participation.probability = {1.0};
  check_identical(run(*problem, {}), run(*problem, available));
}

TEST_CASE("round pipeline: FedNova with equal local step counts is FedAvg, bit for bit") {
  // Unequal shards: FedAvg weights by shard size (Wang et al. 2020's FedAvg), as FedNova does.
  const auto unequal = unequal_least_squares();
  round::Pipeline fedavg;
  fedavg.aggregation = round::AggregationKind::shard_size;
  round::Pipeline fednova;
  fednova.aggregation = round::AggregationKind::fednova;
  const auto a = run(*unequal, fedavg);
  check_identical(a, run(*unequal, fednova));
  // ... and the shard weights matter there (the test could fail):
  CHECK_FALSE(same_evaluations(a.rows, run(*unequal, {}).rows));
  // Equal shards: both are the plain mean.
  const auto equal = test::make_least_squares(200, 5, 4);
  check_identical(run(*equal, {}), run(*equal, fednova));
  check_identical(run(*equal, {}), run(*equal, fedavg));
}

TEST_CASE("round pipeline: server SGD with learning rate 1 is the plain average, bit for bit") {
  const auto problem = test::make_least_squares(200, 5, 4);
  round::Pipeline sgd;
  sgd.server.kind = round::ServerKind::sgd;
  sgd.server.learning_rate = 1;
  check_identical(run(*problem, {}), run(*problem, sgd));
  sgd.server.learning_rate = 1.5;
  CHECK_FALSE(same_evaluations(run(*problem, {}).rows, run(*problem, sgd).rows));
}

TEST_CASE("round pipeline: SlowMo and Nesterov with momentum 0 are server SGD, bit for bit") {
  const auto problem = test::make_least_squares(200, 5, 4);
  round::Pipeline sgd;
  sgd.server.kind = round::ServerKind::sgd;
  sgd.server.learning_rate = 0.5;
  const auto reference = run(*problem, sgd);
  for (const auto kind : {round::ServerKind::momentum, round::ServerKind::nesterov}) {
    round::Pipeline outer = sgd;
    outer.server.kind = kind;
    outer.server.momentum = 0;
    check_identical(reference, run(*problem, outer));
    outer.server.momentum = 0.5;
    CHECK_FALSE(same_evaluations(reference.rows, run(*problem, outer).rows));
  }
}

TEST_CASE("round pipeline: FedProx with mu = 0 is FedAvg, bit for bit") {
  const auto problem = test::make_least_squares(200, 5, 4);
  round::Pipeline prox;
  prox.correction.kind = round::CorrectionKind::fedprox;
  prox.correction.mu = 0;
  check_identical(run(*problem, {}), run(*problem, prox));
  prox.correction.mu = 0.5;
  CHECK_FALSE(same_evaluations(run(*problem, {}).rows, run(*problem, prox).rows));
}

TEST_CASE("round pipeline: SCAFFOLD with one worker is serial SGD, bit for bit") {
  const auto problem = test::make_least_squares(200, 5, 1);
  round::Pipeline scaffold;
  scaffold.correction.kind = round::CorrectionKind::scaffold;
  check_identical(run(*problem, {}), run(*problem, scaffold));
  // With several workers the control variates act (the test could fail):
  const auto several = test::make_least_squares(200, 5, 4);
  CHECK_FALSE(same_evaluations(run(*several, {}).rows, run(*several, scaffold).rows));
}

TEST_CASE("round pipeline: same bits on 1 and 2 threads, and whichever steps are evaluated") {
  // Enough work to step in parallel (Engine::runs_in_parallel), every non-default policy at once.
  const int p = 64;
  const auto problem = test::make_least_squares(6400, 40, p);
  REQUIRE(Engine::runs_in_parallel(24, 10, 8, 40));
  round::Pipeline pipeline;
  pipeline.participation.kind = round::ParticipationKind::uniform;
  pipeline.participation.clients = 24;
  pipeline.local_work.kind = round::LocalWorkKind::random;
  pipeline.local_work.min_steps = 3;
  pipeline.correction.kind = round::CorrectionKind::scaffold;
  pipeline.aggregation = round::AggregationKind::shard_size;  // and SCAFFOLD's c weighted by n_i
  pipeline.server.kind = round::ServerKind::adam;
  pipeline.server.learning_rate = 0.05;
  auto run_with = [&](int threads, std::vector<long> eval) {
    tbb::task_arena arena(threads);
    test::RunResult result;
    arena.execute([&] {
      FixedPeriod schedule(10);
      const ConstantStepSize eta(0.02);
      test::EngineRun r{.steps = 100, .batch = 8, .seed = 5, .eval_steps = std::move(eval)};
      r.pipeline = pipeline;
      result = run_engine(*problem, schedule, eta, r);
    });
    return result;
  };
  const auto one = run_with(1, every_step(100));
  const auto two = run_with(2, every_step(100));
  check_identical(one, two);
  // Evaluating only at the end previews the server step fewer times: the trajectory is the same.
  const auto sparse = run_with(2, {100});
  REQUIRE(sparse.rows.size() == 1);
  CHECK(same_evaluations({one.rows.back()}, sparse.rows));
  CHECK(same_bits(one.report.final_model, sparse.report.final_model));
}

TEST_CASE("round pipeline: FedNova with unequal local steps is the same on 1 and 2 threads") {
  const int p = 64;
  const auto problem = test::make_least_squares(6400, 40, p);
  round::Pipeline pipeline;
  pipeline.participation.kind = round::ParticipationKind::available;
  pipeline.participation.probability = {0.7};
  pipeline.local_work.kind = round::LocalWorkKind::random;
  pipeline.aggregation = round::AggregationKind::fednova;
  pipeline.server.kind = round::ServerKind::nesterov;
  pipeline.server.learning_rate = 0.7;
  pipeline.server.momentum = 0.9;
  auto run_with = [&](int threads) {
    tbb::task_arena arena(threads);
    test::RunResult result;
    arena.execute([&] {
      FixedPeriod schedule(10);
      const ConstantStepSize eta(0.02);
      test::EngineRun r{.steps = 100, .batch = 8, .seed = 5, .eval_steps = every_step(100)};
      r.pipeline = pipeline;
      result = run_engine(*problem, schedule, eta, r);
    });
    return result;
  };
  check_identical(run_with(1), run_with(2));
}
