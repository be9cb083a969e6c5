// experiments/spec/expectation_spec.hpp and experiments/report/expectations.hpp: claims as code,
// read once into typed checks and evaluated on finished runs.
#include "experiments/report/expectations.hpp"

#include <catch2/catch.hpp>
#include <cmath>

#include "experiments/spec/spec.hpp"
#include "experiments/language/spec_error.hpp"
#include "support/cli.hpp"

using namespace localsgd;

namespace {

// Sync-SGD against a fixed period of 20 on a small least-squares problem, two seeds; the test
// adds its `expect` block (and targets, clock).
Json sync_vs_tau20(const std::string& name) {
  Json spec = Json::parse(R"({
    "problem": {"type": "least_squares", "samples": 800, "dim": 5, "noise": 0.2},
    "workers": 4, "steps": 400, "batch": 4,
    "step_size": {"type": "inverse_time", "eta0": 0.05, "t0": 50},
    "variants": [{"label": "sync", "schedule": {"type": "sync"}},
                 {"label": "tau=20", "schedule": {"type": "fixed", "period": 20}}],
    "seeds": 2
  })");
  spec["name"] = name;
  return spec;
}

}  // namespace

TEST_CASE("log_log_slope recovers exact power laws and ignores non-positive points") {
  std::vector<double> x, y;
  for (double v : {1.0, 2.0, 4.0, 10.0, 100.0}) {
    x.push_back(v);
    y.push_back(3.0 / v);
  }
  CHECK(log_log_slope(x, y) == Approx(-1.0).epsilon(1e-12));
  x.push_back(0.0);
  y.push_back(5.0);
  CHECK(log_log_slope(x, y) == Approx(-1.0).epsilon(1e-12));
  CHECK(std::isnan(log_log_slope({1.0}, {1.0})));
  CHECK(log_log_slope({1, 8}, {2, 8}) == Approx(2.0 / 3.0));
}

TEST_CASE("expectations name variants and swept paths that exist") {
  Json s = Json::parse(R"({
    "problem": {"type": "least_squares", "samples": 100, "dim": 3}, "workers": 2, "steps": 50,
    "step_size": {"type": "constant", "value": 0.01},
    "variants": [{"label": "sync", "schedule": {"type": "sync"}}, {"label": "local", "schedule": {"type": "fixed", "period": 5}}],
    "sweep": {"workers": [1, 2]}
  })");
  s["expect"] = Json::parse(R"([{"type": "ratio", "variant": "locl", "baseline": "sync", "at_most": 2}])");
  try {
    parse_spec(s, "t");
    FAIL("expected an error");
  } catch (const SpecError& e) {
    CHECK(e.pointer() == "/expect/0/variant");
    CHECK_THAT(e.rule(), Catch::Contains("did you mean \"local\"?"));
  }
  s["expect"] = Json::parse(R"([{"type": "slope", "against": "batch", "max": 0}])");
  CHECK_THROWS_WITH(parse_spec(s, "t"), Catch::Contains("/expect/0/against: must be step, round, samples, time or a swept path (workers)"));
  s["expect"] = Json::parse(R"([{"type": "slope", "against": "workers"}])");
  CHECK_THROWS_WITH(parse_spec(s, "t"), Catch::Contains("/expect/0: give \"min\", \"max\" or both"));
  s["expect"] = Json::parse(R"([{"type": "slope", "against": "workers", "max": 0}, {"type": "rounds", "at_most": 50}])");
  CHECK(parse_spec(s, "t").expectations.size() == 2);
}

