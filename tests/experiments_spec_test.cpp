// experiments/spec/spec.hpp: strict validation with errors that name the JSON pointer and the rule,
// and the expansion into runs.
#include "experiments/spec/spec.hpp"

#include <catch2/catch.hpp>
#include <fstream>

#include "experiments/language/spec_error.hpp"
#include "experiments/store/run_summary.hpp"

using namespace localsgd;

namespace {

Json base_spec() {
  return Json::parse(R"({
    "name": "t",
    "problem": {"type": "least_squares", "samples": 100, "dim": 3},
    "workers": 2,
    "steps": 50,
    "step_size": {"type": "constant", "value": 0.01},
    "schedule": {"type": "fixed", "period": 5}
  })");
}

// The pointer and rule of the SpecError that parsing `spec` throws.
std::pair<std::string, std::string> error_of(const Json& spec) {
  try {
    parse_spec(spec, "t");
  } catch (const SpecError& e) {
    return {e.pointer(), e.rule()};
  }
  FAIL("no SpecError for " << spec.dump());
  return {};
}

}  // namespace

TEST_CASE("a minimal spec expands to one run with every default filled in") {
  const ExperimentSpec spec = parse_spec(base_spec(), "t");
  REQUIRE(spec.runs.size() == 1);
  const RunSpec& r = spec.runs[0];
  CHECK(r.workers == 2);
  CHECK(r.steps == 50);
  CHECK(r.batch == 1);
  CHECK(r.variant == "fixed");
  CHECK(r.config.at("optimizer") == Json{{"type", "sgd"}, {"weight_decay", 0.0}});
  CHECK(r.config.at("clock").at("compute") == Json{{"type", "constant"}, {"seconds", 0.01}, {"per_sample", 0.0}});
  CHECK(r.config.at("clock").at("slowdown") == Json{{"type", "none"}});
  CHECK(r.config.at("targets") == Json::array());
  CHECK(r.config.at("problem").at("noise") == 0.1);
  CHECK(r.config.at("eval") == Json{{"points", 100}, {"spacing", "log"}});
  CHECK(spec.resolved.at("variants").size() == 1);
  CHECK(spec.plots.size() == 3);
}

TEST_CASE("variants x sweep grid x seeds, in that order, with swept values recorded") {
  Json s = base_spec();
  s["variants"] = Json::parse(R"([{"label": "A"}, {"label": "B", "batch": 4}])");
  s["sweep"] = Json::parse(R"({"workers": [1, 2, 4], "schedule.period": [5, 10]})");
  s["seeds"] = 2;
  const ExperimentSpec spec = parse_spec(s, "t");
  REQUIRE(spec.runs.size() == 2 * 6 * 2);
  CHECK(spec.swept_paths == std::vector<std::string>{"schedule.period", "workers"});
  const RunSpec& last = spec.runs.back();
  CHECK(last.variant == "B");
  CHECK(last.batch == 4);
  CHECK(last.seed == 1);
  CHECK(last.workers == 4);
  CHECK(last.schedule.params.integer("period") == 10);
  CHECK(last.swept == Json{{"schedule.period", 10}, {"workers", 4}});
  CHECK(spec.runs[1].seed == 1);
  CHECK(spec.runs[1].swept == spec.runs[0].swept);
  for (std::size_t i = 0; i < spec.runs.size(); ++i) CHECK(spec.runs[i].index == i);
}

TEST_CASE("the resolved spec is itself a valid spec that expands to the same runs") {
  Json s = base_spec();
  s["variants"] = Json::parse(R"([{"label": "sync", "schedule": {"type": "sync"}}, {"label": "tau=5"}])");
  s["sweep"] = Json::parse(R"({"workers": [1, 2]})");
  s["seeds"] = Json::array({3, 8});
  const ExperimentSpec first = parse_spec(s, "t");
  const ExperimentSpec second = parse_spec(first.resolved, "t");
  REQUIRE(first.runs.size() == second.runs.size());
  for (std::size_t i = 0; i < first.runs.size(); ++i) {
    CHECK(first.runs[i].config == second.runs[i].config);
    CHECK(first.runs[i].seed == second.runs[i].seed);
    CHECK(first.runs[i].variant == second.runs[i].variant);
  }
}

