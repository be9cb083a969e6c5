// sim/engine.hpp with the clock models of sim/compute_models.hpp and sim/network_models.hpp: the
// barrier, idle time and communication accounting of docs/design.md §6, exactly.
#include <catch2/catch.hpp>

#include "support/fixtures.hpp"

using namespace localsgd;
using test::every_step;
using test::run_engine_with_clock;

TEST_CASE("one slow worker sets every round's time and the others idle for exactly the difference") {
  // p = 3, worker 1 is k = 3 times slower; c = 1/4 s per step, C = 1/2 s per average, tau = 4,
  // T = 12: R = 3 rounds. Dyadic numbers, so the formulas hold to the last bit.
  const int p = 3;
  const double c = 0.25, C = 0.5, k = 3;
  const long tau = 4, T = 12, R = 3;
  const auto problem = test::make_least_squares(60, 3, p);
  const ConstantStepSize eta(0.01);
  FixedPeriod schedule(tau);
  const ScaledCompute compute(std::make_unique<ConstantCompute>(c), 0.0, {1.0, k, 1.0});
  const ConstantNetwork network(C);
  const auto result = run_engine_with_clock(
      *problem, schedule, eta, {.steps = T, .batch = 1, .seed = 0, .eval_steps = every_step(T)}, {compute, network});

  const RunReport& r = result.report;
  CHECK(r.rounds == R);
  CHECK(r.virtual_time == T * k * c + R * C);  // the slow worker's compute plus the communication
  CHECK(r.communication_time == R * C);
  CHECK(r.busy_seconds == std::vector<double>{T * c, T * k * c, T * c});
  // Each round the fast workers wait tau (k − 1) c at the barrier; the slow one never waits.
  CHECK(r.idle_seconds == std::vector<double>{R * tau * (k - 1) * c, 0.0, R * tau * (k - 1) * c});
  // The time of step t is when the slow worker finished it (plus C at a sync).
  for (long t = 1; t <= T; ++t) {
    const auto round = static_cast<double>((t - 1) / tau);  // rounds completed before step t started
    const double in_round = static_cast<double>(t) - round * tau;
    const double expected = round * (tau * k * c + C) + in_round * k * c + (in_round == tau ? C : 0.0);
    INFO("step " << t);
    CHECK(result.rows[static_cast<std::size_t>(t)].time == expected);
  }
}

TEST_CASE("per-sample cost: a step takes slowdown (overhead + per_sample B), also inside the engine") {
  const auto problem = test::make_least_squares(80, 3, 2);
  const ConstantStepSize eta(0.01);
  FixedPeriod schedule(5);
  const int batch = 8;
  const ScaledCompute compute(std::make_unique<ConstantCompute>(0.125), 0.03125 * batch, {1.0, 2.0});
  const ConstantNetwork network(0.0);
  const auto result = run_engine_with_clock(
      *problem, schedule, eta, {.steps = 20, .batch = batch, .seed = 0, .eval_steps = {0, 20}}, {compute, network});
  CHECK(result.report.busy_seconds == std::vector<double>{20 * 0.375, 20 * 0.75});
  CHECK(result.report.virtual_time == 20 * 0.75);
}

