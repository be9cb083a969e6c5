// algorithms/optimizers/*: updates and what happens to their state at a sync.
#include <catch2/catch.hpp>

#include "algorithms/optimizers/adam.hpp"
#include "algorithms/optimizers/momentum.hpp"
#include "support/fixtures.hpp"

using namespace localsgd;

namespace {

test::RunResult run_with(const Problem& problem, const LocalOptimizer& optimizer, SyncSchedule& schedule, long steps,
                         int batch, std::uint64_t seed) {
  const ConstantStepSize eta(0.02);
  const ConstantCompute compute(1.0);
  const ConstantNetwork network(0.0);
  Engine engine(problem, EngineConfig{problem.workers(), steps, batch, seed}, Algorithm{schedule, eta, optimizer},
                ClockModels{compute, network});
  test::Recorder recorder;
  Observer* observers[] = {&recorder};
  test::RunResult result;
  result.report = engine.run(Vector::Zero(problem.dim()), test::every_step(steps), observers);
  result.rows = recorder.rows;
  return result;
}

bool same_losses(const test::RunResult& a, const test::RunResult& b) {
  if (a.rows.size() != b.rows.size()) return false;
  for (std::size_t k = 0; k < a.rows.size(); ++k) {
    if (a.rows[k].loss != b.rows[k].loss || a.rows[k].consensus != b.rows[k].consensus) return false;
  }
  return (a.report.final_model.array() == b.report.final_model.array()).all();
}

}  // namespace

TEST_CASE("momentum with beta = 0 and state reset at syncs equals sgd bit for bit") {
  const auto problem = test::make_least_squares(300, 5, 3);
  FixedPeriod sgd_schedule(7), momentum_schedule(7);
  const auto plain = run_with(*problem, Sgd(), sgd_schedule, 200, 2, 4);
  const auto heavy_ball = run_with(*problem, Momentum(0.0, StateAtSync::reset), momentum_schedule, 200, 2, 4);
  CHECK(same_losses(plain, heavy_ball));
}

TEST_CASE("momentum with state reset at every step (tau = 1) is sgd; with state averaged it is not") {
  // Reset every step leaves v = g at each update: plain mini-batch SGD.
  const auto problem = test::make_least_squares(300, 5, 3);
  EveryStep a, b, c;
  const auto plain = run_with(*problem, Sgd(), a, 100, 2, 4);
  const auto reset = run_with(*problem, Momentum(0.9, StateAtSync::reset), b, 100, 2, 4);
  const auto averaged = run_with(*problem, Momentum(0.9, StateAtSync::average), c, 100, 2, 4);
  CHECK(same_losses(plain, reset));
  CHECK_FALSE(same_losses(plain, averaged));
}

TEST_CASE("momentum with averaged state and tau = 1 equals mini-batch heavy ball with batch pB") {
  const int workers = 3, batch = 2;
  const long steps = 150;
  const std::uint64_t seed = 8;
  const double beta = 0.9;
  const auto problem = test::make_least_squares(300, 4, workers);
  EveryStep schedule;
  const auto local = run_with(*problem, Momentum(beta, StateAtSync::average), schedule, steps, batch, seed);

  const auto& a = problem->data().features.dense();
  const auto& y = problem->data().targets;
  Vector x = Vector::Zero(4), v = Vector::Zero(4);
  for (long t = 1; t <= steps; ++t) {
    Vector g = Vector::Zero(4);
    for (int i = 0; i < workers; ++i) {
      const auto& shard = problem->shard(i);
      Rng draws(seed, StreamPurpose::sampling, static_cast<std::uint64_t>(i), static_cast<std::uint64_t>(t));
      for (int b = 0; b < batch; ++b) {
        const Index j = shard[uniform_index(draws, shard.size())];
        g += a.row(j).transpose() * (a.row(j).dot(x) - y[j]);
      }
    }
    v = beta * v + g / static_cast<double>(workers * batch);
    x -= 0.02 * v;
  }
  CHECK((local.report.final_model - x).norm() <= 1e-12 * x.norm());
}

TEST_CASE("adam: the first update is -eta m_hat / (sqrt(v_hat) + eps), i.e. about -eta sign(g)") {
  const Adam adam(0.9, 0.999, 1e-8, StateAtSync::keep);
  Vector x(3), g(3);
  x << 1.0, -2.0, 0.5;
  g << 0.3, -4.0, 1e-3;
  std::vector<Vector> state(2, Vector::Zero(3));
  const Vector x0 = x;
  adam.step(1, 0.1, x, g, state);
  for (Index k = 0; k < 3; ++k) {
    // m_hat = g and v_hat = g² after one update
    const double expected = x0[k] - 0.1 * g[k] / (std::abs(g[k]) + 1e-8);
    CHECK(x[k] == Approx(expected).epsilon(1e-14));
  }
  CHECK(state[0][1] == Approx(0.1 * -4.0));
  CHECK(state[1][1] == Approx(0.001 * 16.0));
  // Second update with the same gradient: m_hat = g, v_hat = g² again (bias correction with k = 2).
  const Vector x1 = x;
  Vector g2 = g;
  adam.step(2, 0.1, x, g2, state);
  CHECK(x[0] == Approx(x1[0] - 0.1 * 0.3 / (0.3 + 1e-8)).epsilon(1e-12));
}

TEST_CASE("adam with state reset restarts its bias correction after every sync") {
  // With τ = 1 and reset, every update is Adam's first: x ← x − η g/(|g| + ε) (sign descent).
  const auto problem = test::make_least_squares(100, 3, 1);
  EveryStep schedule;
  const auto run = run_with(*problem, Adam(0.9, 0.999, 1e-8, StateAtSync::reset), schedule, 20, 4, 2);
  const auto& a = problem->data().features.dense();
  const auto& y = problem->data().targets;
  Vector x = Vector::Zero(3);
  for (long t = 1; t <= 20; ++t) {
    Rng rng(2, StreamPurpose::sampling, 0, static_cast<std::uint64_t>(t));  // step t's draws
    Vector g = Vector::Zero(3);
    for (int b = 0; b < 4; ++b) {
      const Index j = problem->shard(0)[uniform_index(rng, problem->shard(0).size())];
      g.noalias() += (a.row(j).dot(x) - y[j]) * a.row(j).transpose();
    }
    g /= 4.0;
    x.array() -= 0.02 * g.array() / (g.array().abs() + 1e-8);
  }
  CHECK((run.report.final_model - x).norm() <= 1e-12 * x.norm());
}

TEST_CASE("weight decay adds lambda x to the gradient") {
  const Sgd sgd(0.5);
  Vector x(2), g(2);
  x << 2.0, -4.0;
  g << 1.0, 1.0;
  sgd.step(1, 0.1, x, g, {});
  CHECK(x[0] == Approx(2.0 - 0.1 * (1.0 + 1.0)));
  CHECK(x[1] == Approx(-4.0 - 0.1 * (1.0 - 2.0)));
}
