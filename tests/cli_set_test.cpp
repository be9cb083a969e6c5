// `--set PATH=VALUE` on run, validate and explain (docs/experiments.md): applied to the spec's JSON
// before it is read, so the results and spec.resolved.json hold the overridden values and a bad
// override is refused (exit 2, nothing written) with a message naming the path and the --set.
// Also `validate`'s summary, with the run list only under --runs.
#include <catch2/catch.hpp>

#include "experiments/cli/spec_overrides.hpp"
#include "support/cli.hpp"

using namespace localsgd;
using namespace localsgd::test;
namespace fs = std::filesystem;

namespace {

const std::string kSpec = tiny_spec("tiny", Json::parse(R"({
  "steps": 100,
  "variants": [
    {"label": "sync", "schedule": {"type": "sync"}},
    {"label": "tau", "schedule": {"type": "fixed", "period": 10}}
  ],
  "sweep": {"workers": [2, 3]},
  "seeds": 2,
  "eval": {"points": 5},
  "plots": []
})")).dump(2);

SpecOverride applied(Json& spec, const std::string& text) {
  SpecOverride o = parse_override(text);
  apply_override(spec, o);
  return o;
}

}  // namespace

TEST_CASE("a --set value is JSON, or a string when it is not JSON; its path indexes objects and lists") {
  Json spec = Json::parse(kSpec);
  CHECK(applied(spec, "steps=500").pointer == "/steps");
  CHECK(spec.at("steps") == 500);
  applied(spec, "name=demo run");
  CHECK(spec.at("name") == "demo run");
  applied(spec, R"(name="7")");
  CHECK(spec.at("name") == "7");
  CHECK(applied(spec, "variants.1.schedule.period=5").pointer == "/variants/1/schedule/period");
  CHECK(spec.at("variants").at(1).at("schedule").at("period") == 5);
  applied(spec, "schedule.period=10");  // a missing object on the way is created
  CHECK(spec.at("schedule") == Json{{"period", 10}});
  applied(spec, "eval={\"every\": 1}");
  CHECK(spec.at("eval") == Json{{"every", 1}});
  // Sweep keys are dotted paths themselves.
  CHECK(applied(spec, "sweep.schedule.period=[5,10]").pointer == "/sweep/schedule.period");
  CHECK(spec.at("sweep").at("schedule.period") == Json::array({5, 10}));
  CHECK(applied(spec, "sweep.workers=[4]").pointer == "/sweep/workers");
  CHECK(spec.at("sweep").at("workers") == Json::array({4}));

  CHECK_THROWS_WITH(parse_override("steps"), Catch::Contains("must be PATH=VALUE"));
  CHECK_THROWS_WITH(parse_override("variants..label=x"), Catch::Contains("has an empty key"));
  SpecOverride out_of_range = parse_override("variants.2.label=x");
  CHECK_THROWS_WITH(apply_override(spec, out_of_range),
                    "/variants is a list of 2 entries: its index must be an integer from 0 to 1, got \"2\"");
  SpecOverride into_number = parse_override("steps.value=3");
  CHECK_THROWS_WITH(apply_override(spec, into_number), "/steps is a number in the spec, so it has no key \"value\"");
}

TEST_CASE("run --set: the results folder and spec.resolved.json hold the overridden values") {
  ScratchDir dir;
  write_file(dir / "tiny.json", kSpec);
  const auto result =
      run_cli(dir, "run tiny.json --quiet --set steps=60 --set variants.1.schedule.period=4 --set name=changed");
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  CHECK_FALSE(fs::exists(dir / "out/tiny"));
  const Json resolved = Json::parse(read_file(dir / "out/changed/spec.resolved.json"));
  CHECK(resolved.at("name") == "changed");
  CHECK(resolved.at("variants").at(0).at("steps") == 60);
  CHECK(resolved.at("variants").at(1).at("schedule").at("period") == 4);
  const Json summary = Json::parse(read_file(dir / "out/changed/summary.json"));
  const Json& tau = summary.at("runs").at(4);  // variant "tau", its first sweep point and seed
  REQUIRE(tau.at("variant") == "tau");
  CHECK(tau.at("rounds") == 15);  // 60 steps / period 4
}