TEST_CASE("random compute: the engine's clock equals a replay of the barrier rule from the same addressed draws") {
  // Each worker's draws come from its own stream (seed, compute_time, i); replaying them with the
  // rule "a round ends when the slowest worker arrives, plus the all-reduce" must give the same
  // bits, with evaluation points between syncs changing nothing.
  const int p = 4;
  const long T = 23, tau = 5;  // syncs at 5, 10, 15, 20, 23
  const std::uint64_t seed = 12;
  const int batch = 2;
  const std::vector<double> slowdown = {1.0, 1.5, 1.0, 2.0};
  const auto problem = test::make_least_squares(200, 6, p);
  const ConstantStepSize eta(0.01);
  FixedPeriod schedule(tau);
  const ScaledCompute compute(std::make_unique<LognormalCompute>(0.02, 0.5), 0.001 * batch, slowdown);
  const RingAllReduce network(LinkParameters{5e-5, 1.25e9, 8.0});
  const auto result = run_engine_with_clock(*problem, schedule, eta,
                                            {.steps = T, .batch = batch, .seed = seed, .eval_steps = {0, 3, 7, 12, 23}},
                                            {compute, network});

  const double C = network.allreduce_seconds(p, problem->dim());
  std::vector<double> clock(p, 0.0), busy(p, 0.0), idle(p, 0.0);
  std::vector<double> time_at(T + 1, 0.0);
  long last = 0;
  for (const long sync : {5L, 10L, 15L, 20L, 23L}) {
    for (long t = last + 1; t <= sync; ++t) {
      for (int i = 0; i < p; ++i) {
        Rng draws(seed, StreamPurpose::compute_time, static_cast<std::uint64_t>(i), static_cast<std::uint64_t>(t));
        const double s = compute.step_seconds(i, draws);
        clock[static_cast<std::size_t>(i)] += s;
        busy[static_cast<std::size_t>(i)] += s;
      }
      time_at[static_cast<std::size_t>(t)] = *std::max_element(clock.begin(), clock.end());
    }
    const double barrier = *std::max_element(clock.begin(), clock.end());
    for (int i = 0; i < p; ++i) {
      idle[static_cast<std::size_t>(i)] += barrier - clock[static_cast<std::size_t>(i)];
      clock[static_cast<std::size_t>(i)] = barrier + C;
    }
    time_at[static_cast<std::size_t>(sync)] = barrier + C;
    last = sync;
  }
  const RunReport& r = result.report;
  CHECK(r.virtual_time == clock[0]);
  CHECK(r.busy_seconds == busy);
  CHECK(r.idle_seconds == idle);
  for (const Evaluation& e : result.rows) {
    INFO("step " << e.step);
    CHECK(e.time == time_at[static_cast<std::size_t>(e.step)]);
  }
  // Where the time went: every worker computed, waited or communicated the whole run.
  for (int i = 0; i < p; ++i) {
    CHECK(busy[static_cast<std::size_t>(i)] + idle[static_cast<std::size_t>(i)] + r.communication_time ==
          Approx(r.virtual_time).epsilon(1e-13));
  }
  CHECK(r.communication_time == Approx(5 * C).epsilon(1e-15));
  // The slowest machine waits least.
  CHECK(r.idle_seconds[3] < r.idle_seconds[0]);
}

TEST_CASE("a compute model that draws nothing: no compute-time draws, and the same bits as with them") {
  // The same constant model, once declaring its fixed step time (the engine keeps no stream) and
  // once not (the engine keeps one stream per worker and asks the model at every step).
  class Undeclared final : public ComputeModel {
   public:
    explicit Undeclared(const ComputeModel& inner) : inner_(inner) {}
    double step_seconds(int worker, Rng& rng) const override { return inner_.step_seconds(worker, rng); }

   private:
    const ComputeModel& inner_;
  };
  const int p = 3;
  const auto problem = test::make_least_squares(90, 4, p);
  const ConstantStepSize eta(0.01);
  const ScaledCompute declared(std::make_unique<ConstantCompute>(0.1), 0.03, {1.0, 1.7, 0.9});
  const Undeclared undeclared(declared);
  const ConstantNetwork network(0.2);
  const Sgd sgd;
  auto run = [&](const ComputeModel& compute, bool expect_draws) {
    FixedPeriod schedule(4);
    Engine engine(*problem, EngineConfig{p, 30, 2, 5}, Algorithm{schedule, eta, sgd}, ClockModels{compute, network});
    test::Recorder recorder;
    std::vector<Observer*> observers{&recorder};
    const RunReport report = engine.run(Vector::Zero(4), every_step(30), observers);
    CHECK(engine.draws_compute_times() == expect_draws);
    return std::make_pair(report, recorder.rows);
  };
  const auto [a, rows_a] = run(declared, false);
  const auto [b, rows_b] = run(undeclared, true);
  CHECK(a.virtual_time == b.virtual_time);
  CHECK(a.busy_seconds == b.busy_seconds);
  CHECK(a.idle_seconds == b.idle_seconds);
  REQUIRE(rows_a.size() == rows_b.size());
  for (std::size_t k = 0; k < rows_a.size(); ++k) {
    CHECK(rows_a[k].time == rows_b[k].time);
    CHECK(rows_a[k].loss == rows_b[k].loss);
  }
}
