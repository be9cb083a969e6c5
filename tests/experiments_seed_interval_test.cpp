// experiments/report/seed_interval.hpp and the statistical form (`confidence`) of `expect` checks.
#include "experiments/report/seed_interval.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <map>

#include "experiments/report/expectations.hpp"
#include "support/cli.hpp"

using namespace localsgd;

TEST_CASE("student_t_quantile matches the published table") {
  // Two-sided 95%, 99% and one-sided 95% critical values, as printed to 3 decimals in the usual
  // tables (e.g. NIST/SEMATECH e-Handbook of Statistical Methods, 1.3.6.7.2).
  CHECK(student_t_quantile(0.975, 1) == Approx(12.706).margin(5e-4));
  CHECK(student_t_quantile(0.975, 2) == Approx(4.303).margin(5e-4));
  CHECK(student_t_quantile(0.975, 3) == Approx(3.182).margin(5e-4));
  CHECK(student_t_quantile(0.975, 9) == Approx(2.262).margin(5e-4));
  CHECK(student_t_quantile(0.975, 15) == Approx(2.131).margin(5e-4));
  CHECK(student_t_quantile(0.995, 9) == Approx(3.250).margin(5e-4));
  CHECK(student_t_quantile(0.95, 4) == Approx(2.132).margin(5e-4));
  CHECK(student_t_quantile(0.975, 1e7) == Approx(1.95996).epsilon(1e-5));  // the normal quantile
  CHECK(student_t_quantile(0.025, 9) == Approx(-2.262).margin(5e-4));
  CHECK(student_t_quantile(0.5, 5) == Approx(0.0).margin(1e-12));
  CHECK(std::isnan(student_t_quantile(1.0, 5)));
  CHECK(std::isnan(student_t_quantile(0.9, 0.5)));
}

TEST_CASE("t_interval: mean plus and minus t times the standard error") {
  const SeedInterval ci = t_interval({1, 2, 3, 4}, 0.95);
  const double half = 3.182446305 * std::sqrt(5.0 / 3.0 / 4.0);  // s^2 = 5/3, n = 4, t_{0.975, 3}
  CHECK(ci.estimate == Approx(2.5));
  CHECK(ci.low == Approx(2.5 - half).epsilon(1e-9));
  CHECK(ci.high == Approx(2.5 + half).epsilon(1e-9));
  CHECK(ci.seeds == 4);
  const SeedInterval one = t_interval({1.5}, 0.95);  // no spread to estimate
  CHECK(one.estimate == 1.5);
  CHECK(std::isnan(one.low));
  CHECK(std::isnan(t_interval({1, NAN, 3}, 0.95).estimate));
  const SeedInterval same = t_interval({2, 2, 2}, 0.95);
  CHECK(same.low == 2);
  CHECK(same.high == 2);
}

namespace {

Json claim_spec() {
  return Json::parse(R"({
    "name": "ci",
    "problem": {"type": "least_squares", "samples": 800, "dim": 5, "noise": 0.5},
    "workers": 2, "steps": 300, "batch": 2,
    "step_size": {"type": "inverse_time", "eta0": 0.05, "t0": 50},
    "variants": [{"label": "sync", "schedule": {"type": "sync"}},
                 {"label": "tau=20", "schedule": {"type": "fixed", "period": 20}}],
    "sweep": {"workers": [1, 2, 4]},
    "seeds": 5,
    "eval": {"points": 10}
  })");
}

// Final gap of every run in summary.json, by (variant, workers, seed).
std::map<std::tuple<std::string, int, std::uint64_t>, double> final_gaps(const Json& summary) {
  std::map<std::tuple<std::string, int, std::uint64_t>, double> out;
  for (const Json& run : summary.at("runs")) {
    out[{run.at("variant").get<std::string>(), run.at("config").at("workers").get<int>(), run.at("seed").get<std::uint64_t>()}] =
        run.at("final").at("gap").get<double>();
  }
  return out;
}

}  // namespace

