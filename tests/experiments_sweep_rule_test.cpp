// The sweep rule for a key only some variants take (docs/experiments.md, "Runs"): the variant that
// does not take it runs once per point of the other keys, with the swept value null; a key that no
// variant takes is an error naming the path, the variant and the valid keys.
#include <catch2/catch.hpp>

#include "experiments/language/spec_error.hpp"
#include "experiments/spec/spec.hpp"

#include <nlohmann/json.hpp>

using namespace localsgd;

namespace {

ExperimentSpec parse(const std::string& text) { return parse_spec(Json::parse(text), "rule"); }

const char* kBaseline = R"({"name": "rule", "problem": {"type": "quadratic", "dim": 3}, "steps": 40,
  "step_size": {"type": "constant", "value": 0.1}, "seeds": 2,
  "variants": [{"label": "sync", "schedule": {"type": "sync"}}, {"label": "tau", "schedule": {"type": "fixed", "period": 5}}],
  "sweep": {"schedule.period": [2, 5, 10], "workers": [2, 4]}})";

}  // namespace

TEST_CASE("a swept key a variant does not take: that variant runs once per point of the other keys") {
  const ExperimentSpec spec = parse(kBaseline);
  // sync: 2 worker counts x 2 seeds; tau: 3 periods x 2 worker counts x 2 seeds.
  REQUIRE(spec.runs.size() == 4 + 12);
  std::vector<int> sync_workers;
  for (const RunSpec& run : spec.runs) {
    if (run.variant == "sync") {
      CHECK(run.swept.at("schedule.period").is_null());
      CHECK_FALSE(run.config.at("schedule").contains("period"));
      if (run.seed == 0) sync_workers.push_back(run.workers);
    } else {
      CHECK(run.swept.at("schedule.period").is_number_integer());
      CHECK(run.config.at("schedule").at("period") == run.swept.at("schedule.period"));
    }
    CHECK(run.swept.at("workers").get<int>() == run.workers);
  }
  CHECK(sync_workers == std::vector<int>{2, 4});
  CHECK(describe_run(spec.runs[0]) == "sync seed=0 workers=2");
  for (std::size_t i = 0; i < spec.runs.size(); ++i) CHECK(spec.runs[i].index == i);
}

TEST_CASE("a swept key no variant takes is an error naming the path, the variant and the likely key") {
  std::string text = kBaseline;
  text.replace(text.find("\"schedule.period\": [2"), 17, "\"schedule.perid\"");
  try {
    parse(text);
    FAIL("no error");
  } catch (const SpecError& e) {
    CHECK(e.pointer() == "/sweep/schedule.perid/0");
    CHECK_THAT(e.rule(), Catch::Contains("unknown key \"perid\" in schedule type \"fixed\""));
    CHECK_THAT(e.rule(), Catch::Contains("did you mean \"period\"?"));
    CHECK_THAT(e.rule(), Catch::Contains("in variant \"tau\"; no variant takes this swept key"));
  }
}

TEST_CASE("a bad value of a swept key a variant takes is still an error, not a key it does not take") {
  std::string text = kBaseline;
  text.replace(text.find("[2, 5, 10]"), 10, "[2, 0, 10]");
  try {
    parse(text);
    FAIL("no error");
  } catch (const SpecError& e) {
    CHECK(e.pointer() == "/sweep/schedule.period/1");
  }
}

TEST_CASE("checks that cannot match under the sweep rule are refused when the spec is read") {
  const auto error_of = [](const Json& expect) {
    Json spec = Json::parse(kBaseline);
    spec["expect"] = Json::array({expect});
    try {
      parse_spec(spec, "rule");
    } catch (const SpecError& e) {
      return std::make_pair(e.pointer(), e.rule());
    }
    return std::make_pair(std::string(), std::string());
  };
  // The baseline without the key is fine: it matches every period.
  CHECK(error_of({{"type", "ratio"}, {"metric", "gap"}, {"variant", "tau"}, {"baseline", "sync"}, {"at_most", 2}})
            .first.empty());
  // The other way round, no single baseline run matches sync.
  const auto reversed =
      error_of({{"type", "ratio"}, {"metric", "gap"}, {"variant", "sync"}, {"baseline", "tau"}, {"at_most", 2}});
  CHECK(reversed.first == "/expect/0/variant");
  CHECK_THAT(reversed.second, Catch::Contains("variant \"sync\" does not take the swept key \"schedule.period\""));
  // A slope along the period of a variant without a period.
  const auto slope = error_of({{"type", "slope"}, {"metric", "gap"}, {"against", "schedule.period"}, {"variant", "sync"},
                               {"min", -1}, {"max", 1}});
  CHECK(slope.first == "/expect/0/variant");
  CHECK_THAT(slope.second, Catch::Contains("so it has no slope along it"));
  const auto slope_baseline = error_of({{"type", "slope"}, {"metric", "gap"}, {"against", "schedule.period"},
                                        {"variant", "tau"}, {"baseline", "sync"}, {"min", -1}, {"max", 1}});
  CHECK(slope_baseline.first == "/expect/0/baseline");
}
