// algorithms/schedules.hpp and algorithms/step_size.hpp, through the engine's sync steps.
#include "algorithms/schedules.hpp"

#include <catch2/catch.hpp>

#include "algorithms/step_size.hpp"
#include "support/fixtures.hpp"

using namespace localsgd;

namespace {

class SyncSteps final : public Observer {
 public:
  void after_sync(const SyncPoint& sync) override { steps.push_back(sync.step); }
  std::vector<long> steps;
};

std::vector<long> sync_steps(SyncSchedule& schedule, long total) {
  const auto problem = test::make_least_squares(40, 3, 2);
  const ConstantStepSize eta(0.01);
  SyncSteps syncs;
  const auto result = test::run_engine(*problem, schedule, eta, total, 1, 0, {0, total}, {&syncs});
  CHECK(result.report.rounds == static_cast<int>(syncs.steps.size()));
  return syncs.steps;
}

}  // namespace

TEST_CASE("sync averages after every step") {
  SyncEveryStep schedule;
  CHECK(sync_steps(schedule, 5) == std::vector<long>{1, 2, 3, 4, 5});
}

TEST_CASE("fixed period syncs after tau, 2 tau, ... and always at T") {
  FixedPeriod divides(5);
  CHECK(sync_steps(divides, 20) == std::vector<long>{5, 10, 15, 20});
  FixedPeriod remainder(3);
  CHECK(sync_steps(remainder, 10) == std::vector<long>{3, 6, 9, 10});
  FixedPeriod longer(50);
  CHECK(sync_steps(longer, 10) == std::vector<long>{10});
  CHECK_THROWS(FixedPeriod(0));
}

TEST_CASE("one-shot averages once, at T") {
  OneShot schedule;
  CHECK(sync_steps(schedule, 17) == std::vector<long>{17});
}

TEST_CASE("step sizes follow their formulas") {
  const ConstantStepSize constant(0.25);
  CHECK(constant.at(0) == 0.25);
  CHECK(constant.at(1000) == 0.25);
  const InverseTimeStepSize inverse(0.5, 10.0);
  CHECK(inverse.at(0) == 0.5);
  CHECK(inverse.at(10) == 0.25);
  CHECK(inverse.at(30) == 0.125);
  CHECK(inverse.at(5) == Approx(0.5 / 1.5));
  CHECK_THROWS(ConstantStepSize(-0.1));
  CHECK_THROWS(InverseTimeStepSize(0.1, 0));
}
