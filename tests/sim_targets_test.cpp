// sim/targets.hpp: the first sync (or evaluation) where a target held, found independently of the
// evaluation grid, and never a change to the run.
#include "sim/targets.hpp"

#include <catch2/catch.hpp>
#include <limits>

#include "support/fixtures.hpp"
#include "support/sync_log.hpp"

using namespace localsgd;
using test::every_step;
using test::run_engine;
using test::SyncLog;

namespace {

struct Setup {
  std::shared_ptr<const LeastSquares> problem = test::make_least_squares(400, 5, 3);
  InverseTimeStepSize eta{0.05, 50};
  long steps = 600;
  int batch = 2;
  std::uint64_t seed = 4;
};

}  // namespace

TEST_CASE("a target checked at syncs is met at the first sync whose average meets it, whatever the grid") {
  Setup s;
  FixedPeriod schedule(7), again(7);
  SyncLog log(*s.problem);
  // ε halfway (in log) between the first sync's gap and the last: met at some sync in between.
  auto probe = run_engine(*s.problem, schedule, s.eta,
                          {.steps = s.steps,
                           .batch = s.batch,
                           .seed = s.seed,
                           .eval_steps = {0, s.steps},
                           .observers = {&log},
                           .compute_seconds = 0.25,
                           .network_seconds = 0.5});
  const double epsilon = std::sqrt(log.gaps.front() * log.gaps.back());
  const auto first = std::find_if(log.gaps.begin(), log.gaps.end(), [&](double g) { return g <= epsilon; });
  REQUIRE(first != log.gaps.end());
  const auto k = static_cast<std::size_t>(first - log.gaps.begin());
  REQUIRE(k > 0);

  // Evaluating only at 0 and T: the target is still found at its sync, not at T.
  TargetTracker tracker(*s.problem, {Target{TargetMetric::gap, epsilon, TargetCheck::syncs}}, 3L * s.batch);
  const auto run = run_engine(*s.problem, again, s.eta,
                              {.steps = s.steps,
                               .batch = s.batch,
                               .seed = s.seed,
                               .eval_steps = {0, s.steps},
                               .observers = {&tracker},
                               .compute_seconds = 0.25,
                               .network_seconds = 0.5});
  REQUIRE(tracker.hits()[0].has_value());
  const TargetHit& hit = *tracker.hits()[0];
  CHECK(hit.step == log.steps[k]);
  CHECK(hit.round == log.rounds[k]);
  CHECK(hit.round == static_cast<int>(k) + 1);
  CHECK(hit.time == log.times[k]);
  CHECK(hit.time == static_cast<double>(hit.step) * 0.25 + hit.round * 0.5);
  CHECK(hit.samples == 3L * s.batch * hit.step);
  CHECK(hit.metric == log.gaps[k]);
  CHECK(hit.at_sync);
  // Reading the models changed nothing.
  CHECK(run.rows.back().loss == probe.rows.back().loss);
}

TEST_CASE("syncs_and_evaluations also counts the virtual average at evaluation points between syncs") {
  Setup s;
  FixedPeriod schedule(25);
  // The gap of x̄_t at every step, from a first run.
  FixedPeriod probe_schedule(25);
  const auto probe =
      run_engine(*s.problem, probe_schedule, s.eta,
                 {.steps = s.steps, .batch = s.batch, .seed = s.seed, .eval_steps = every_step(s.steps)});
  const double epsilon = std::sqrt(probe.rows[10].gap * probe.rows.back().gap);
  const auto first_row = std::find_if(probe.rows.begin(), probe.rows.end(), [&](const Evaluation& e) {
    return e.gap <= epsilon;
  });
  REQUIRE(first_row != probe.rows.end());

  TargetTracker tracker(*s.problem,
                        {Target{TargetMetric::gap, epsilon, TargetCheck::syncs_and_evaluations},
                         Target{TargetMetric::gap, epsilon, TargetCheck::syncs}},
                        3L * s.batch);
  run_engine(
      *s.problem, schedule, s.eta,
      {.steps = s.steps, .batch = s.batch, .seed = s.seed, .eval_steps = every_step(s.steps), .observers = {&tracker}});
  REQUIRE(tracker.hits()[0].has_value());
  REQUIRE(tracker.hits()[1].has_value());
  const TargetHit& any = *tracker.hits()[0];
  const TargetHit& synced = *tracker.hits()[1];
  CHECK(any.step == first_row->step);
  CHECK(any.time == first_row->time);
  CHECK(any.at_sync == (any.step % 25 == 0));
  // At syncs only: the first multiple of tau at or after it where the average meets ε.
  CHECK(synced.step % 25 == 0);
  CHECK(synced.step >= any.step);
  CHECK(synced.at_sync);
  for (const Evaluation& e : probe.rows) {
    if (e.step % 25 == 0 && e.step > 0 && e.step < synced.step) CHECK(e.gap > epsilon);
  }
}

TEST_CASE("targets: loss and grad_norm_sq, met at step 0, never met, and never a change to the trajectory") {
  Setup s;
  FixedPeriod plain_schedule(10), tracked_schedule(10);
  const auto plain =
      run_engine(*s.problem, plain_schedule, s.eta,
                 {.steps = s.steps, .batch = s.batch, .seed = s.seed, .eval_steps = every_step(s.steps)});
  const double initial_loss = plain.rows.front().loss;
  TargetTracker tracker(*s.problem,
                        {Target{TargetMetric::loss, initial_loss, TargetCheck::syncs},     // holds at x0
                         Target{TargetMetric::gap, -1.0, TargetCheck::syncs},              // never
                         Target{TargetMetric::grad_norm_sq, 1e-3, TargetCheck::syncs}},
                        3L * s.batch);
  const auto tracked = run_engine(
      *s.problem, tracked_schedule, s.eta,
      {.steps = s.steps, .batch = s.batch, .seed = s.seed, .eval_steps = every_step(s.steps), .observers = {&tracker}});
  REQUIRE(plain.rows.size() == tracked.rows.size());
  for (std::size_t i = 0; i < plain.rows.size(); ++i) REQUIRE(plain.rows[i].loss == tracked.rows[i].loss);

  REQUIRE(tracker.hits()[0].has_value());
  CHECK(tracker.hits()[0]->step == 0);
  CHECK(tracker.hits()[0]->time == 0.0);
  CHECK_FALSE(tracker.hits()[1].has_value());
  REQUIRE(tracker.hits()[2].has_value());
  const long step = tracker.hits()[2]->step;
  CHECK(step % 10 == 0);
  CHECK(plain.rows[static_cast<std::size_t>(step)].grad_norm_sq <= 1e-3);
  CHECK(plain.rows[static_cast<std::size_t>(step - 10)].grad_norm_sq > 1e-3);
}

TEST_CASE("a NaN metric (a diverged run) never meets a target") {
  const auto problem = test::make_least_squares(50, 3, 1);
  TargetTracker tracker(*problem, {Target{TargetMetric::loss, 1e300, TargetCheck::syncs_and_evaluations}}, 1);
  Evaluation diverged;
  diverged.step = 40;
  diverged.loss = std::numeric_limits<double>::quiet_NaN();
  tracker.on_evaluation(diverged);
  CHECK_FALSE(tracker.hits()[0].has_value());
  Evaluation finite = diverged;
  finite.loss = 1e200;
  tracker.on_evaluation(finite);
  CHECK(tracker.hits()[0].has_value());
}
