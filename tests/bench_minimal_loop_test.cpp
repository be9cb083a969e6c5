// bench/minimal_loop.hpp: the benchmark's minimal loop does the simulator's work exactly, so the
// benchmark compares equal work: same final model bit for bit, on 1 and 2 threads.
#include "bench/minimal_loop.hpp"

#include <catch2/catch.hpp>

#include "support/fixtures.hpp"

using namespace localsgd;

TEST_CASE("the benchmark's minimal loop reproduces the engine's run bit for bit") {
  const int p = 6;
  const long steps = 45, tau = 7;  // syncs at 7, 14, …, 42 and 45
  const int batch = GENERATE(1, 3, 19);  // 8, 2, 1 steps of rows drawn ahead; 19: more than one kernel chunk
  const std::uint64_t seed = 4;
  const auto problem = test::make_least_squares(600, 9, p, 0.3);
  const ConstantStepSize eta(0.02);
  FixedPeriod schedule(tau);
  const auto result = test::run_engine(*problem, schedule, eta,
                                       {.steps = steps, .batch = batch, .seed = seed, .eval_steps = {0, steps}});
  for (const int threads : {1, 2}) {
    const bench::MinimalConfig config{p, steps, batch, tau, 0.02, seed, threads};
    const auto minimal = bench::minimal_local_sgd(problem->data(), [&] {
      std::vector<Shard> shards;
      for (int i = 0; i < p; ++i) shards.push_back(problem->shard(i));
      return shards;
    }(), config, Vector::Zero(9));
    INFO("threads = " << threads << ", B = " << batch);
    CHECK((minimal.average.array() == result.report.final_model.array()).all());
    CHECK(minimal.end.consensus == result.rows.back().consensus);
    CHECK(minimal.end.loss == Approx(result.rows.back().loss).epsilon(1e-12));
    CHECK(minimal.start.loss == Approx(result.rows.front().loss).epsilon(1e-12));
    CHECK(minimal.end.grad_norm_sq == Approx(result.rows.back().grad_norm_sq).epsilon(1e-9));
  }
}
