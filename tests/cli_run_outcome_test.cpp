// How a run ends, through the `localsgd` command line: a virtual clock bound to overflow is
// refused at validation (exit 2, JSON path, rule); one that overflows by chance ends the run as
// `clock_overflow` (exit 3) with a record that reads back and is reused; time to target agrees
// between time_to_target.csv and the expect checks; subnormal numbers run and are reused; a run
// that ends far above its start is flagged.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "support/cli.hpp"

using namespace localsgd;
using namespace localsgd::test;

namespace {

// A small least-squares spec with the top-level keys of `extra` replacing its own.
std::string spec_with(const Json& extra) {
  Json spec = Json::parse(R"({
    "name": "outcome",
    "problem": {"type": "least_squares", "samples": 200, "dim": 4, "noise": 0.1},
    "workers": 2, "steps": 100, "batch": 2,
    "step_size": {"type": "constant", "value": 0.05},
    "schedule": {"type": "fixed", "period": 5},
    "eval": {"points": 10}
  })");
  for (const auto& [key, value] : extra.items()) spec[key] = value;  // whole keys, not merged
  return spec.dump(2);
}

// Every null in a JSON document, by its JSON pointer; `allowed(pointer)` says where one may be
// (a target never met has no step, time, ...). (Not through flatten(), which turns empty objects
// and arrays into nulls.)
void collect_nulls(const Json& json, const std::string& pointer, const std::function<bool(const std::string&)>& allowed,
                   std::vector<std::string>& out) {
  if (json.is_null() && !allowed(pointer)) out.push_back(pointer);
  if (json.is_object()) {
    for (const auto& [key, value] : json.items()) collect_nulls(value, pointer + "/" + key, allowed, out);
  } else if (json.is_array()) {
    for (std::size_t i = 0; i < json.size(); ++i) collect_nulls(json[i], pointer + "/" + std::to_string(i), allowed, out);
  }
}

std::vector<std::string> nulls_in(const Json& json, const std::function<bool(const std::string&)>& allowed) {
  std::vector<std::string> out;
  collect_nulls(json, "", allowed, out);
  return out;
}

bool in_unmet_target(const Json& summary, const std::string& pointer) {
  // /runs/<i>/targets/<k>/<field>
  const auto at = pointer.find("/targets/");
  if (at == std::string::npos) return pointer.ends_with("/constants/sigma2");
  const Json::json_pointer target(pointer.substr(0, pointer.find('/', at + 9)));
  return !summary.at(target).at("reached").get<bool>();
}

// stdout without the line that reports the simulator's own wall time (it varies).
std::string without_wall_time(const std::string& out) {
  std::string kept;
  for (const auto& line : lines(out)) {
    if (!line.starts_with("wall time of the runs") && !line.starts_with("results: ")) kept += line + "\n";
  }
  return kept;
}

void check_no_results(const ScratchDir& dir) { CHECK_FALSE(std::filesystem::exists(dir / "out")); }

}  // namespace

TEST_CASE("a clock bound to overflow is refused at validation with the JSON path and the rule") {
  struct Case {
    const char* what;
    Json extra;
    const char* message;
  };
  const std::vector<Case> cases = {
      {"compute mean x steps", Json::parse(R"({"clock": {"compute": {"type": "constant", "seconds": 1e307}}})"),
       "outcome.json: /clock/compute: the virtual clock would overflow: the expected step time of the slowest worker "
       "(1e+307 s"},
      {"a slowdown times the mean",
       Json::parse(R"({"steps": 10, "clock": {"compute": {"type": "exponential", "mean": 1e307},
                      "slowdown": {"type": "one_slow", "worker": 1, "factor": 100}}})"),
       "/clock/compute: the virtual clock would overflow: the expected step time of the slowest worker (inf s"},
      {"per_sample x batch", Json::parse(R"({"clock": {"compute": {"type": "constant", "per_sample": 1.7e308}}})"),
       "/clock/compute: the virtual clock would overflow"},
      {"a Pareto shape near 1",
       Json::parse(R"({"clock": {"compute": {"type": "pareto", "minimum": 1e295, "shape": 1.000000000001}}})"),
       "/clock/compute: the virtual clock would overflow"},
      {"a log-normal with a huge mean",
       Json::parse(R"({"clock": {"compute": {"type": "lognormal", "mean": 1e307, "sigma": 40}}})"),
       "/clock/compute: the virtual clock would overflow"},
      {"network x rounds", Json::parse(R"({"clock": {"network": {"type": "constant", "seconds": 1e307}}})"),
       "outcome.json: /clock/network: the virtual clock would overflow: 1e+307 s per average x 20 rounds"},
      {"their sum", Json::parse(R"({"steps": 10, "schedule": {"type": "one_shot"},
                      "clock": {"compute": {"type": "constant", "seconds": 1e307},
                                "network": {"type": "constant", "seconds": 1.7e308}}})"),
       "outcome.json: /clock: the virtual clock would overflow: expected compute time 1e+308 s + communication time "
       "1.7e+308 s"},
      {"in a variant", Json::parse(R"({"variants": [{"label": "ok"},
                      {"label": "slow", "clock": {"compute": {"type": "constant", "seconds": 1e307}}}]})"),
       "outcome.json: /variants/1/clock/compute: the virtual clock would overflow"},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    ScratchDir dir;
    write_file(dir / "outcome.json", spec_with(c.extra));
    const auto result = run_cli(dir, "run outcome.json");
    CHECK(result.exit_code == 2);
    CHECK_THAT(result.err, Catch::Contains(c.message));
    CHECK(lines(result.err).size() == 1);
    check_no_results(dir);
  }
}