TEST_CASE("every rule violation names the JSON pointer of the offending value") {
  using Case = std::tuple<const char*, const char*, const char*, const char*>;  // patch, pointer, rule part
  const auto [description, patch, pointer, rule] = GENERATE(
      Case{"unknown key", R"({"step": 10})", "/step", "unknown key \"step\" in the spec"},
      Case{"typo hint", R"({"step": 10})", "/step", "did you mean \"steps\"?"},
      Case{"wrong type", R"({"workers": "four"})", "/workers", "must be an integer, got string \"four\""},
      Case{"not an integer", R"({"workers": 2.5})", "/workers", "must be an integer"},
      Case{"workers = 0", R"({"workers": 0})", "/workers", "must be integer >= 1 and <= 10000000, got 0"},
      Case{"period = 0", R"({"schedule": {"type": "fixed", "period": 0}})", "/schedule/period",
           "must be integer >= 1, got 0"},
      Case{"period > T", R"({"schedule": {"type": "fixed", "period": 51}})", "/schedule/period",
           "must be <= steps (50)"},
      Case{"negative step size", R"({"step_size": {"type": "constant", "value": -0.1}})", "/step_size/value",
           "must be number > 0, got -0.1"},
      Case{"unknown type", R"({"schedule": {"type": "fixd"}})", "/schedule/type", "did you mean \"fixed\"?"},
      Case{"unknown parameter", R"({"schedule": {"type": "sync", "period": 3}})", "/schedule/period",
           "unknown key \"period\" in schedule type \"sync\" (it takes no parameters)"},
      Case{"missing parameter", R"({"step_size": {"type": "constant", "value": null}})", "/step_size",
           "missing required key \"value\""},
      Case{"more workers than samples", R"({"workers": 101})", "/problem/samples",
           "must be >= workers (101)"},
      Case{"bad eval", R"({"eval": {"every": 0}})", "/eval/every", "must be integer >= 1"},
      Case{"eval mixes forms", R"({"eval": {"every": 5, "points": 10}})", "/eval/points", "unknown key"},
      Case{"unknown clock key", R"({"clock": {"cpu": {}}})", "/clock/cpu", "unknown key \"cpu\" in clock"},
      Case{"bad seeds", R"({"seeds": 0})", "/seeds", "must be integer >= 1"},
      Case{"bad plot axis", R"({"plots": [{"x": "steps", "y": "gap"}]})", "/plots/0/x", "did you mean \"step\"?"},
      Case{"bad name", R"({"name": "a/b"})", "/name", "usable as a folder name"});
  INFO(description);
  Json s = base_spec();
  s.merge_patch(Json::parse(patch));
  const auto [where, what] = error_of(s);
  CHECK(where == pointer);
  CHECK_THAT(what, Catch::Contains(rule));
}

TEST_CASE("errors inside a variant or a sweep point to the variant or the sweep value") {
  Json s = base_spec();
  s["variants"] = Json::parse(R"([{"label": "ok"}, {"label": "bad", "schedule": {"type": "fixed", "period": 0}}])");
  CHECK(error_of(s).first == "/variants/1/schedule/period");

  s = base_spec();
  s["sweep"] = Json::parse(R"({"schedule.period": [5, 0]})");
  CHECK(error_of(s).first == "/sweep/schedule.period/1");

  s = base_spec();
  s["sweep"] = Json::parse(R"({"schedul.period": [5]})");
  CHECK(error_of(s).first == "/sweep/schedul.period");
  CHECK_THAT(error_of(s).second, Catch::Contains("did you mean \"schedule\"?"));

  s = base_spec();
  s.erase("schedule");
  s["variants"] = Json::parse(R"([{"label": "a", "schedule": {"type": "sync"}}, {"label": "b"}])");
  CHECK(error_of(s) == std::pair<std::string, std::string>{
                           "/variants/1", "missing required key \"schedule\" (set it at the top level or in this variant)"});

  s = base_spec();
  s["variants"] = Json::parse(R"([{"label": "a"}, {"label": "a"}])");
  CHECK(error_of(s) == std::pair<std::string, std::string>{"/variants/1/label", "duplicate label \"a\" (the same as /variants/0/label)"});

  s = base_spec();
  s["variants"] = Json::array();
  CHECK(error_of(s).first == "/variants");
}

