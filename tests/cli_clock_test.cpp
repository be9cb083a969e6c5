// End-to-end tests of the clock through the `localsgd` command line: where the time went in
// summary.json, time to target in summary.json and time_to_target.csv, and clock input errors.
#include <catch2/catch.hpp>
#include <numeric>

#include <nlohmann/json.hpp>

#include "experiments/store/csv.hpp"
#include "support/cli.hpp"

using namespace localsgd;
using namespace localsgd::test;

namespace {

// Constant step and network times, one worker twice as slow, two targets, periods 1 and 10.
const std::string kSpec = tiny_spec("clocked", Json::parse(R"({
  "clock": {"compute": {"type": "constant", "seconds": 0.25},
            "slowdown": {"type": "one_slow", "worker": 1, "factor": 2},
            "network": {"type": "constant", "seconds": 0.5}},
  "targets": [{"metric": "gap", "value": 0.05}, {"metric": "gap", "value": 1e-12}],
  "sweep": {"schedule.period": [1, 10]},
  "schedule": {"type": "fixed", "period": 1},
  "eval": {"points": 20}
})")).dump(2);

}  // namespace

TEST_CASE("summary.json says where the time went, per worker, and when each target was met") {
  ScratchDir dir;
  write_file(dir / "clocked.json", kSpec);
  const auto result = run_cli(dir, "run clocked.json --out results");
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  CHECK_THAT(result.out, Catch::Contains("time to target"));
  CHECK_THAT(result.out, Catch::Contains("gap <= 0.05"));

  const Json summary = Json::parse(read_file(dir / "results/summary.json"));
  REQUIRE(summary.at("runs").size() == 2);
  for (const Json& run : summary.at("runs")) {
    const int rounds = run.at("rounds");
    const double period = run.at("swept").at("schedule.period");
    INFO("period " << period);
    CHECK(rounds == 300 / static_cast<int>(period));
    // Worker 1 is twice as slow: it sets the clock, the others wait 0.25 s per step of a round.
    CHECK(run.at("virtual_time") == 300 * 0.5 + rounds * 0.5);
    CHECK(run.at("per_worker").at("slowdown") == Json::array({1.0, 2.0, 1.0}));
    CHECK(run.at("per_worker").at("compute_time") == Json::array({75.0, 150.0, 75.0}));
    CHECK(run.at("per_worker").at("idle_time") == Json::array({75.0, 0.0, 75.0}));
    CHECK(run.at("compute_time_max") == 150.0);
    CHECK(run.at("compute_time_mean") == 100.0);
    CHECK(run.at("idle_time_max") == 75.0);
    CHECK(run.at("idle_time_mean") == 50.0);
    CHECK(run.at("communication_time") == rounds * 0.5);
    CHECK(run.at("config").at("clock").at("slowdown") == Json{{"type", "one_slow"}, {"worker", 1}, {"factor", 2.0}});

    const Json& met = run.at("targets").at(0);
    CHECK(met.at("metric") == "gap");
    CHECK(met.at("check") == "syncs");
    REQUIRE(met.at("reached") == true);
    const long step = met.at("step");
    CHECK(step % static_cast<long>(period) == 0);  // checked at syncs only
    CHECK(met.at("round") == step / static_cast<long>(period));
    CHECK(met.at("time") == static_cast<double>(step) * 0.5 + met.at("round").get<double>() * 0.5);
    CHECK(met.at("metric_value").get<double>() <= 0.05);
    const Json& never = run.at("targets").at(1);
    CHECK(never.at("reached") == false);
    CHECK(never.at("time").is_null());
  }

  const auto rows = lines(read_file(dir / "results/time_to_target.csv"));
  REQUIRE(rows.size() == 1 + 2 * 2);
  CHECK(rows[0] == "run,variant,seed,schedule.period,metric,value,check,reached,step,round,samples,time,at_sync");
  const auto met = split_csv_line(rows[1]);
  CHECK(met.at(3) == "1");
  CHECK(met.at(7) == "true");
  CHECK(std::stol(met.at(10)) == 6 * std::stol(met.at(8)));  // samples = p B step
  CHECK(rows[2] == "0,fixed,0,1,gap,1e-12,syncs,false,,,,,");
}

