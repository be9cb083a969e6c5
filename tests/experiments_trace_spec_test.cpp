// The trace key's bounds (experiments/spec/trace_spec.hpp): the row cap counts both sides of every
// sync, and a trace's buffers are in the run's memory estimate.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "experiments/language/spec_error.hpp"
#include "experiments/spec/spec.hpp"

using namespace localsgd;

namespace {

Json traced(int workers, long steps, const Json& schedule, long every) {
  return {{"name", "t"},
          {"problem", {{"type", "quadratic"}, {"dim", 2}}},
          {"workers", workers},
          {"steps", steps},
          {"step_size", {{"type", "constant"}, {"value", 0.01}}},
          {"schedule", schedule},
          {"trace", {{"workers", "all"}, {"every", every}}}};
}

}  // namespace

TEST_CASE("trace: the row cap counts the rows on both sides of every sync") {
  const Json sync = {{"type", "sync"}};
  // 4 x (10^5 + 1 + 2 x 10^6) = 8.4e6 rows: allowed.
  const ExperimentSpec four = parse_spec(traced(4, 1000000, sync, 10), "t");
  CHECK(four.runs.at(0).trace->most_rows == 4.0 * (100000 + 1 + 2 * 1000000));
  // 5 workers: 1.05e7 rows, above the cap, although the every-k rows alone (5 x 10^5) are not.
  try {
    parse_spec(traced(5, 1000000, sync, 10), "t");
    FAIL("no error");
  } catch (const SpecError& e) {
    CHECK(e.pointer() == "/trace");
    CHECK_THAT(e.rule(), Catch::Contains("2 x 1000000 syncs"));
  }
  // A fixed period: its planned syncs, not every step.
  const ExperimentSpec fixed = parse_spec(traced(5, 1000000, {{"type", "fixed"}, {"period", 100}}, 10), "t");
  CHECK(fixed.runs.at(0).trace->most_rows == 5.0 * (100000 + 1 + 2 * 10000));
}

TEST_CASE("trace: its buffers are in the run's memory estimate") {
  Json plain = traced(4, 20000, {{"type", "fixed"}, {"period", 10}}, 1);
  plain.erase("trace");
  const double without = parse_spec(plain, "t").runs.at(0).memory_bytes;
  const ExperimentSpec with = parse_spec(traced(4, 20000, {{"type", "fixed"}, {"period", 10}}, 1), "t");
  const double rows = 4.0 * (20000 + 1 + 2 * 2000);
  CHECK(with.runs.at(0).memory_bytes - without >= rows * 4 * 8);  // 2 coordinates, loss, distance: 8 bytes each
  CHECK(with.runs.at(0).memory_bytes - without == Approx(with.runs.at(0).trace->memory_bytes()));
}
