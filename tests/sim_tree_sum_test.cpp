// sim/tree_sum_parallel.hpp and sim/consensus.hpp: the parallel tree sums give the serial tree
// sums' bits on any thread count, and an engine run with more than 64 workers that steps and
// averages in parallel gives the same metrics on 1 and 2 threads.
#include "sim/tree_sum_parallel.hpp"

#include <tbb/global_control.h>
#include <tbb/task_arena.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "sim/consensus.hpp"
#include "sim/engine.hpp"
#include "support/fixtures.hpp"

using namespace localsgd;

namespace {

// p models of dimension d with random signs and magnitudes over 2^-40 … 2^40, so that the order
// of the additions shows in the bits.
std::vector<Vector> spread_models(std::size_t p, Index d, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<Vector> models(p, Vector(d));
  for (Vector& m : models) {
    for (Index k = 0; k < d; ++k) {
      const double mantissa = static_cast<double>(rng() >> 11U) * 0x1.0p-53 - 0.5;
      m[k] = std::ldexp(mantissa, static_cast<int>(rng() % 81) - 40);
    }
  }
  return models;
}

bool same_bits(const Vector& a, const Vector& b) { return a.size() == b.size() && (a.array() == b.array()).all(); }

// Lets an arena of 4 threads have 4 threads on a machine with fewer cores.
tbb::global_control allow_threads(int threads) {
  return tbb::global_control(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
}

}  // namespace

TEST_CASE("parallel tree sums of vectors: the serial tree sum's bits on 1, 2 and 4 threads") {
  struct Shape {
    std::size_t p;
    Index d;
  };
  // Serial (p·d small), coordinate blocks only (a single block of workers), subtrees only
  // (d <= 64), and subtrees × coordinate blocks (p > 64 with a larger d).
  for (const Shape s : {Shape{100, 30}, Shape{16, 10007}, Shape{40, 5000}, Shape{20000, 20}, Shape{5000, 10},
                        Shape{3000, 257}, Shape{70, 4099}, Shape{1025, 1000}}) {
    const auto models = spread_models(s.p, s.d, s.p + static_cast<std::uint64_t>(s.d));
    const auto model_at = [&](std::size_t i) -> const Vector& { return models[i]; };
    tree::SumScratch serial_scratch;
    Vector serial(s.d);
    tree::sum_vectors(s.p, model_at, serial, serial_scratch);
    for (const int threads : {1, 2, 4}) {
      const auto allowed = allow_threads(threads);
      ParallelSumScratch scratch;
      Vector parallel(s.d);
      tbb::task_arena(threads).execute([&] {
        parallel_sum_vectors(s.p, model_at, parallel, scratch);
        parallel.setZero();
        parallel_sum_vectors(s.p, model_at, parallel, scratch);  // scratch reused, as at every sync
      });
      INFO("p = " << s.p << ", d = " << s.d << ", threads = " << threads);
      CHECK(same_bits(parallel, serial));
    }
  }
}

TEST_CASE("parallel tree sums of scalars: the serial tree sum's bits on 1, 2 and 4 threads") {
  for (const std::size_t p : {std::size_t{64}, std::size_t{65}, std::size_t{70000}, std::size_t{300000}}) {
    const auto models = spread_models(p, 1, p);
    const auto value_at = [&](std::size_t i) { return models[i][0]; };
    const double serial = tree::sum_scalars(p, value_at);
    for (const int threads : {1, 2, 4}) {
      const auto allowed = allow_threads(threads);
      double parallel = 0;
      tbb::task_arena(threads).execute([&] { parallel = parallel_sum_scalars(p, value_at); });
      INFO("p = " << p << ", threads = " << threads);
      CHECK(parallel == serial);
    }
  }
}

TEST_CASE("consensus_distance: (1/p) times the tree sum of the squared distances, on any thread count") {
  const std::size_t p = 3000;
  const Index d = 40;  // p·d above the parallel threshold
  const auto models = spread_models(p, d, 11);
  const auto model_at = [&](std::size_t i) -> const Vector& { return models[i]; };
  const Vector average = Vector::LinSpaced(d, -1.0, 1.0);
  const double expected =
      tree::sum_scalars(p, [&](std::size_t i) { return (models[i] - average).squaredNorm(); }) / static_cast<double>(p);
  std::vector<double> distances;
  for (const int threads : {1, 2, 4}) {
    const auto allowed = allow_threads(threads);
    double consensus = 0;
    tbb::task_arena(threads).execute([&] { consensus = consensus_distance(p, model_at, average, distances); });
    INFO("threads = " << threads);
    CHECK(consensus == expected);
  }
}

TEST_CASE("an engine run with more than 64 workers, stepping and averaging in parallel, same bits on 1 and 2 threads") {
  // p·d = 2000·40 is above the averaging threshold with d <= 64: the average and the consensus
  // are summed over subtrees of workers in parallel; the local steps run as tasks over chunks.
  const int p = 2000;
  const Index d = 40;
  const int batch = 2;
  const long tau = 5, steps = 20;
  REQUIRE(Engine::runs_in_parallel(p, tau, batch, d));
  REQUIRE(static_cast<std::size_t>(p) * static_cast<std::size_t>(d) >= kParallelValues);
  const auto problem = test::make_least_squares(p * 10, d, p, 0.3);
  const ConstantStepSize eta(0.05);
  auto run_with = [&](int threads) {
    test::RunResult result;
    tbb::task_arena(threads).execute([&] {
      FixedPeriod schedule(tau);
      result = test::run_engine(*problem, schedule, eta,
                                {.steps = steps, .batch = batch, .seed = 9, .eval_steps = test::every_step(steps)});
    });
    return result;
  };
  const auto one = run_with(1);
  const auto two = run_with(2);
  REQUIRE(one.rows.size() == two.rows.size());
  for (std::size_t k = 0; k < one.rows.size(); ++k) {
    INFO("row " << k);
    CHECK(one.rows[k].loss == two.rows[k].loss);
    CHECK(one.rows[k].grad_norm_sq == two.rows[k].grad_norm_sq);
    CHECK(one.rows[k].consensus == two.rows[k].consensus);
  }
  CHECK(one.rows.back().consensus > 0);
  CHECK(same_bits(one.report.final_model, two.report.final_model));
}