TEST_CASE("localsgd run checks the expect block, writes checks.json and exits 4 on a failure") {
  test::ScratchDir dir;
  Json spec = sync_vs_tau20("claims");
  spec["eval"] = {{"every", 10}};
  spec["expect"] = Json::parse(R"([
      {"type": "slope", "metric": "gap", "against": "step", "from": 50, "max": -0.5},
      {"type": "ratio", "variant": "tau=20", "baseline": "sync", "at_most": 1.5},
      {"type": "rounds", "variant": "tau=20", "at_most": 20},
      {"type": "reaches", "value": 1e-30, "before": 400}
    ])");
  test::write_file(dir / "claims.json", spec.dump());
  const auto result = test::run_cli(dir, "run claims.json --out results --quiet");
  INFO(result.out << result.err);
  CHECK(result.exit_code == 4);
  CHECK_THAT(result.out, Catch::Contains("expectations: 4 passed, 2 failed"));
  const Json checks = Json::parse(test::read_file(dir / "results/checks.json"));
  REQUIRE(checks.size() == 6);  // slope x2 variants, ratio, rounds, reaches x2 variants
  CHECK(checks[0].at("passed") == true);
  CHECK(checks[0].at("measured").get<double>() < -0.5);
  CHECK(checks[3].at("measured") == 20);
  CHECK(checks[5].at("passed") == false);
  CHECK(checks[5].at("note") == "never reached at an evaluation point");

  spec["expect"].erase(3);
  test::write_file(dir / "claims.json", spec.dump());
  const auto passing = test::run_cli(dir, "run claims.json --out passing --quiet");
  CHECK(passing.exit_code == 0);
  CHECK_THAT(passing.out, Catch::Contains("expectations: 4 passed, 0 failed"));
}

TEST_CASE("speedup: the baseline's mean time to the target over the variant's, from the runs' targets") {
  test::ScratchDir dir;
  Json spec = sync_vs_tau20("speedup");
  spec["clock"] = Json::parse(
      R"({"compute": {"type": "constant", "seconds": 0.01}, "network": {"type": "constant", "seconds": 0.01}})");
  spec["targets"] = Json::parse(R"([{"metric": "gap", "value": 0.01}])");
  spec["expect"] = Json::parse(
      R"([{"type": "speedup", "value": 0.01, "variant": "tau=20", "baseline": "sync", "at_least": 1.2}])");
  test::write_file(dir / "speedup.json", spec.dump());
  const auto result = test::run_cli(dir, "run speedup.json --out results --quiet");
  INFO(result.out << result.err);
  REQUIRE(result.exit_code == 0);
  const Json summary = Json::parse(test::read_file(dir / "results/summary.json"));
  double sync_time = 0, local_time = 0;
  for (const Json& run : summary.at("runs")) {
    const double t = run.at("targets").at(0).at("time").get<double>();
    (run.at("variant") == "sync" ? sync_time : local_time) += t / 2;
  }
  const Json checks = Json::parse(test::read_file(dir / "results/checks.json"));
  REQUIRE(checks.size() == 1);
  CHECK(checks[0].at("measured").get<double>() == Approx(sync_time / local_time).epsilon(1e-12));
  CHECK(checks[0].at("passed") == true);
}

