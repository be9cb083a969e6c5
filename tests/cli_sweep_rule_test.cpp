// A Sync baseline beside a swept period, end to end (the sweep rule of docs/experiments.md): the
// baseline runs once, its swept cell is empty, plots draw it as a flat reference line across the
// swept values, and checks compare each swept point with it.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>
#include <set>

#include "experiments/store/csv.hpp"
#include "support/cli.hpp"

using namespace localsgd;
using namespace localsgd::test;

TEST_CASE("sweep rule: a baseline without the swept key is one reference curve in plots and checks") {
  ScratchDir dir;
  const Json spec = {
      {"name", "rule"},
      {"problem", {{"type", "quadratic"}, {"dim", 3}, {"hessian_heterogeneity", 0.5}, {"sigma2", 0.1}}},
      {"workers", 4},
      {"steps", 200},
      {"step_size", {{"type", "constant"}, {"value", 0.1}}},
      {"seeds", 3},
      {"variants", {{{"label", "sync"}, {"schedule", {{"type", "sync"}}}},
                    {{"label", "tau"}, {"schedule", {{"type", "fixed"}, {"period", 5}}}}}},
      {"sweep", {{"schedule.period", {2, 10, 20}}}},
      {"plots", {{{"kind", "final"}, {"x", "schedule.period"}, {"y", "gap"}},
                 {{"x", "step"}, {"y", "gap"}},
                 {{"x", "step"}, {"y", "gap"}, {"facet", "schedule.period"}},
                 {{"x", "step"}, {"y", "gap"}, {"where", {{"schedule.period", {10}}}}}}},
      {"expect", {{{"type", "ratio"}, {"metric", "gap"}, {"variant", "tau"}, {"baseline", "sync"}, {"at_most", 10}},
                  {{"type", "slope"}, {"metric", "gap"}, {"against", "schedule.period"}, {"min", -5}, {"max", 5}}}},
  };
  const auto result = run_spec(dir, "rule.json", spec.dump(), "out");
  INFO(result.err);
  REQUIRE(result.exit_code == 0);

  const CsvTable metrics = read_csv(dir / "out/metrics.csv");
  std::set<std::string> sync_periods, runs;
  for (std::size_t r = 0; r < metrics.rows.size(); ++r) {
    runs.insert(metrics.rows[r][metrics.column("run")]);
    if (metrics.rows[r][metrics.column("variant")] == "sync") sync_periods.insert(metrics.rows[r][metrics.column("schedule.period")]);
  }
  CHECK(runs.size() == 3 + 9);
  CHECK(sync_periods == std::set<std::string>{""});

  // The final-gap plot: sync's block spans the swept values at one level, labelled as such.
  const std::string gp = read_file(dir / "out/plots/final_gap_vs_schedule.period.gp");
  CHECK_THAT(gp, Catch::Contains("sync (does not take schedule.period)"));
  const auto dat = lines(read_file(dir / "out/plots/final_gap_vs_schedule.period.dat"));
  REQUIRE(dat.size() > 3);
  CHECK(dat[1].substr(0, 2) == "2 ");
  CHECK(dat[2].substr(0, 3) == "20 ");
  CHECK(dat[1].substr(2) == dat[2].substr(3));  // the same mean and interval at both ends

  // Curve labels leave the empty value out; a facet by the swept key draws sync in every panel
  // (3 panels x 2 curves); a filter on it keeps sync.
  const std::string curves = read_file(dir / "out/plots/gap_vs_step.gp");
  CHECK_THAT(curves, Catch::Contains("title \"sync\""));
  CHECK_THAT(curves, Catch::Contains("title \"tau, schedule.period=10\""));
  CHECK_THAT(curves, !Catch::Contains("sync, schedule.period"));
  const auto blocks = [&](const std::string& file) {
    const auto all = lines(read_file(dir / "out/plots" / file));
    return std::count_if(all.begin(), all.end(), [](const std::string& l) { return !l.empty() && l[0] == '#'; });
  };
  CHECK(blocks("gap_vs_step_by_schedule.period.dat") == 6);
  CHECK(blocks("gap_vs_step_where_schedule.period=10.dat") == 2);
  CHECK_THAT(read_file(dir / "out/plots/gap_vs_step_where_schedule.period=10.gp"), Catch::Contains("title \"sync\""));

  // Checks: one ratio per swept period against the single sync group; the slope only for tau.
  const Json checks = Json::parse(read_file(dir / "out/checks.json"));
  std::size_t ratios = 0, slopes = 0;
  for (const Json& c : checks) {
    const std::string what = c.at("check").get<std::string>();
    if (what.find("/ final gap of sync") != std::string::npos) ++ratios;
    if (what.find("log-log slope") != std::string::npos) {
      ++slopes;
      CHECK_THAT(what, Catch::Contains("(tau)"));
    }
    CHECK(c.at("passed").get<bool>());
  }
  CHECK(ratios == 3);
  CHECK(slopes == 1);
}
