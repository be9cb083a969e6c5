// `localsgd compare DIR_A DIR_B` (experiments/report/compare.hpp): means, intervals and Welch's z
// recomputed here from the folders' summary.json; groups in only one folder; bad input.
#include <catch2/catch.hpp>

#include <cmath>
#include <nlohmann/json.hpp>

#include "experiments/store/record_number.hpp"
#include "support/cli.hpp"

using namespace localsgd;
using namespace localsgd::test;

namespace {

Json spec_with(double eta) {
  return tiny_spec("cmp", {{"step_size", {{"type", "constant"}, {"value", eta}}},
                           {"schedule", {{"type", "fixed"}, {"period", 5}}},
                           {"sweep", {{"schedule.period", {2, 10}}}},
                           {"seeds", 4}});
}

// The final gaps of the runs of one sweep point in a folder's summary.json.
std::vector<double> gaps_at(const Json& summary, int period) {
  std::vector<double> out;
  for (const Json& run : summary.at("runs")) {
    if (run.at("swept").at("schedule.period") == period) out.push_back(record_number_from(run.at("final").at("gap")));
  }
  return out;
}

double mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return s / static_cast<double>(v.size());
}

double variance_of_mean(const std::vector<double>& v) {
  const double m = mean(v);
  double s = 0;
  for (double x : v) s += (x - m) * (x - m);
  return s / static_cast<double>(v.size() - 1) / static_cast<double>(v.size());
}

}  // namespace

TEST_CASE("compare: a folder against itself has z = 0, against another the z Welch's formula gives") {
  ScratchDir dir;
  REQUIRE(run_spec(dir, "a.json", spec_with(0.05).dump(), "a").exit_code == 0);
  REQUIRE(run_spec(dir, "b.json", spec_with(0.02).dump(), "b").exit_code == 0);

  const auto same = run_cli(dir, "compare a a --json");
  REQUIRE(same.exit_code == 0);
  const Json self = Json::parse(same.out);
  REQUIRE(self.at("groups").size() == 2);
  for (const Json& group : self.at("groups")) {
    CHECK(record_number_from(group.at("metrics").at("gap").at("z")) == 0.0);
    CHECK(record_number_from(group.at("metrics").at("gap").at("ratio")) == 1.0);
  }

  const auto result = run_cli(dir, "compare a b --json --metric gap --metric rounds");
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  const Json comparison = Json::parse(result.out);
  const Json summary_a = Json::parse(read_file(dir / "a/summary.json"));
  const Json summary_b = Json::parse(read_file(dir / "b/summary.json"));
  for (const Json& group : comparison.at("groups")) {
    const int period = group.at("point").at("schedule.period").get<int>();
    const auto ga = gaps_at(summary_a, period), gb = gaps_at(summary_b, period);
    REQUIRE(ga.size() == 4);
    const Json& gap = group.at("metrics").at("gap");
    CHECK(gap.at("a").at("n") == 4);
    CHECK(record_number_from(gap.at("a").at("mean")) == Approx(mean(ga)).epsilon(1e-14));
    CHECK(record_number_from(gap.at("b").at("mean")) == Approx(mean(gb)).epsilon(1e-14));
    const double z = (mean(gb) - mean(ga)) / std::sqrt(variance_of_mean(ga) + variance_of_mean(gb));
    CHECK(record_number_from(gap.at("z")) == Approx(z).epsilon(1e-12));
    // Welch-Satterthwaite degrees of freedom, 4 seeds a side; the verdict uses the t quantile.
    const double va = variance_of_mean(ga), vb = variance_of_mean(gb);
    const double dof = (va + vb) * (va + vb) / (va * va / 3 + vb * vb / 3);
    CHECK(record_number_from(gap.at("dof")) == Approx(dof).epsilon(1e-12));
    const double critical = record_number_from(gap.at("critical"));
    CHECK(critical > 2.0);  // t quantiles at dof <= 6 exceed the normal's 1.96 by far
    CHECK(critical < 12.71);  // the dof = 1 quantile bounds them all
    CHECK(gap.at("differs").get<bool>() == (std::abs(z) > critical));
    CHECK(record_number_from(gap.at("a").at("low")) < mean(ga));
    CHECK(record_number_from(gap.at("a").at("high")) > mean(ga));
    // Rounds do not depend on the step size: equal on every seed, so z = 0.
    CHECK(record_number_from(group.at("metrics").at("rounds").at("z")) == 0.0);
  }

  const auto text = run_cli(dir, "compare a b");
  REQUIRE(text.exit_code == 0);
  CHECK_THAT(text.out, Catch::Contains("fixed schedule.period=2"));
  CHECK_THAT(text.out, Catch::Contains("B/A = "));
}

TEST_CASE("compare: a group in one folder only is shown as such; bad input exits 2 naming the problem") {
  ScratchDir dir;
  REQUIRE(run_spec(dir, "a.json", spec_with(0.05).dump(), "a").exit_code == 0);
  Json more = spec_with(0.05);
  more["sweep"]["schedule.period"] = {2, 10, 20};
  REQUIRE(run_spec(dir, "b.json", more.dump(), "b").exit_code == 0);
  const auto result = run_cli(dir, "compare a b --json");
  REQUIRE(result.exit_code == 0);
  const Json groups = Json::parse(result.out).at("groups");
  REQUIRE(groups.size() == 3);
  CHECK(groups[2].at("point").at("schedule.period") == 20);
  CHECK(groups[2].at("metrics").at("gap").at("a").is_null());
  CHECK(groups[2].at("metrics").at("gap").at("z").is_null());
  // The same spec and seeds: identical results, z = 0 at the shared points.
  CHECK(record_number_from(groups[0].at("metrics").at("gap").at("z")) == 0.0);
  CHECK_THAT(run_cli(dir, "compare a b").out, Catch::Contains("(not in this folder)"));

  // A side with a diverged run: its finite seeds are shown, but no ratio or z.
  REQUIRE(run_spec(dir, "c.json", spec_with(0.05).dump(), "c").exit_code == 0);
  const auto diverged = run_spec(dir, "d.json", spec_with(50.0).dump(), "d");  // every run diverges
  REQUIRE(diverged.exit_code == 3);
  const Json entry = Json::parse(run_cli(dir, "compare c d --json").out).at("groups").at(0).at("metrics").at("gap");
  CHECK(entry.at("z").is_null());
  CHECK(entry.at("ratio").is_null());
  CHECK_THAT(entry.at("note").get<std::string>(), Catch::Contains("did not complete"));

  const auto missing = run_cli(dir, "compare a nowhere");
  CHECK(missing.exit_code == 2);
  CHECK_THAT(missing.err, Catch::Contains("nowhere/summary.json: cannot read"));
  const auto metric = run_cli(dir, "compare a b --metric gapp");
  CHECK(metric.exit_code == 2);
  CHECK_THAT(metric.err, Catch::Contains("unknown metric \"gapp\" (valid: gap, loss"));
}
