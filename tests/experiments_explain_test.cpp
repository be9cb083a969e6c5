// experiments/report/explain.hpp: the text form renders every value the JSON form may hold,
// including a longest period a schedule does not know (null; docs/adding-a-variant.md allows it).
#include <catch2/catch.hpp>

#include "experiments/report/explain.hpp"
#include "support/cli.hpp"

using namespace localsgd;
using namespace localsgd::test;

TEST_CASE("explain prints an unknown longest period as \"unknown\" (text) and keeps null (JSON)") {
  CHECK(longest_period_text(Json(nullptr)) == "unknown");
  CHECK(longest_period_text(Json(7)) == "7");

  // A schedule that plans its syncs but does not know its longest period: its explanation holds
  // null (as explain_configuration writes for nullopt), which the text form must render.
  const ExperimentSpec spec =
      parse_spec(tiny_spec("unknown_longest", Json::parse(R"({"schedule": {"type": "fixed", "period": 10}})")), "x");
  Json explanation = explain_spec(spec);
  Json& schedule = explanation.at("configurations").at(0).at("schedule");
  REQUIRE(schedule.at("adapts_to_run") == false);
  CHECK(schedule.at("longest_period") == 10);
  CHECK_THAT(explain_text(explanation), Catch::Contains("30 rounds, longest period 10; syncs at 10, 20"));
  schedule["longest_period"] = nullptr;
  CHECK_THAT(explain_text(explanation), Catch::Contains("30 rounds, longest period unknown; syncs at 10, 20"));
}
