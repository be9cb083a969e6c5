// The engine's rounds against their exact expectation (tests/support/expected_gap_rounds.hpp):
// partial participation (K of p uniformly) and linear server steps (server SGD, SlowMo, DiLoCo's
// Nesterov) on the quadratic with per-worker Hessians and optima and Gaussian oracle noise. The
// mean gap over 400 seeds must lie within 4 standard errors of the exact value at every checkpoint.
#include <catch2/catch.hpp>
#include <cmath>

#include "problems/quadratic.hpp"
#include "support/expected_gap_rounds.hpp"
#include "support/fixtures.hpp"

using namespace localsgd;

namespace {

struct RoundsCase {
  const char* name;
  int clients;
  round::ServerOptions server;
};

}  // namespace

TEST_CASE("mean gap over seeds equals the exact expectation with partial participation and server momentum") {
  const RoundsCase c = GENERATE(
      RoundsCase{"K=2 of 6, plain average", 2, {}},
      RoundsCase{"K=4 of 6, server SGD 0.7", 4, {.kind = round::ServerKind::sgd, .learning_rate = 0.7}},
      RoundsCase{"K=6 of 6, SlowMo alpha=0.8 beta=0.6", 6,
                 {.kind = round::ServerKind::momentum, .learning_rate = 0.8, .momentum = 0.6}},
      RoundsCase{"K=3 of 6, Nesterov lr=0.7 mu=0.5", 3,
                 {.kind = round::ServerKind::nesterov, .learning_rate = 0.7, .momentum = 0.5}});
  INFO(c.name);
  const int p = 6, batch = 2;
  const long tau = 5, rounds = 40;
  const double eta = 0.08;
  QuadraticOptions o;
  o.eigenvalues = linear_spectrum(5, 0.5, 2.0, 0);
  o.noise = {.sigma2 = 1.0, .c1 = 0.5};
  o.heterogeneity = 1.0;
  o.hessian_heterogeneity = 0.5;
  const Quadratic problem(o, p, 17);
  const Vector x0 = Vector::Constant(5, 1.0);

  const std::vector<long> checkpoint_rounds{1, 3, 10, 40};
  test::ExpectedGapRounds exact(problem, batch, x0, c.clients, c.server);
  std::vector<double> expected;
  std::vector<long> eval_steps;
  for (long r = 1; r <= rounds; ++r) {
    exact.round(eta, tau);
    if (std::find(checkpoint_rounds.begin(), checkpoint_rounds.end(), r) != checkpoint_rounds.end()) {
      expected.push_back(exact.gap());
      eval_steps.push_back(r * tau);
    }
  }

  round::Pipeline pipeline;
  if (c.clients < p) {
    pipeline.participation.kind = round::ParticipationKind::uniform;
    pipeline.participation.clients = c.clients;
  }
  pipeline.server = c.server;
  const int seeds = 400;
  std::vector<double> sum(eval_steps.size(), 0.0), sum_sq(eval_steps.size(), 0.0);
  for (int s = 0; s < seeds; ++s) {
    FixedPeriod schedule(tau);
    const ConstantStepSize step_size(eta);
    const Sgd sgd;
    const ConstantCompute compute(1);
    const ConstantNetwork network(0);
    Engine engine(problem, EngineConfig{p, rounds * tau, batch, static_cast<std::uint64_t>(s)},
                  Algorithm{schedule, step_size, sgd, pipeline}, ClockModels{compute, network});
    test::Recorder recorder;
    std::vector<Observer*> observers{&recorder};
    engine.run(x0, eval_steps, observers);
    REQUIRE(recorder.rows.size() == eval_steps.size());
    for (std::size_t k = 0; k < eval_steps.size(); ++k) {
      sum[k] += recorder.rows[k].gap;
      sum_sq[k] += recorder.rows[k].gap * recorder.rows[k].gap;
    }
  }
  for (std::size_t k = 0; k < eval_steps.size(); ++k) {
    const double mean = sum[k] / seeds;
    const double sd = std::sqrt(std::max(0.0, (sum_sq[k] - seeds * mean * mean) / (seeds - 1)));
    const double standard_error = sd / std::sqrt(seeds);
    INFO("round " << checkpoint_rounds[k] << ": simulated " << mean << " +- " << standard_error << ", exact "
                  << expected[k]);
    CHECK(std::abs(mean - expected[k]) <= 4 * standard_error + 1e-12 * expected[k]);
  }
  CHECK(expected.back() < 0.2 * expected.front());
}

TEST_CASE("exact expectation: fewer participants raise the noise floor, as measured") {
  // The floor of the plain average after many rounds, exact, for K = 1, 2, 3, 6 of 6: strictly
  // decreasing in K (the variance of the subset mean falls as (p − K)/(K (p − 1))).
  QuadraticOptions o;
  o.eigenvalues = linear_spectrum(5, 0.5, 2.0, 0);
  o.noise = {.sigma2 = 1.0, .c1 = 0.0};
  o.heterogeneity = 1.0;
  o.hessian_heterogeneity = 0.5;
  const Quadratic problem(o, 6, 17);
  double previous = HUGE_VAL;
  for (int k : {1, 2, 3, 6}) {
    test::ExpectedGapRounds exact(problem, 2, Vector::Zero(5), k);
    for (int r = 0; r < 400; ++r) exact.round(0.08, 5);
    INFO("K = " << k << ": floor " << exact.gap());
    CHECK(exact.gap() < previous);
    previous = exact.gap();
  }
}
