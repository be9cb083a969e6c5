// A claim whose bounds come from an exact computation must still match it: the partial
// participation claim (experiments/federated/partial_participation/) checks the ratios of final
// gaps, K of 8 against everyone, within bounds set around the exact noise floors of
// tests/support/expected_gap_rounds.hpp. This test rebuilds the spec's problem from the spec's
// own parameters and requires each exact ratio to lie inside its bounds, at least 15% from
// either end (the measured per-seed ratios scatter around it; the mean of per-seed ratios is
// also a few percent above the ratio of means).
#include <catch2/catch.hpp>
#include <filesystem>

#include "experiments/language/params.hpp"
#include "problems/quadratic.hpp"
#include "support/cli.hpp"
#include "support/expected_gap_rounds.hpp"

using namespace localsgd;

TEST_CASE("claim partial_participation: the expected ratios of noise floors lie well inside the spec's bounds") {
  const auto file = std::filesystem::path(LOCALSGD_SOURCE_DIR) / "experiments/federated/partial_participation/partial_participation.json";
  const Json spec = Json::parse(test::read_file(file));
  const Json& problem = spec.at("problem");
  REQUIRE(problem.at("type") == "quadratic");
  REQUIRE(problem.at("spectrum") == "linear");
  REQUIRE(spec.at("step_size").at("type") == "constant");
  REQUIRE(spec.at("schedule").at("type") == "fixed");
  REQUIRE_FALSE(problem.contains("c1"));
  REQUIRE_FALSE(problem.contains("data_seed"));  // 0
  QuadraticOptions o;
  o.eigenvalues = linear_spectrum(problem.at("dim").get<Index>(), problem.at("mu"), problem.at("L"), 0);
  o.noise = {.sigma2 = problem.at("sigma2"), .c1 = 0};
  o.heterogeneity = problem.at("heterogeneity");
  o.hessian_heterogeneity = problem.at("hessian_heterogeneity");
  const int p = spec.at("workers");
  const Quadratic q(o, p, 0);
  const double eta = spec.at("step_size").at("value");
  const long tau = spec.at("schedule").at("period");
  const long rounds = spec.at("steps").get<long>() / tau;
  REQUIRE(rounds >= 200);

  auto floor = [&](int clients) {
    test::ExpectedGapRounds exact(q, spec.at("batch"), Vector::Zero(q.dim()), clients);
    for (long r = 0; r < 200; ++r) exact.round(eta, tau);  // converged to 1e-9 (contraction 0.9 per round)
    return exact.gap();
  };
  const double everyone = floor(p);
  for (const Json& check : spec.at("expect")) {
    const Json& variant = *std::find_if(spec.at("variants").begin(), spec.at("variants").end(),
                                        [&](const Json& v) { return v.at("label") == check.at("variant"); });
    const int clients = variant.at("participation").at("clients");
    const double ratio = floor(clients) / everyone;
    INFO(check.dump() << ": exact ratio " << ratio);
    CHECK(ratio >= 1.15 * check.at("at_least").get<double>());
    CHECK(ratio <= check.at("at_most").get<double>() / 1.15);
  }
}
