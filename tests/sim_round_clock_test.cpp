// The round pipeline on the virtual clock (docs/clock.md): only participants compute, a round
// ends when its last participant has pushed (or at the deadline), and the run report counts each
// worker's rounds, steps and dropped work. Also the participation draws' frequencies.
#include <catch2/catch.hpp>
#include <cmath>
#include <numeric>

#include "algorithms/round/participation.hpp"
#include "support/fixtures.hpp"

using namespace localsgd;
using test::every_step;

namespace {

// Worker i's step takes seconds[i], every step (draws nothing).
class PerWorkerCompute final : public ComputeModel {
 public:
  explicit PerWorkerCompute(std::vector<double> seconds) : seconds_(std::move(seconds)) {}
  double step_seconds(int worker, Rng&) const override { return seconds_[static_cast<std::size_t>(worker)]; }
  std::optional<double> fixed_step_seconds(int worker) const override {
    return seconds_[static_cast<std::size_t>(worker)];
  }

 private:
  std::vector<double> seconds_;
};

test::RunResult run_clocked(const Problem& problem, const round::Pipeline& pipeline, const ComputeModel& compute,
                            double network_seconds, long period, long steps) {
  FixedPeriod schedule(period);
  const ConstantStepSize eta(0.02);
  const ConstantNetwork network(network_seconds);
  test::EngineRun r{.steps = steps, .batch = 2, .seed = 9, .eval_steps = every_step(steps)};
  r.pipeline = pipeline;
  return test::run_engine_with_clock(problem, schedule, eta, r, ClockModels{compute, network});
}

long sum(const std::vector<long>& v) { return std::accumulate(v.begin(), v.end(), 0L); }

}  // namespace

TEST_CASE("uniform participation: K of p compute each round, the others wait, the counts add up") {
  const auto problem = test::make_least_squares(400, 5, 6);
  round::Pipeline pipeline;
  pipeline.participation.kind = round::ParticipationKind::uniform;
  pipeline.participation.clients = 2;
  const PerWorkerCompute compute({1, 1, 1, 1, 1, 1});
  const long period = 5, steps = 200, rounds = steps / period;
  const auto result = run_clocked(*problem, pipeline, compute, 0.5, period, steps);
  const RunReport& report = result.report;
  CHECK(report.rounds == rounds);
  CHECK(sum(report.rounds_participated) == 2 * rounds);
  CHECK(report.empty_rounds == 0);
  for (std::size_t i = 0; i < 6; ++i) {
    CHECK(report.steps_run[i] == period * report.rounds_participated[i]);
    CHECK(report.busy_seconds[i] == Approx(static_cast<double>(report.steps_run[i])));
    CHECK(report.dropped_steps[i] == 0);
    // Every worker's time is compute + waiting + communication.
    CHECK(report.busy_seconds[i] + report.idle_seconds[i] + report.communication_time ==
          Approx(report.virtual_time));
  }
  CHECK(report.virtual_time == Approx(rounds * (period * 1.0 + 0.5)));
  // Samples count the participants' steps only.
  CHECK(result.rows.back().samples == 2L * 2 * steps);
}