TEST_CASE("huge clock values that stay finite are not refused: one round of 1e308 s runs") {
  ScratchDir dir;
  write_file(dir / "outcome.json",
             spec_with(Json::parse(R"({"schedule": {"type": "one_shot"},
                                       "clock": {"network": {"type": "constant", "seconds": 1e308}}})")));
  const auto result = run_cli(dir, "run outcome.json --out results");
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  const Json summary = Json::parse(read_file(dir / "results/summary.json"));
  CHECK(summary.at("runs").at(0).at("termination") == "completed");
  CHECK(summary.at("runs").at(0).at("virtual_time") == 1e308 + 100 * 0.01);
  // The table prints it in 4 significant digits, not as 309 digits in fixed point.
  CHECK_THAT(result.out, Catch::Contains(" 1.0000e+308 s\n"));
}

namespace {

// A straggler model whose mean keeps T x mean finite (1.25e308 s expected in all) but whose rare
// straggling step takes 2.5e308 s = inf: nothing at validation can tell, the run overflows when
// a worker straggles (seed 5: worker 1's step 32).
const char* kStraggler = R"({
  "seeds": [5],
  "variants": [{"label": "steady"},
               {"label": "straggler",
                "clock": {"compute": {"type": "bernoulli_straggler", "seconds": 1e290, "probability": 0.002,
                                      "factor": 2.5e18}}}],
  "targets": [{"metric": "gap", "value": 0.5}],
  "expect": [{"type": "speedup", "metric": "gap", "value": 0.5, "by": "time", "variant": "straggler",
              "baseline": "steady", "at_most": 1e300}]
})";

}  // namespace