TEST_CASE("each expect entry is read once into a typed check with the spec's values and defaults") {
  Json spec = sync_vs_tau20("typed");
  spec["sweep"] = {{"workers", {2, 4}}};
  spec["expect"] = Json::parse(R"([
      {"type": "slope", "metric": "rounds", "against": "workers", "min": -1, "from": 2, "confidence": 0.9},
      {"type": "slope", "against": "time", "max": 0},
      {"type": "ratio", "variant": "tau=20", "baseline": "sync", "at_least": 0.5, "at_most": 2},
      {"type": "reaches", "metric": "loss", "value": 0.1, "by": "round", "before": 7},
      {"type": "speedup", "metric": "grad_norm_sq", "value": 0.01, "variant": "tau=20", "baseline": "sync",
       "by": "samples", "at_least": 1.5},
      {"type": "rounds", "at_most": 30}
    ])");
  const ExperimentSpec parsed = parse_spec(spec, "t");
  REQUIRE(parsed.expectations.size() == 6);
  const auto& slope = std::get<SlopeExpectation>(parsed.expectations[0].check);
  CHECK(slope.metric == SlopeMetric::rounds);
  CHECK(slope.against == "workers");
  CHECK_FALSE(slope.axis.has_value());
  CHECK(slope.bounds.low == -1.0);
  CHECK_FALSE(slope.bounds.high.has_value());
  CHECK(slope.from == 2.0);
  CHECK(std::isinf(slope.to));
  CHECK(slope.confidence == 0.9);
  CHECK(slope.variant.empty());
  const auto& along = std::get<SlopeExpectation>(parsed.expectations[1].check);
  CHECK(along.metric == SlopeMetric::gap);  // the default
  CHECK(along.axis == Axis::time);
  const auto& ratio = std::get<RatioExpectation>(parsed.expectations[2].check);
  CHECK(ratio.bounds.text() == "in [0.5, 2]");
  CHECK(ratio.bounds.contains(2.0));
  CHECK_FALSE(ratio.bounds.contains(2.5));
  CHECK_FALSE(ratio.bounds.contains(std::nan("")));
  CHECK_FALSE(ratio.confidence.has_value());
  const auto& reaches = std::get<ReachesExpectation>(parsed.expectations[3].check);
  CHECK(reaches.metric == Metric::loss);
  CHECK(reaches.by == Axis::round);
  CHECK(reaches.before == 7.0);
  const auto& speedup = std::get<SpeedupExpectation>(parsed.expectations[4].check);
  CHECK(speedup.metric == Metric::grad_norm_sq);
  CHECK(speedup.by == Axis::samples);
  CHECK(speedup.bounds.text() == ">= 1.5");
  CHECK(std::get<RoundsExpectation>(parsed.expectations[5].check).at_most == 30);
  // The resolved spec gives back each entry as read, defaults filled in.
  CHECK(parsed.resolved.at("expect").at(3) ==
        Json::parse(R"({"type": "reaches", "metric": "loss", "value": 0.1, "by": "round", "before": 7,
                        "variant": ""})"));
}

TEST_CASE("slope against spectral_gap: each gossip run's gap, the swept topologies pooled into one fit") {
  Json s = Json::parse(R"({
    "problem": {"type": "quadratic", "dim": 4}, "workers": 16, "steps": 10,
    "step_size": {"type": "constant", "value": 0.01}, "schedule": {"type": "sync"},
    "gossip": {"type": "dsgd", "topology": "ring"},
    "variants": [{"label": "uniform", "gossip": {"type": "dsgd", "topology": "ring", "weights": "uniform"}},
                 {"label": "mh"}],
    "sweep": {"gossip.topology": ["ring", "torus", "exponential"]},
    "seeds": 3,
    "expect": [{"type": "slope", "metric": "consensus", "against": "spectral_gap", "min": -1.1, "max": -0.9},
               {"type": "slope", "metric": "consensus", "against": "spectral_gap", "variant": "mh",
                "min": -1.1, "max": -0.9, "confidence": 0.95}]
  })");
  const ExperimentSpec spec = parse_spec(s, "t");
  REQUIRE(spec.runs.size() == 18);
  // The gaps: ring of 16 with weights 1/3, 1 - (1 + 2 cos(2 pi/16))/3; the 4 x 4 torus with 1/5,
  // 1 - 3/5 (its eigenvalue -3/5 has the same modulus); the exponential graph (i ~ i ± 1, 2, 4, 8:
  // 7 neighbours, weights 1/8), 1/2.
  for (const RunSpec& run : spec.runs) {
    const std::string topology = run.swept.at("gossip.topology").get<std::string>();
    const double gap = *run.spectral_gap();
    if (topology == "ring") CHECK(gap == Approx(1 - (1 + 2 * std::cos(2 * M_PI / 16)) / 3).epsilon(1e-12));
    if (topology == "torus") CHECK(gap == Approx(0.4).epsilon(1e-12));
    if (topology == "exponential") CHECK(gap == Approx(0.5).epsilon(1e-12));
  }
  // Records whose final consensus is 3 gap^-1 (seed 0, 2) or 3 gap^-0.8 (seed 1): the plain form
  // fits the means over seeds, the statistical form one slope per seed.
  std::vector<RunRecord> records(spec.runs.size());
  for (std::size_t i = 0; i < spec.runs.size(); ++i) {
    const double power = spec.runs[i].seed == spec.seeds.at(1) ? -0.8 : -1.0;
    Evaluation e;
    e.step = 10;
    e.consensus = 3 * std::pow(*spec.runs[i].spectral_gap(), power);
    records[i].rows = {e};
  }
  const auto plain = evaluate(spec.expectations.at(0), spec, records);
  REQUIRE(plain.size() == 2);  // one fit per variant: the topologies are its points
  CHECK_THAT(plain[0].description, Catch::Contains("final consensus vs spectral_gap (uniform)"));
  std::vector<double> gaps, means;
  for (double gap : {1 - (1 + 2 * std::cos(2 * M_PI / 16)) / 3, 0.4, 0.5}) {
    gaps.push_back(gap);
    means.push_back((3 / gap + 3 * std::pow(gap, -0.8) + 3 / gap) / 3);
  }
  CHECK(plain[0].measured.get<double>() == Approx(log_log_slope(gaps, means)).epsilon(1e-9));
  const auto per_seed = evaluate(spec.expectations.at(1), spec, records);
  REQUIRE(per_seed.size() == 1);
  REQUIRE(per_seed[0].interval);
  CHECK(per_seed[0].measured.get<double>() == Approx((-1.0 - 0.8 - 1.0) / 3).epsilon(1e-9));
  CHECK(per_seed[0].interval->seeds == 3);
  CHECK_FALSE(per_seed[0].passed);  // seed 1's slope widens the interval past -0.9
}