TEST_CASE("load_spec prefixes the file name and reports invalid JSON with line and column") {
  const auto dir = std::filesystem::temp_directory_path() / "localsgd_spec_test";
  std::filesystem::create_directories(dir);
  const auto file = dir / "broken.json";
  {
    std::ofstream out(file);
    out << "{\n  \"workers\": 2,\n  \"steps\": }\n";
  }
  try {
    load_spec(file);
    FAIL("expected an error");
  } catch (const SpecFileError& e) {
    const std::string message = e.what();
    CHECK_THAT(message, Catch::StartsWith(file.string() + ": line 3, column 12: invalid JSON"));
  }
  CHECK_THROWS_WITH(load_spec(dir / "missing.json"), Catch::Contains("cannot open the spec file"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("zip sweeps move paths together; the zip group is one grid axis") {
  Json s = base_spec();
  s["sweep"] = Json::parse(R"({"workers": [1, 2], "zip": {"steps": [40, 80, 160], "schedule.period": [4, 8, 16]}})");
  const ExperimentSpec spec = parse_spec(s, "t");
  REQUIRE(spec.runs.size() == 2 * 3);
  for (const RunSpec& r : spec.runs) CHECK(r.steps == 10 * r.schedule.params.integer("period"));
  CHECK(spec.swept_paths == std::vector<std::string>{"workers", "schedule.period", "steps"});

  s["sweep"] = Json::parse(R"({"zip": [{"steps": [40, 80]}, {"batch": [1, 2, 4]}]})");
  CHECK(parse_spec(s, "t").runs.size() == 6);

  s["sweep"] = Json::parse(R"({"zip": {"steps": [40, 80, 160], "schedule.period": [4, 8]}})");
  // Keys are read in sorted order: "schedule.period" first.
  CHECK(error_of(s) == std::pair<std::string, std::string>{
                           "/sweep/zip/steps", "must have as many values as \"schedule.period\" (2), got 3"});
  s["sweep"] = Json::parse(R"({"steps": [40], "zip": {"steps": [80]}})");
  CHECK(error_of(s).second == "\"steps\" is swept twice");
  s["sweep"] = Json::parse(R"({"zip": {"steps": [40, 80], "schedule.period": [4, 0]}})");
  CHECK(error_of(s).first == "/sweep/zip/schedule.period/1");
}

TEST_CASE("plot declarations: kinds, swept x axes and their options are checked") {
  Json s = base_spec();
  s["plots"] = Json::parse(R"([{"kind": "final", "x": "workers", "y": "gap"}])");
  CHECK(error_of(s) == std::pair<std::string, std::string>{"/plots/0/kind", "a \"final\" plot needs a sweep"});
  s["sweep"] = Json::parse(R"({"workers": [1, 2]})");
  CHECK(parse_spec(s, "t").plots.at(0).file_stem() == "final_gap_vs_workers");
  s["plots"] = Json::parse(R"([{"kind": "final", "x": "batch", "y": "gap"}])");
  CHECK(error_of(s).first == "/plots/0/x");
  s["plots"] = Json::parse(R"([{"kind": "final", "x": "workers", "y": "gap", "mark_lupa_period": true}])");
  CHECK(error_of(s) == std::pair<std::string, std::string>{"/plots/0/mark_lupa_period", "needs x = \"schedule.period\""});
  s["plots"] = Json::parse(R"([{"kind": "time_to", "x": "workers", "y": "gap"}])");
  CHECK_THAT(error_of(s).second, Catch::Contains("missing required key \"value\""));
  s["plots"] = Json::parse(R"([{"kind": "time_to", "x": "workers", "y": "gap", "value": 0.1, "reference_slope": 1}])");
  CHECK(error_of(s).first == "/plots/0/reference_slope");
}

TEST_CASE("every name table round-trips its names, and a name not in it parses to nothing") {
  const auto round_trips = [](const auto& table) {
    for (const std::string& name : table.list()) {
      INFO(name);
      const auto value = table.parse(name);
      REQUIRE(value.has_value());
      CHECK(table.name(*value) == name);
    }
    CHECK_FALSE(table.parse("").has_value());
    CHECK_FALSE(table.parse("Gap").has_value());
  };
  round_trips(kMetricNames);
  round_trips(kAxisNames);
  round_trips(kPlotKindNames);
  round_trips(kEvalSpacingNames);
  round_trips(kSlopeMetricNames);
  round_trips(kTargetMetricNames);
  round_trips(kTargetCheckNames);
  round_trips(kRunTerminationNames);
  CHECK(kPlotKindNames.name(PlotKind::time_to) == "time_to");
  CHECK(kEvalSpacingNames.parse("linear") == EvalSpacing::linear);
}

TEST_CASE("plots read into kinds, metrics and axes, and write back the same JSON") {
  Json s = Json::parse(R"({
    "problem": {"type": "least_squares", "samples": 100, "dim": 3}, "workers": 2, "steps": 50,
    "step_size": {"type": "constant", "value": 0.01}, "schedule": {"type": "fixed", "period": 5},
    "sweep": {"workers": [1, 2]},
    "plots": [{"x": "round", "y": "consensus"},
              {"kind": "final", "x": "workers", "y": "loss", "reference_slope": -1},
              {"kind": "time_to", "x": "workers", "y": "gap", "value": 0.5, "by": "samples"}]
  })");
  const ExperimentSpec spec = parse_spec(s, "t");
  REQUIRE(spec.plots.size() == 3);
  CHECK(spec.plots[0].kind == PlotKind::curve);
  CHECK(spec.plots[0].y == Metric::consensus);
  CHECK(spec.plots[1].kind == PlotKind::final);
  CHECK(spec.plots[2].by == Axis::samples);
  CHECK(spec.plots[2].file_stem() == "samples_to_gap_0.5_vs_workers");
  for (const PlotSpec& plot : spec.plots) {
    const Json json = plot.to_json();
    CHECK(PlotSpec::from_json(json).to_json() == json);
  }
  Json unknown = spec.plots[0].to_json();
  unknown["y"] = "accuracy";
  CHECK_THROWS_WITH(PlotSpec::from_json(unknown), Catch::Contains("unknown y \"accuracy\""));
}