TEST_CASE("validate and explain take --set; the same value in the file gives the same output") {
  ScratchDir dir;
  write_file(dir / "tiny.json", kSpec);
  Json edited = Json::parse(kSpec);
  edited["variants"][1]["schedule"]["period"] = 25;
  write_file(dir / "edited.json", edited.dump());
  const auto overridden = run_cli(dir, "explain tiny.json --json --set variants.1.schedule.period=25");
  INFO(overridden.err);
  REQUIRE(overridden.exit_code == 0);
  CHECK(overridden.out == run_cli(dir, "explain edited.json --json").out);
  CHECK(Json::parse(overridden.out).at("configurations").at(2).at("schedule").at("rounds") == 4);
  const auto validated = run_cli(dir, "validate tiny.json --set sweep.workers=[2,3,4]");
  CHECK(validated.exit_code == 0);
  CHECK_THAT(validated.out, Catch::Contains("12 runs = 2 variants x 3 sweep points x 2 seeds"));
}

TEST_CASE("a bad --set is exit 2 with a message naming the path and the --set, and writes nothing") {
  ScratchDir dir;
  write_file(dir / "tiny.json", kSpec);
  // A value the spec reader refuses: its message names the JSON path and the --set.
  const auto refused = run_cli(dir, "run tiny.json --quiet --set variants.1.schedule.period=-5");
  CHECK(refused.exit_code == 2);
  CHECK_THAT(refused.err, Catch::Contains("tiny.json: /variants/1/schedule/period: "));
  CHECK_THAT(refused.err,
             Catch::Contains("(the value at /variants/1/schedule/period came from --set variants.1.schedule.period=-5)"));
  // A path that does not exist in the spec's shape.
  const auto no_such_variant = run_cli(dir, "run tiny.json --quiet --set variants.7.schedule.period=5");
  CHECK(no_such_variant.exit_code == 2);
  CHECK_THAT(no_such_variant.err,
             Catch::Contains("error: --set variants.7.schedule.period=5: /variants is a list of 2 entries: its index "
                             "must be an integer from 0 to 1, got \"7\""));
  const auto not_path_value = run_cli(dir, "validate tiny.json --set steps");
  CHECK(not_path_value.exit_code == 2);
  CHECK_THAT(not_path_value.err, Catch::Contains("--set steps: must be PATH=VALUE"));
  const auto unknown_key = run_cli(dir, "explain tiny.json --set stepz=5");
  CHECK(unknown_key.exit_code == 2);
  CHECK_THAT(unknown_key.err, Catch::Contains("came from --set stepz=5"));
  CHECK_FALSE(fs::exists(dir / "out"));
}

TEST_CASE("validate prints a summary; the run list only with --runs") {
  ScratchDir dir;
  write_file(dir / "tiny.json", kSpec);
  const auto summary = run_cli(dir, "validate tiny.json");
  REQUIRE(summary.exit_code == 0);
  CHECK_THAT(summary.out, Catch::Contains("tiny.json: valid. 8 runs = 2 variants x 2 sweep points x 2 seeds\n"));
  CHECK_THAT(summary.out, Catch::Contains("\nconfigurations: 4 "));
  CHECK_THAT(summary.out, Catch::Contains("\nmemory: about "));
  CHECK_THAT(summary.out, Catch::Contains("\nwarnings: 0\n"));
  CHECK_THAT(summary.out, !Catch::Contains("  run "));
  const auto listed = run_cli(dir, "validate tiny.json --runs");
  REQUIRE(listed.exit_code == 0);
  CHECK_THAT(listed.out, Catch::Contains("  run    0  sync seed=0 workers=2  p=2 T=100 B=2 schedule=sync"));
  CHECK_THAT(listed.out, Catch::Contains("  run    7  tau seed=1 workers=3  p=3 T=100 B=2 schedule=fixed"));
}
