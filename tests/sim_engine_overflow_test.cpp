// sim/engine.hpp when the virtual clock leaves the doubles: the run ends as clock_overflow at the
// exact step, with no evaluation or target hit at a non-finite time.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "sim/targets.hpp"
#include "support/fixtures.hpp"

using namespace localsgd;
using test::every_step;
using test::run_engine_with_clock;

namespace {

constexpr double kHuge = 0.75 * std::numeric_limits<double>::max();  // two of them overflow

// Every number an evaluation or a target hit holds is finite.
void check_all_finite(const test::RunResult& result, const TargetTracker& tracker) {
  for (const Evaluation& e : result.rows) {
    INFO("step " << e.step);
    CHECK(std::isfinite(e.time));
  }
  for (const auto& hit : tracker.hits()) {
    if (hit) CHECK(std::isfinite(hit->time));
  }
}

}  // namespace

TEST_CASE("a worker's step that overflows the clock ends the run at that step") {
  // p = 2, worker 1 twice as slow: its step 1 takes 1.5e308 s, its step 2 overflows (worker 0
  // only at step 3). tau = 4, so no sync happens before the overflow.
  const auto problem = test::make_least_squares(40, 3, 2);
  const ConstantStepSize eta(0.01);
  FixedPeriod schedule(4);
  const ScaledCompute compute(std::make_unique<ConstantCompute>(kHuge / 2), 0.0, {1.0, 2.0});
  const ConstantNetwork network(0.0);
  TargetTracker tracker(*problem, {Target{TargetMetric::gap, 1e300, TargetCheck::syncs_and_evaluations}}, 2);
  const auto result = run_engine_with_clock(
      *problem, schedule, eta,
      {.steps = 10, .batch = 1, .seed = 0, .eval_steps = every_step(10), .observers = {&tracker}}, {compute, network});
  const RunReport& r = result.report;
  CHECK(r.termination == Termination::clock_overflow);
  CHECK(r.steps_done == 2);
  CHECK(r.clock_overflow_worker == 1);
  CHECK(r.rounds == 0);
  CHECK(std::isinf(r.virtual_time));
  // Step 0 and step 1 were evaluated; step 2 (time inf) was not.
  REQUIRE(result.rows.size() == 2);
  CHECK(result.rows.back().step == 1);
  CHECK(result.rows.back().time == kHuge);
  check_all_finite(result, tracker);
  // The target held at step 0 already (every evaluation point counts).
  REQUIRE(tracker.hits()[0].has_value());
  CHECK(tracker.hits()[0]->step == 0);
}

TEST_CASE("an average that overflows the clock ends the run at its sync, telling no observer") {
  // 1 s per step, kHuge per average, a sync every step: step 1's average ends at 1 + kHuge; step
  // 2's would end at 2 + 2 kHuge = inf.
  const auto problem = test::make_least_squares(40, 3, 2);
  const ConstantStepSize eta(0.01);
  FixedPeriod schedule(1);
  const ConstantCompute compute(1.0);
  const ConstantNetwork network(kHuge);
  // A target no run meets: checked at every sync.
  TargetTracker tracker(*problem, {Target{TargetMetric::gap, -1.0, TargetCheck::syncs}}, 2);
  const auto result = run_engine_with_clock(
      *problem, schedule, eta,
      {.steps = 10, .batch = 1, .seed = 0, .eval_steps = every_step(10), .observers = {&tracker}}, {compute, network});
  const RunReport& r = result.report;
  CHECK(r.termination == Termination::clock_overflow);
  CHECK(r.steps_done == 2);
  CHECK(r.clock_overflow_worker == -1);
  CHECK(r.rounds == 1);
  CHECK(r.communication_time == kHuge);
  CHECK(std::isinf(r.virtual_time));
  REQUIRE(result.rows.size() == 2);
  CHECK(result.rows.back().step == 1);
  CHECK(result.rows.back().time == 1 + kHuge);
  check_all_finite(result, tracker);
}

TEST_CASE("a clock that stays finite changes nothing: the run completes with the same report") {
  // Times near the largest double that never sum past it.
  const auto problem = test::make_least_squares(40, 3, 2);
  const ConstantStepSize eta(0.01);
  FixedPeriod schedule(5);
  const ConstantCompute compute(kHuge / 20);
  const ConstantNetwork network(0.0);
  const auto result = run_engine_with_clock(
      *problem, schedule, eta, {.steps = 10, .batch = 1, .seed = 0, .eval_steps = every_step(10)}, {compute, network});
  CHECK(result.report.termination == Termination::completed);
  CHECK(result.report.steps_done == 10);
  CHECK(result.report.rounds == 2);
  CHECK(std::isfinite(result.report.virtual_time));
  CHECK(result.rows.size() == 11);
}