TEST_CASE("deadline: a worker not done D seconds after the round starts is dropped, or keeps its finished steps") {
  const auto problem = test::make_least_squares(400, 5, 4);
  const PerWorkerCompute compute({1, 1, 1, 5});  // worker 3 is five times slower
  const long period = 10, steps = 100, rounds = steps / period;
  round::Pipeline pipeline;
  pipeline.participation.kind = round::ParticipationKind::deadline;
  pipeline.participation.deadline_seconds = 22;  // the fast ones need 10 s, the slow one 50 s
  const auto dropped = run_clocked(*problem, pipeline, compute, 1.0, period, steps);
  // The server waits until the deadline (it cannot know that the straggler will not come).
  CHECK(dropped.report.virtual_time == Approx(rounds * (22.0 + 1.0)));
  CHECK(dropped.report.rounds_participated == std::vector<long>{rounds, rounds, rounds, 0});
  CHECK(dropped.report.steps_run == std::vector<long>{steps, steps, steps, 0});
  CHECK(dropped.report.dropped_steps == std::vector<long>{0, 0, 0, 4 * rounds});  // 4 steps of 5 s fit in 22 s
  CHECK(dropped.report.busy_seconds[3] == Approx(rounds * 22.0));
  CHECK(dropped.rows.back().samples == 3L * 2 * steps);

  pipeline.participation.keep_partial = true;
  const auto partial = run_clocked(*problem, pipeline, compute, 1.0, period, steps);
  CHECK(partial.report.virtual_time == Approx(rounds * (22.0 + 1.0)));
  CHECK(partial.report.steps_run == std::vector<long>{steps, steps, steps, 4 * rounds});
  CHECK(partial.report.dropped_steps == std::vector<long>{0, 0, 0, 0});
  CHECK(partial.report.busy_seconds[3] == Approx(rounds * 20.0));
  CHECK_FALSE(test::same_evaluations(dropped.rows, partial.rows));

  // A deadline nobody misses is full participation, bit for bit.
  pipeline.participation.deadline_seconds = 50;
  const auto everyone = run_clocked(*problem, pipeline, compute, 1.0, period, steps);
  const auto full = run_clocked(*problem, {}, compute, 1.0, period, steps);
  CHECK(test::same_evaluations(everyone.rows, full.rows));
  CHECK(everyone.report.virtual_time == full.report.virtual_time);
}

TEST_CASE("time-budget local work: each worker takes the steps that fit, then waits") {
  const auto problem = test::make_least_squares(400, 5, 3);
  const PerWorkerCompute compute({1, 2, 4});
  round::Pipeline pipeline;
  pipeline.local_work.kind = round::LocalWorkKind::time_budget;
  pipeline.local_work.seconds = 8.5;
  const long period = 10, steps = 100, rounds = steps / period;
  const auto result = run_clocked(*problem, pipeline, compute, 0.0, period, steps);
  CHECK(result.report.steps_run == std::vector<long>{8 * rounds, 4 * rounds, 2 * rounds});
  CHECK(result.report.virtual_time == Approx(rounds * 8.0));  // the last participant pushes at 8 s
  CHECK(result.rows.back().samples == 2L * 14 * rounds);

  pipeline.local_work.kind = round::LocalWorkKind::per_worker;
  pipeline.local_work.steps = {3, 20, 1};  // capped at τ = 10
  const auto counts = run_clocked(*problem, pipeline, compute, 0.0, period, steps);
  CHECK(counts.report.steps_run == std::vector<long>{3 * rounds, 10 * rounds, 1 * rounds});
  CHECK(counts.report.virtual_time == Approx(rounds * 20.0));
}

