// The sweep rule for a key only some variants take (docs/experiments.md, "Runs"): the variant that
// does not take it runs once per point of the other keys, with the swept value null; a key that no
// variant takes is an error naming the path, the variant and the valid keys.
#include <catch2/catch.hpp>

#include "experiments/language/spec_error.hpp"
#include "experiments/spec/spec.hpp"

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