TEST_CASE("a clock that overflows during a run ends it as clock_overflow, exit 3, and the rerun reuses it") {
  ScratchDir dir;
  write_file(dir / "outcome.json", spec_with(Json::parse(kStraggler)));
  const auto first = run_cli(dir, "run outcome.json --out results --threads 1");
  INFO(first.err);
  REQUIRE(first.exit_code == 3);
  CHECK_THAT(first.err, Catch::Contains("CLOCK OVERFLOW at step 24"));
  CHECK_THAT(first.err, Catch::Contains("worker 1's step 24 took it past the largest double"));
  CHECK_THAT(first.err, Catch::Contains("took it past the largest double"));
  CHECK_THAT(first.out, Catch::Contains(fmt::format("{:<40} {:>12}\n", "straggler", "clock overflow")));

  const Json summary = Json::parse(read_file(dir / "results/summary.json"));
  const Json& steady = summary.at("runs").at(0);
  const Json& straggler = summary.at("runs").at(1);
  CHECK(steady.at("termination") == "completed");
  REQUIRE(straggler.at("termination") == "clock_overflow");
  const long at = straggler.at("clock_overflow_at_step");
  CHECK(at == 24);
  CHECK(straggler.at("steps") == at);
  CHECK(straggler.at("virtual_time") == "inf");
  CHECK_THAT(straggler.at("clock_overflow_message").get<std::string>(), Catch::Contains("took it past"));
  CHECK(straggler.at("final").at("step").get<long>() < at);  // the last evaluation before it
  // No null where a number was, in summary.json or in the stored runs.
  CHECK(nulls_in(summary, [&](const std::string& p) { return in_unmet_target(summary, p); }) ==
        std::vector<std::string>{});
  for (const auto& entry : std::filesystem::directory_iterator(dir / "results/runs")) {
    const Json stored = Json::parse(read_file(entry.path()));
    const Json& record = stored.at("record");
    CHECK(nulls_in(record, [&](const std::string& p) {
            return p.find("/targets/") != std::string::npos || p.ends_with("/constants/sigma2");
          }).empty());
  }
  // The metric rows of the straggler end before the overflow, every time finite.
  const auto csv = lines(read_file(dir / "results/metrics.csv"));
  for (const auto& line : csv) CHECK(line.find("inf") == std::string::npos);

  // time_to_target.csv and the expect check agree: the csv's time for each run is what the
  // speedup check divides.
  const auto ttt = lines(read_file(dir / "results/time_to_target.csv"));
  REQUIRE(ttt.size() == 3);
  const Json checks = Json::parse(read_file(dir / "results/checks.json"));
  REQUIRE(checks.size() == 1);
  const bool straggler_reached = straggler.at("targets").at(0).at("reached").get<bool>();
  CHECK(ttt[2].find(straggler_reached ? ",true," : ",false,") != std::string::npos);
  if (straggler_reached) {
    CHECK(checks[0].at("measured") == steady.at("targets").at(0).at("time").get<double>() /
                                          straggler.at("targets").at(0).at("time").get<double>());
  } else {
    CHECK(checks[0].at("measured").is_null());
    CHECK(checks[0].at("note") == "a run never reached the target");
  }

  const auto second = run_cli(dir, "run outcome.json --out results --threads 1");
  INFO(second.err);
  CHECK(second.exit_code == 3);
  CHECK_THAT(second.out, Catch::Contains("2 of 2 runs reused"));
  CHECK(without_wall_time(second.out) == without_wall_time(first.out));
  CHECK(Json::parse(read_file(dir / "results/summary.json")).at("runs").at(1).at("termination") == "clock_overflow");
}

TEST_CASE("a stored record holding a null (as older versions wrote an infinite time) is run again, not fatal") {
  ScratchDir dir;
  write_file(dir / "outcome.json", spec_with(Json::object()));
  REQUIRE(run_cli(dir, "run outcome.json --out results").exit_code == 0);
  const auto runs = std::filesystem::directory_iterator(dir / "results/runs");
  const auto path = runs->path();
  Json stored = Json::parse(read_file(path));
  stored["record"]["summary"]["virtual_time"] = nullptr;
  write_file(path, stored.dump());
  const auto again = run_cli(dir, "run outcome.json --out results");
  INFO(again.err);
  CHECK(again.exit_code == 0);
  CHECK_THAT(again.out, Catch::Contains("(1 executed, 0 reused)"));
  CHECK(Json::parse(read_file(path)).at("record").at("summary").at("virtual_time").is_number());
}

