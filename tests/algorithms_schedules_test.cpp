// algorithms/schedules/*, algorithms/theory.hpp: the sync steps every schedule produces.
#include <catch2/catch.hpp>

#include "algorithms/schedules/ada_lupa_linear.hpp"
#include "algorithms/schedules/ada_lupa_loss.hpp"
#include "algorithms/schedules/adacomm.hpp"
#include "algorithms/schedules/explicit_steps.hpp"
#include "algorithms/schedules/post_local.hpp"
#include "algorithms/theory.hpp"
#include "support/fixtures.hpp"
#include "support/sync_log.hpp"

using namespace localsgd;
using test::SyncLog;

namespace {

std::vector<long> engine_sync_steps(SyncSchedule& schedule, long total) {
  const auto problem = test::make_least_squares(40, 3, 2);
  const ConstantStepSize eta(0.01);
  SyncLog log(*problem);
  const auto result = test::run_engine(
      *problem, schedule, eta, {.steps = total, .batch = 1, .seed = 0, .eval_steps = {0, total}, .observers = {&log}});
  CHECK(result.report.rounds == static_cast<int>(log.steps.size()));
  return log.steps;
}

}  // namespace

TEST_CASE("sync averages after every step") {
  EveryStep schedule;
  CHECK(engine_sync_steps(schedule, 5) == std::vector<long>{1, 2, 3, 4, 5});
}

TEST_CASE("fixed period syncs after tau, 2 tau, ... and always at T") {
  FixedPeriod divides(5);
  CHECK(engine_sync_steps(divides, 20) == std::vector<long>{5, 10, 15, 20});
  FixedPeriod remainder(3);
  CHECK(engine_sync_steps(remainder, 10) == std::vector<long>{3, 6, 9, 10});
  FixedPeriod longer(50);
  CHECK(engine_sync_steps(longer, 10) == std::vector<long>{10});
  CHECK_THROWS(FixedPeriod(0));
}

TEST_CASE("one-shot averages once, at T") {
  OneShot schedule;
  CHECK(engine_sync_steps(schedule, 17) == std::vector<long>{17});
}

TEST_CASE("theory periods: LUPA tau = 91 and Stich tau = 6 for T = 21875, p = 5, B = 128") {
  CHECK(lupa_theory_period(21875, 5, 128) == 91);
  CHECK(stich_period(21875, 5, 128) == 6);
  CHECK(lupa_theory_period(10, 1000, 1000) == 1);  // never below 1
  CHECK(lupa_theory_period(21875, 5, 128, 2.0) == 182);  // 2 × 90.76
  CHECK(stich_period(21875, 5, 128, 0.5) == 3);
}

TEST_CASE("ada_lupa_linear with T = 5469, tau0 = 91, E = 10 syncs where the paper's code does") {
  const double alpha = AdaLupaLinear::alpha_for_rounds(5469, 91, 10);
  CHECK(alpha == Approx(1.0927).epsilon(1e-4));
  AdaLupaLinear schedule(91, alpha);
  const std::vector<long> expected = {191, 481, 871, 1360, 1949, 2637, 3425, 4312, 5298, 5469};
  CHECK(planned_sync_steps(schedule, 5469, 5, 128) == expected);
  AdaLupaLinear again(91, alpha);
  CHECK(engine_sync_steps(again, 5469) == expected);
  CHECK(schedule.longest_period(5469) == 5298 - 4312);
}

TEST_CASE("post_local syncs every step up to switch_step, then every period") {
  PostLocal schedule(5, 4);
  CHECK(engine_sync_steps(schedule, 20) == std::vector<long>{1, 2, 3, 4, 5, 9, 13, 17, 20});
  PostLocal never_local(30, 4);
  CHECK(planned_sync_steps(never_local, 6, 1, 1) == std::vector<long>{1, 2, 3, 4, 5, 6});
  CHECK(schedule.longest_period(20) == 4);
}

TEST_CASE("explicit syncs exactly at the listed steps and at T") {
  ExplicitSteps schedule({3, 7, 8});
  CHECK(engine_sync_steps(schedule, 12) == std::vector<long>{3, 7, 8, 12});
  ExplicitSteps ends_at_t({4, 9});
  CHECK(planned_sync_steps(ends_at_t, 9, 1, 1) == std::vector<long>{4, 9});
  CHECK(schedule.longest_period(12) == 4);
  CHECK_THROWS(ExplicitSteps({3, 3}));
  CHECK_THROWS(ExplicitSteps({0}));
}

TEST_CASE("ada_lupa_loss: tau_i = ceil((F(x_0)/F(x_{s_{i-1}}))^(1/3)) tau0 from the averaged model") {
  const auto problem = test::make_least_squares(400, 5, 4, 0.5);
  const InverseTimeStepSize eta(0.05, 100);
  const long tau0 = 10;
  AdaLupaLoss schedule(tau0, false);
  SyncLog log(*problem);
  test::run_engine(*problem, schedule, eta,
                   {.steps = 3000, .batch = 2, .seed = 1, .eval_steps = {0, 3000}, .observers = {&log}});
  const double initial = problem->loss(Vector::Zero(5));
  REQUIRE(log.steps.size() >= 3);
  CHECK(log.steps[0] == tau0);  // the ratio is 1 in round 1
  long previous = log.steps[0];
  bool grew = false;
  for (std::size_t i = 1; i < log.steps.size(); ++i) {
    const long expected = static_cast<long>(std::ceil(std::cbrt(initial / log.losses[i - 1]))) * tau0;
    if (log.steps[i] != 3000) CHECK(log.steps[i] - previous == expected);
    grew |= expected > tau0;
    previous = log.steps[i];
  }
  CHECK(grew);  // the loss fell enough for the period to grow
}

TEST_CASE("adacomm shrinks its period as the loss falls, deciding on virtual time only") {
  const auto problem = test::make_least_squares(400, 5, 4, 0.05);
  const ConstantStepSize eta(0.02);
  auto periods = [&](double seconds_per_step, double interval) {
    AdaComm schedule(32, interval, false);
    SyncLog log(*problem);
    test::run_engine(*problem, schedule, eta,
                     {.steps = 2000,
                      .batch = 2,
                      .seed = 3,
                      .eval_steps = {0, 2000},
                      .observers = {&log},
                      .compute_seconds = seconds_per_step});
    std::vector<long> out;
    long previous = 0;
    for (long s : log.steps) {
      out.push_back(s - previous);
      previous = s;
    }
    out.pop_back();  // the last round is cut at T
    return out;
  };
  const auto base = periods(1.0, 100.0);
  REQUIRE(base.size() > 5);
  CHECK(base.front() == 32);
  CHECK(base.back() < 32);
  for (std::size_t i = 1; i < base.size(); ++i) CHECK(base[i] <= base[i - 1]);
  // Twice the seconds per step and twice the interval: the same decisions at the same steps.
  CHECK(periods(2.0, 200.0) == base);
  // Twice the seconds per step, same interval: decisions come twice as often (in steps).
  CHECK(periods(2.0, 100.0) != base);
}