TEST_CASE("slope against spectral_gap: every run it fits needs gossip on a fixed topology") {
  Json s = Json::parse(R"({
    "problem": {"type": "quadratic", "dim": 4}, "workers": 8, "steps": 10,
    "step_size": {"type": "constant", "value": 0.01}, "schedule": {"type": "sync"},
    "variants": [{"label": "server"}, {"label": "ring", "gossip": {"type": "dsgd", "topology": "ring"}},
                 {"label": "one-peer", "gossip": {"type": "dsgd", "topology": "one_peer_exponential"}}]
  })");
  const auto rule_of = [&](const std::string& expect) -> std::string {
    Json spec = s;
    spec["expect"] = Json::parse(expect);
    try {
      parse_spec(spec, "t");
    } catch (const SpecError& e) {
      return std::string(e.pointer()) + ": " + e.rule();
    }
    return "";
  };
  CHECK(rule_of(R"([{"type": "slope", "against": "spectral_gap", "variant": "ring", "max": 0}])").empty());
  CHECK_THAT(rule_of(R"([{"type": "slope", "against": "spectral_gap", "max": 0}])"),
             Catch::StartsWith("/expect/0/against: \"spectral_gap\" is each run's 1 - |lambda_2(W)|: every run the "
                               "slope fits needs gossip on a fixed topology, and run 0 (variant \"server\") has no "
                               "\"gossip\" key; name the gossip variant with \"variant\""));
  CHECK_THAT(rule_of(R"([{"type": "slope", "against": "spectral_gap", "variant": "one-peer", "max": 0}])"),
             Catch::Contains("run 2 (variant \"one-peer\") gossips on the time-varying one_peer_exponential graph"));
  CHECK_THAT(rule_of(R"([{"type": "slope", "against": "spectral_gap", "variant": "ring", "baseline": "server",
                         "max": 0}])"),
             Catch::Contains("run 0 (variant \"server\") has no \"gossip\" key"));
  // Offered among the choices only when some run gossips.
  CHECK_THAT(rule_of(R"([{"type": "slope", "against": "spectral", "max": 0}])"),
             Catch::Contains("must be step, round, samples, time, bytes, spectral_gap or a swept path"));
}