TEST_CASE("subnormal values a run produces are written, read back, and the rerun reuses them with the same table") {
  // Subnormal numbers (below 2.2e-308) written as spec literals are refused by the number rule
  // (the bad-input matrix); runs still produce them: log-normal step times with mean 0.01 and
  // sigma 40 are exp(-805 + 40 Z), below 1e-308 with probability 0.99, so the virtual clock
  // starts in the subnormal range. Plots on, so the plots' CSV reader reads them too.
  ScratchDir dir;
  write_file(dir / "outcome.json", spec_with(Json::parse(R"({
    "workers": 1, "batch": 1, "steps": 50, "eval": {"every": 1},
    "variants": [{"label": "sigma 40", "clock": {"compute": {"type": "lognormal", "mean": 0.01, "sigma": 40}}}],
    "clock": {"network": {"type": "constant", "seconds": 0}},
    "targets": [{"metric": "gap", "value": 1e9, "check": "syncs_and_evaluations"}]
  })")));
  const auto first = run_cli(dir, "run outcome.json --out results");
  INFO(first.err);
  REQUIRE(first.exit_code == 0);
  const Json summary = Json::parse(read_file(dir / "results/summary.json"));
  const Json& run = summary.at("runs").at(0);
  CHECK(run.at("termination") == "completed");
  CHECK(run.at("virtual_time").is_number());
  const std::string metrics = read_file(dir / "results/metrics.csv");
  // The time column (the 8th of run,variant,seed,step,round,samples,time,...): some row is subnormal.
  std::size_t subnormal_rows = 0;
  for (const std::string& line : lines(metrics)) {
    std::stringstream fields(line);
    std::string cell;
    for (int column = 0; column < 7 && std::getline(fields, cell, ','); ++column) {
    }
    const double time = std::strtod(cell.c_str(), nullptr);
    subnormal_rows += (time > 0 && time < 2.2250738585072014e-308) ? 1 : 0;
  }
  CHECK(subnormal_rows > 0);
  CHECK(std::filesystem::exists(dir / "results/plots/gap_vs_time.png"));
  const auto second = run_cli(dir, "run outcome.json --out results");
  INFO(second.err);
  CHECK(second.exit_code == 0);
  CHECK_THAT(second.out, Catch::Contains("1 of 1 runs reused"));
  CHECK(without_wall_time(second.out) == without_wall_time(first.out));
  CHECK(read_file(dir / "results/metrics.csv") == metrics);
  CHECK(run_cli(dir, "plot results").exit_code == 0);
}

TEST_CASE("a run that completes far above its starting gap gets a warning, and the exit code stays 0") {
  // Gradient descent on a quadratic with L = 1 and eta = 2.03 / L: the top direction grows by
  // 1.03 per step (its gap by 1.03² = 1.06), so after 150 steps the gap is thousands of times its start, below the
  // divergence threshold (1e6 x). The other variant converges.
  ScratchDir dir;
  write_file(dir / "outcome.json", spec_with(Json::parse(R"({
    "problem": {"type": "quadratic", "spectrum": "explicit", "eigenvalues": [1, 0.5, 0.25], "sigma2": 0},
    "workers": 1, "batch": 1, "steps": 150,
    "variants": [{"label": "too large", "step_size": {"type": "constant", "value": 2.03}},
                 {"label": "fine", "step_size": {"type": "constant", "value": 0.5}}]
  })")));
  const auto first = run_cli(dir, "run outcome.json --out results");
  INFO(first.err);
  REQUIRE(first.exit_code == 0);
  const Json summary = Json::parse(read_file(dir / "results/summary.json"));
  const Json& bad = summary.at("runs").at(0);
  CHECK(bad.at("termination") == "completed");
  REQUIRE(bad.contains("warning"));
  const std::string warning = bad.at("warning");
  CHECK_THAT(warning, Catch::Contains("the run ended far above where it started"));
  CHECK_THAT(warning, Catch::Contains("eta_0 = 2.03 vs 1/L = 1: the step size is 2.03 x 1/L"));
  // Thousands of times its start (metrics.csv: run 0's first row is step 0; gap is column 8).
  const auto csv = lines(read_file(dir / "results/metrics.csv"));
  std::vector<std::string> cells;
  std::stringstream row(csv.at(1));
  for (std::string cell; std::getline(row, cell, ',');) cells.push_back(cell);
  REQUIRE(cells.at(3) == "0");
  CHECK(bad.at("final").at("gap").get<double>() > 1000 * std::stod(cells.at(8)));
  CHECK_FALSE(summary.at("runs").at(1).contains("warning"));
  CHECK_THAT(first.err, Catch::Contains("warning: run 0 too large seed=0: the run ended far above where it started"));
  CHECK(first.err.find("warning: run 1") == std::string::npos);
  // Reused, the run is flagged again.
  const auto second = run_cli(dir, "run outcome.json --out results");
  CHECK(second.exit_code == 0);
  CHECK_THAT(second.err, Catch::Contains("warning: run 0 too large seed=0: the run ended far above where it started"));
}

TEST_CASE("expect's reaches uses the runs' declared target, as time_to_target.csv does") {
  // Sync only at the end (one_shot) and a target checked at syncs: the runs meet it at step 100,
  // while the evaluation points (the virtual average between syncs) are below it much earlier.
  ScratchDir dir;
  write_file(dir / "outcome.json", spec_with(Json::parse(R"({
    "schedule": {"type": "one_shot"}, "seeds": 2,
    "targets": [{"metric": "gap", "value": 0.05}],
    "expect": [{"type": "reaches", "metric": "gap", "value": 0.05, "by": "step", "before": 100}]
  })")));
  const auto result = run_cli(dir, "run outcome.json --out results");
  INFO(result.out << result.err);
  REQUIRE(result.exit_code == 0);
  const auto csv = lines(read_file(dir / "results/time_to_target.csv"));
  REQUIRE(csv.size() == 3);
  double sum = 0;
  for (std::size_t i = 1; i < csv.size(); ++i) {
    CHECK(csv[i].find(",true,100,") != std::string::npos);
    sum += 100;
  }
  const Json checks = Json::parse(read_file(dir / "results/checks.json"));
  CHECK(checks.at(0).at("measured") == sum / 2);
  CHECK_THAT(checks.at(0).at("check").get<std::string>(), Catch::Contains("runs' declared target"));
}