TEST_CASE("participation draws: each worker's frequency matches K/p, n_i/n and q_i within 4 standard errors") {
  const int p = 8;
  const long rounds = 20000;
  std::vector<int> ids, multiplicity;
  auto frequencies = [&](round::ParticipantDraw& draw, bool count_multiplicity) {
    std::vector<double> counts(p, 0.0);
    for (long r = 0; r < rounds; ++r) {
      draw.draw(r, ids, multiplicity);
      REQUIRE(std::is_sorted(ids.begin(), ids.end()));
      for (std::size_t j = 0; j < ids.size(); ++j) {
        counts[static_cast<std::size_t>(ids[j])] += count_multiplicity ? multiplicity[j] : 1;
      }
    }
    return counts;
  };
  SECTION("uniform: exactly K distinct each round, P(i) = K/p") {
    round::ParticipationOptions o{.kind = round::ParticipationKind::uniform, .clients = 3};
    round::ParticipantDraw draw(o, p, {}, 11);
    const auto counts = frequencies(draw, false);
    CHECK(std::accumulate(counts.begin(), counts.end(), 0.0) == 3.0 * rounds);
    const double q = 3.0 / p, se = std::sqrt(q * (1 - q) / rounds);
    for (double c : counts) CHECK(std::abs(c / rounds - q) < 4 * se);
  }
  SECTION("weighted: K draws with replacement, E[m_i] = K n_i / n") {
    const std::vector<double> shards{1, 2, 3, 4, 5, 6, 7, 8};
    round::ParticipationOptions o{.kind = round::ParticipationKind::weighted, .clients = 4};
    round::ParticipantDraw draw(o, p, shards, 12);
    const auto counts = frequencies(draw, true);
    CHECK(std::accumulate(counts.begin(), counts.end(), 0.0) == 4.0 * rounds);
    for (int i = 0; i < p; ++i) {
      const double q = shards[static_cast<std::size_t>(i)] / 36.0;  // m_i ~ Binomial(K, q)
      const double se = std::sqrt(4 * q * (1 - q) / rounds);
      CHECK(std::abs(counts[static_cast<std::size_t>(i)] / rounds - 4 * q) < 4 * se);
    }
  }
  SECTION("available: independent presence with per-worker q_i, and the diurnal pattern's mean") {
    const std::vector<double> q{0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.9};
    round::ParticipationOptions o{.kind = round::ParticipationKind::available, .probability = q};
    round::ParticipantDraw draw(o, p, {}, 13);
    const auto counts = frequencies(draw, false);
    for (int i = 0; i < p; ++i) {
      const double qi = q[static_cast<std::size_t>(i)], se = std::sqrt(qi * (1 - qi) / rounds);
      CHECK(std::abs(counts[static_cast<std::size_t>(i)] / rounds - qi) < 4 * se);
    }
    // A day of 100 rounds, amplitude 0.3 around 0.5: q_i(r) = 0.5 + 0.3 sin(2π(r/100 + i/8)),
    // never clamped, so the mean over whole days is 0.5; worker 0 is most present at r = 25.
    round::ParticipationOptions d{.kind = round::ParticipationKind::available, .probability = {0.5},
                                  .period_rounds = 100, .amplitude = 0.3};
    round::ParticipantDraw diurnal(d, p, {}, 14);
    CHECK(diurnal.presence_probability(0, 25) == Approx(0.8));
    CHECK(diurnal.presence_probability(2, 0) == Approx(0.8));  // two hours ahead
    const auto day = frequencies(diurnal, false);
    double expected_var = 0;
    for (long r = 0; r < 100; ++r) {
      const double qr = diurnal.presence_probability(0, r);
      expected_var += qr * (1 - qr) / 100;
    }
    for (double c : day) CHECK(std::abs(c / rounds - 0.5) < 4 * std::sqrt(expected_var / rounds));
  }
}

TEST_CASE("Engine::estimate_bytes counts the pipeline's state: control variates, counts, server state") {
  EngineShape shape;
  shape.workers = 1000;
  shape.dim = 50;
  shape.threads = 2;
  const double base = Engine::estimate_bytes(shape);
  const double vector = 8.0 * 50;
  EngineShape scaffold = shape;
  scaffold.pipeline.correction.kind = round::CorrectionKind::scaffold;  // c_i per worker, and c
  CHECK(Engine::estimate_bytes(scaffold) - base >= 1001 * vector);
  EngineShape sampled = shape;
  sampled.pipeline.participation.kind = round::ParticipationKind::uniform;  // per-worker counts
  CHECK(Engine::estimate_bytes(sampled) - base >= 1000 * 24.0);
  EngineShape adam = shape;
  adam.pipeline.server.kind = round::ServerKind::adam;  // a_r, m and v
  CHECK(Engine::estimate_bytes(adam) - base >= 3 * vector);
  CHECK(Engine::estimate_bytes(adam) - base < 4 * vector);
}

TEST_CASE("an interrupted round counts the steps its participants ran") {
  const auto problem = test::make_least_squares(400, 5, 4);
  round::Pipeline pipeline;
  pipeline.participation.kind = round::ParticipationKind::uniform;
  pipeline.participation.clients = 2;
  FixedPeriod schedule(7);
  const ConstantStepSize eta(1e3);  // diverges within the first round
  test::EngineRun r{.steps = 100, .batch = 2, .seed = 9, .eval_steps = every_step(100)};
  r.pipeline = pipeline;
  const auto result = test::run_engine(*problem, schedule, eta, r);
  REQUIRE(result.report.termination == Termination::diverged);
  const long done = result.report.steps_done;
  // Two participants ran every step up to the one that diverged, in whole rounds and in the last.
  INFO("diverged at step " << done << " after " << result.report.rounds << " rounds");
  CHECK(done % 7 != 0);  // inside a round (else the test checks nothing new)
  CHECK(sum(result.report.steps_run) == 2 * done);
}