TEST_CASE("a spec without targets still writes time_to_target.csv, with the header only") {
  ScratchDir dir;
  Json spec = Json::parse(kSpec);
  spec.erase("targets");
  REQUIRE(run_spec(dir, "plain.json", spec.dump(), "results").exit_code == 0);
  CHECK(lines(read_file(dir / "results/time_to_target.csv")).size() == 1);
  CHECK(Json::parse(read_file(dir / "results/summary.json")).at("runs").at(0).at("targets") == Json::array());
}

TEST_CASE("clock and target input errors name the JSON path and the rule") {
  using Case = std::pair<const char*, std::string>;  // patch, expected message
  const auto [patch, message] = GENERATE(
      Case{R"({"clock": {"slowdown": {"type": "list", "factors": [1, 2]}}})",
           "/clock/slowdown/factors: must have one factor per worker (3 items), got 2"},
      Case{R"({"clock": {"slowdown": {"type": "one_slow", "worker": 3, "factor": 2}}})",
           "/clock/slowdown/worker: must be < workers (3), got 3"},
      Case{R"({"clock": {"slowdown": {"type": "uniform", "low": 2, "high": 1}}})",
           "/clock/slowdown/high: must be >= low (2), got 1"},
      Case{R"({"clock": {"compute": {"type": "lognormal", "mean": 0}}})",
           "/clock/compute/mean: must be number > 0, got 0"},
      Case{R"({"clock": {"compute": {"type": "bernoulli_straggler", "probability": 1.5}}})",
           "/clock/compute/probability: must be number >= 0 and <= 1, got 1.5"},
      Case{R"({"clock": {"compute": {"type": "pareto", "shape": 1}}})",
           "/clock/compute/shape: must be number > 1, got 1"},
      Case{R"({"clock": {"network": {"type": "tre"}}})", "/clock/network/type: unknown network type \"tre\""},
      Case{R"({"targets": [{"metric": "gaps", "value": 1}]})", "/targets/0/metric: must be one of"},
      Case{R"({"targets": [{"metric": "gap"}]})", "/targets/0: missing required key \"value\""},
      Case{R"({"targets": [{"metric": "gap", "value": 1}, {"metric": "gap", "value": 1}]})",
           "/targets/1: duplicate target gap <= 1"});
  INFO(patch);
  ScratchDir dir;
  Json spec = Json::parse(kSpec);
  const Json replacement = Json::parse(patch);
  for (const auto& [key, value] : replacement.items()) spec[key] = value;  // replace, not merge
  write_file(dir / "bad.json", spec.dump());
  const auto result = run_cli(dir, "validate bad.json");
  CHECK(result.exit_code == 2);
  CHECK_THAT(result.err, Catch::StartsWith("error: bad.json: " + message));
}

TEST_CASE("list shows every clock model, the slowdowns and the target keys with their defaults") {
  ScratchDir dir;
  const auto listed = run_cli(dir, "list");
  REQUIRE(listed.exit_code == 0);
  for (const char* name : {"exponential", "shifted_exponential", "lognormal", "pareto", "bernoulli_straggler", "one_slow",
                           "uniform", "tree", "recursive_doubling", "parameter_server"}) {
    CHECK_THAT(listed.out, Catch::Contains(std::string("  ") + name + " "));
  }
  CHECK_THAT(listed.out, Catch::Contains("slowdown (clock.slowdown.type)"));
  CHECK_THAT(listed.out, Catch::Contains("per_sample       number >= 0 (default 0.0)"));
  CHECK_THAT(listed.out, Catch::Contains("check            one of \"syncs\" or \"syncs_and_evaluations\" (default \"syncs\")"));
}
