// algorithms/step_sizes/*: every rule against its formula.
#include <catch2/catch.hpp>
#include <memory>

#include "algorithms/step_sizes/constant.hpp"
#include "algorithms/step_sizes/inverse_time.hpp"
#include "algorithms/step_sizes/pl_theory.hpp"
#include "algorithms/step_sizes/step_decay.hpp"
#include "algorithms/step_sizes/warmup.hpp"

using namespace localsgd;

TEST_CASE("constant and inverse_time") {
  const ConstantStepSize constant(0.25);
  CHECK(constant.at(0) == 0.25);
  CHECK(constant.at(1000) == 0.25);
  const InverseTimeStepSize inverse(0.5, 10.0);
  CHECK(inverse.at(0) == 0.5);
  CHECK(inverse.at(10) == 0.25);
  CHECK(inverse.at(30) == 0.125);
  CHECK(inverse.at(5) == Approx(0.5 / 1.5).epsilon(1e-15));
  CHECK_THROWS(ConstantStepSize(-0.1));
  CHECK_THROWS(InverseTimeStepSize(0.1, 0));
}

TEST_CASE("pl_theory: eta_t = 4 / (mu (t + a)), a = alpha tau + 4") {
  const PlTheoryStepSize eta(0.5, 2.0, 10);  // a = 24
  CHECK(eta.offset() == 24.0);
  CHECK(eta.at(0) == Approx(4.0 / (0.5 * 24)).epsilon(1e-15));
  CHECK(eta.at(1) == Approx(4.0 / (0.5 * 25)).epsilon(1e-15));
  CHECK(eta.at(100) == Approx(4.0 / (0.5 * 124)).epsilon(1e-15));
  CHECK_THROWS(PlTheoryStepSize(0.0, 1.0, 10));
}

TEST_CASE("step_decay multiplies by gamma every k steps") {
  const StepDecayStepSize eta(0.8, 0.5, 100);
  CHECK(eta.at(0) == 0.8);
  CHECK(eta.at(99) == 0.8);
  CHECK(eta.at(100) == 0.4);
  CHECK(eta.at(250) == 0.2);
  CHECK_THROWS(StepDecayStepSize(0.8, 1.5, 100));
}

TEST_CASE("linear warm-up ramps to the base rule, which is not shifted") {
  const LinearWarmup eta(std::make_unique<InverseTimeStepSize>(1.0, 10.0), 4);
  CHECK(eta.at(0) == Approx(0.25 * 1.0));
  CHECK(eta.at(1) == Approx(0.5 / 1.1));
  CHECK(eta.at(3) == Approx(1.0 / 1.3));
  CHECK(eta.at(4) == Approx(1.0 / 1.4));
  CHECK(eta.at(20) == Approx(1.0 / 3.0));
}
