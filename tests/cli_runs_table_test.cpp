// runs.csv (experiments/store/runs_table.hpp): one row per run whose parameters, final metrics and
// time split agree with metrics.csv and summary.json, whatever the thread count.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "experiments/store/csv.hpp"
#include "support/cli.hpp"

using namespace localsgd;
using namespace localsgd::test;

namespace {

// A sweep over the period next to a Sync baseline, with a straggler (idle time), 2 seeds.
Json swept_spec() {
  return tiny_spec("table", {{"schedule", {{"type", "fixed"}, {"period", 5}}},
                             {"clock", {{"compute", {{"type", "constant"}, {"seconds", 0.01}}},
                                        {"slowdown", {{"type", "one_slow"}, {"factor", 3.0}}}}},
                             {"sweep", {{"schedule.period", {2, 10}}}},
                             {"seeds", 2}});
}

}  // namespace

TEST_CASE("runs.csv has one row per run agreeing with metrics.csv and summary.json") {
  ScratchDir dir;
  const auto result = run_spec(dir, "table.json", swept_spec().dump(), "results", "--threads 2");
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  const CsvTable runs = read_csv(dir / "results/runs.csv");
  const CsvTable metrics = read_csv(dir / "results/metrics.csv");
  const Json summary = Json::parse(read_file(dir / "results/summary.json"));
  REQUIRE(runs.rows.size() == 4);
  REQUIRE(summary.at("runs").size() == 4);

  for (const char* column : {"run", "variant", "seed", "workers", "steps", "batch", "schedule.type", "schedule.period",
                             "problem.type", "problem.dim", "step_size.eta0", "clock.slowdown.factor", "termination",
                             "final_gap", "rounds", "virtual_time", "compute_time_mean", "communication_time",
                             "idle_time_max"}) {
    INFO(column);
    CHECK_NOTHROW(runs.column(column));
  }
  // The swept path is a parameter column, so it is not repeated.
  CHECK(std::count(runs.header.begin(), runs.header.end(), "schedule.period") == 1);

  for (std::size_t r = 0; r < runs.rows.size(); ++r) {
    const Json& s = summary.at("runs").at(r);
    const auto& row = runs.rows[r];
    CHECK(row[runs.column("run")] == std::to_string(s.at("run").get<int>()));
    CHECK(row[runs.column("schedule.period")] == s.at("swept").at("schedule.period").dump());
    CHECK(row[runs.column("termination")] == "completed");
    CHECK(runs.number(r, runs.column("rounds")) == s.at("rounds").get<double>());
    CHECK(runs.number(r, runs.column("idle_time_max")) == s.at("idle_time_max").get<double>());
    CHECK(runs.number(r, runs.column("idle_time_max")) > 0);  // the straggler makes the others wait
    CHECK(runs.number(r, runs.column("communication_time")) == s.at("communication_time").get<double>());
    // The final gap is the text of the run's last metrics row, bit for bit.
    std::string last_gap;
    for (std::size_t m = 0; m < metrics.rows.size(); ++m) {
      if (metrics.rows[m][metrics.column("run")] == row[runs.column("run")]) last_gap = metrics.rows[m][metrics.column("gap")];
    }
    CHECK(row[runs.column("final_gap")] == last_gap);
  }
  // Periods 2 and 10 over 300 steps: 150 and 30 rounds.
  CHECK(runs.number(0, runs.column("rounds")) == 150);
  CHECK(runs.number(2, runs.column("rounds")) == 30);

  const auto one_thread = run_spec(dir, "table.json", swept_spec().dump(), "one", "--threads 1");
  REQUIRE(one_thread.exit_code == 0);
  CHECK(read_file(dir / "one/runs.csv") == read_file(dir / "results/runs.csv"));
}

TEST_CASE("runs.csv gives variants without a key an empty cell, and a diverged run its termination") {
  ScratchDir dir;
  Json spec = tiny_spec("diverge", {{"variants",
                                     {{{"label", "sync"}, {"schedule", {{"type", "sync"}}}},
                                      {{"label", "huge step"},
                                       {"schedule", {{"type", "fixed"}, {"period", 4}}},
                                       {"step_size", {{"type", "constant"}, {"value", 50.0}}}}}}});
  const auto result = run_spec(dir, "d.json", spec.dump(), "results");
  REQUIRE(result.exit_code == 3);  // a run diverged
  const CsvTable runs = read_csv(dir / "results/runs.csv");
  REQUIRE(runs.rows.size() == 2);
  CHECK(runs.rows[0][runs.column("schedule.period")].empty());  // sync has no period
  CHECK(runs.rows[1][runs.column("schedule.period")] == "4");
  CHECK(runs.rows[0][runs.column("termination")] == "completed");
  CHECK(runs.rows[1][runs.column("termination")] == "diverged");
  CHECK(runs.rows[0][runs.column("step_size.type")] == "inverse_time");
  CHECK(runs.rows[1][runs.column("step_size.value")] == "50");
}