TEST_CASE("the statistical form fits one slope and one ratio per seed and checks their whole t-interval") {
  test::ScratchDir dir;
  Json spec = claim_spec();
  spec["expect"] = Json::parse(R"([
    {"type": "slope", "against": "workers", "variant": "tau=20", "max": 10, "confidence": 0.95},
    {"type": "slope", "against": "workers", "variant": "tau=20", "baseline": "sync", "max": 10, "confidence": 0.9},
    {"type": "ratio", "variant": "tau=20", "baseline": "sync", "at_most": 1e9, "confidence": 0.95}
  ])");
  test::write_file(dir / "ci.json", spec.dump());
  const auto result = test::run_cli(dir, "run ci.json --out results --quiet");
  INFO(result.out << result.err);
  REQUIRE(result.exit_code == 0);
  const auto gaps = final_gaps(Json::parse(test::read_file(dir / "results/summary.json")));
  const Json checks = Json::parse(test::read_file(dir / "results/checks.json"));
  REQUIRE(checks.size() == 5);  // two slopes across the sweep, the ratio at each of its 3 points

  // Each seed's statistic recomputed from summary.json, then its interval.
  const std::vector<int> workers = {1, 2, 4};
  std::vector<double> slopes, differences;
  std::map<int, std::vector<double>> log_ratios;
  for (std::uint64_t seed = 0; seed < 5; ++seed) {
    std::vector<double> p, local, sync;
    for (int w : workers) {
      p.push_back(w);
      local.push_back(gaps.at({"tau=20", w, seed}));
      sync.push_back(gaps.at({"sync", w, seed}));
      log_ratios[w].push_back(std::log(local.back() / sync.back()));
    }
    slopes.push_back(log_log_slope(p, local));
    differences.push_back(log_log_slope(p, local) - log_log_slope(p, sync));
  }
  const SeedInterval slope_ci = t_interval(slopes, 0.95);
  CHECK(checks[0].at("measured").get<double>() == Approx(slope_ci.estimate).epsilon(1e-12));
  CHECK(checks[0].at("interval")[0].get<double>() == Approx(slope_ci.low).epsilon(1e-12));
  CHECK(checks[0].at("interval")[1].get<double>() == Approx(slope_ci.high).epsilon(1e-12));
  CHECK(checks[0].at("seeds") == 5);
  CHECK(checks[0].at("confidence") == 0.95);
  CHECK(checks[0].at("statistic") == "per-seed log-log slope");
  const SeedInterval difference_ci = t_interval(differences, 0.9);
  CHECK(checks[1].at("measured").get<double>() == Approx(difference_ci.estimate).epsilon(1e-12));
  CHECK(checks[1].at("interval")[1].get<double>() == Approx(difference_ci.high).epsilon(1e-12));
  CHECK_THAT(checks[1].at("check").get<std::string>(), Catch::Contains("minus that of sync"));
  for (std::size_t k = 0; k < workers.size(); ++k) {
    const SeedInterval ratio_ci = t_interval(log_ratios[workers[k]], 0.95);
    const Json& check = checks[2 + k];
    CHECK(check.at("measured").get<double>() == Approx(std::exp(ratio_ci.estimate)).epsilon(1e-12));
    CHECK(check.at("interval")[0].get<double>() == Approx(std::exp(ratio_ci.low)).epsilon(1e-12));
    CHECK(check.at("interval")[1].get<double>() == Approx(std::exp(ratio_ci.high)).epsilon(1e-12));
  }
  CHECK_THAT(result.out, Catch::Contains("95% interval ["));
  CHECK_THAT(result.out, Catch::Contains("90% interval ["));
  CHECK_THAT(result.out, Catch::Contains("over 5 seeds"));

  // A bound between the estimate and the interval's end: the mean satisfies it, the claim with
  // confidence does not.
  const double estimate = checks[0].at("measured").get<double>();
  const double high = checks[0].at("interval")[1].get<double>();
  REQUIRE(high > estimate);
  spec["expect"] = Json::array({{{"type", "slope"}, {"against", "workers"}, {"variant", "tau=20"},
                                 {"max", (estimate + high) / 2}, {"confidence", 0.95}}});
  test::write_file(dir / "ci.json", spec.dump());
  const auto failing = test::run_cli(dir, "run ci.json --out failing --quiet");
  CHECK(failing.exit_code == 4);
  CHECK_THAT(failing.out, Catch::Contains("FAIL log-log slope of final gap vs workers (tau=20)"));
  const Json failed = Json::parse(test::read_file(dir / "failing/checks.json"));
  CHECK(failed[0].at("passed") == false);
  CHECK(failed[0].at("measured").get<double>() == Approx(estimate).epsilon(1e-12));
  spec["expect"][0]["max"] = high + 1e-9;
  test::write_file(dir / "ci.json", spec.dump());
  CHECK(test::run_cli(dir, "run ci.json --out passing --quiet").exit_code == 0);
}

TEST_CASE("confidence needs at least two seeds") {
  test::ScratchDir dir;
  Json spec = claim_spec();
  spec["seeds"] = 1;
  spec["expect"] = Json::parse(R"([{"type": "ratio", "variant": "tau=20", "baseline": "sync", "at_most": 2, "confidence": 0.95}])");
  test::write_file(dir / "ci.json", spec.dump());
  const auto result = test::run_cli(dir, "run ci.json --out results --quiet");
  CHECK(result.exit_code == 2);
  CHECK_THAT(result.err, Catch::StartsWith("error: ci.json: /expect/0/confidence: an interval over seeds needs at least 2 seeds"));
  CHECK_FALSE(std::filesystem::exists(dir / "results"));
  spec["seeds"] = 2;
  spec["expect"][0]["confidence"] = 1.0;
  test::write_file(dir / "ci.json", spec.dump());
  const auto too_sure = test::run_cli(dir, "run ci.json --out results --quiet");
  CHECK(too_sure.exit_code == 2);
  CHECK_THAT(too_sure.err, Catch::Contains("/expect/0/confidence"));
}
