// algorithms/round/server_step.hpp and aggregation.hpp: each rule against its paper's box,
// written out here coefficient by coefficient for a few rounds.
#include "algorithms/round/server_step.hpp"

#include <catch2/catch.hpp>
#include <cmath>

#include "algorithms/round/aggregation.hpp"

using namespace localsgd;
using namespace localsgd::round;

namespace {

Vector vec(std::initializer_list<double> v) {
  Vector out(static_cast<Index>(v.size()));
  Index k = 0;
  for (double x : v) out[k++] = x;
  return out;
}

// Three rounds of aggregates from x_0 = (1, −2, 0.5): a_r = x_r − Δ_r with these Δ_r.
const std::vector<Vector>& deltas() {
  static const std::vector<Vector> d{vec({0.3, -0.1, 0.0}), vec({0.2, 0.05, -0.4}), vec({-0.1, 0.2, 0.1})};
  return d;
}

// Runs the rule for the three rounds (preview first, which must equal the commit), returns x_3.
Vector run_rule(const ServerOptions& o, const std::vector<double>& ratios = {1, 1, 1}) {
  ServerStep step(o, 3);
  Vector x = vec({1, -2, 0.5}), preview(3), next(3);
  for (std::size_t r = 0; r < 3; ++r) {
    const Vector a = x - deltas()[r];
    step.apply(x, a, ratios[r], preview, false);
    step.apply(x, a, ratios[r], preview, false);  // a preview changes nothing
    step.apply(x, a, ratios[r], next, true);
    REQUIRE((preview.array() == next.array()).all());
    x = next;
  }
  return x;
}

}  // namespace

TEST_CASE("server step: plain installs the aggregate; SGD moves eta_g of the way") {
  ServerOptions plain;
  CHECK(ServerStep(plain, 3).installs_aggregate());
  ServerOptions sgd{.kind = ServerKind::sgd, .learning_rate = 1};
  CHECK(ServerStep(sgd, 3).installs_aggregate());  // η_g = 1 is the plain average
  sgd.learning_rate = 0.7;
  CHECK_FALSE(ServerStep(sgd, 3).installs_aggregate());
  Vector x = vec({1, -2, 0.5});
  for (const auto& d : deltas()) x -= 0.7 * d;
  CHECK((run_rule(sgd) - x).norm() < 1e-15);
}

TEST_CASE("server step: SlowMo's heavy ball in units of Delta, with the step-size ratio (Wang et al. 2020, Alg. 1)") {
  const double alpha = 0.8, beta = 0.6;
  const std::vector<double> gamma{0.1, 0.05, 0.05};  // the base step size of each round
  // The paper's form: u_{r+1} = β u_r + Δ_r/γ_r, x_{r+1} = x_r − α γ_r u_{r+1}.
  Vector x = vec({1, -2, 0.5}), u = Vector::Zero(3);
  for (std::size_t r = 0; r < 3; ++r) {
    u = beta * u + deltas()[r] / gamma[r];
    x -= alpha * gamma[r] * u;
  }
  ServerOptions o{.kind = ServerKind::momentum, .learning_rate = alpha, .momentum = beta};
  CHECK((run_rule(o, {1, 0.5, 1}) - x).norm() < 1e-14);
  // Without the ratio the decayed step is not SlowMo's (the test can fail):
  CHECK((run_rule(o, {1, 1, 1}) - x).norm() > 1e-3);
}

TEST_CASE("server step: DiLoCo's Nesterov outer step is PyTorch's SGD(nesterov=True) on Delta") {
  const double lr = 0.7, mu = 0.9;
  Vector x = vec({1, -2, 0.5}), v = Vector::Zero(3);
  for (const auto& d : deltas()) {
    v = mu * v + d;          // buf = μ buf + g
    x -= lr * (d + mu * v);  // p -= lr (g + μ buf)
  }
  ServerOptions o{.kind = ServerKind::nesterov, .learning_rate = lr, .momentum = mu};
  CHECK((run_rule(o) - x).norm() < 1e-14);
}

TEST_CASE("server step: FedAdam, FedYogi, FedAdagrad as in Reddi et al. 2021, Alg. 2") {
  const double eta = 0.1, b1 = 0.9, b2 = 0.99, tau = 1e-3;
  for (const auto kind : {ServerKind::adam, ServerKind::yogi, ServerKind::adagrad}) {
    Vector x = vec({1, -2, 0.5}), m = Vector::Zero(3), v = Vector::Constant(3, tau * tau);
    for (const auto& d : deltas()) {
      const Vector g = -d;  // their Δ_t = x_t^i − x_t averaged: the negative of ours
      m = b1 * m + (1 - b1) * g;
      for (Index j = 0; j < 3; ++j) {
        const double g2 = g[j] * g[j];
        if (kind == ServerKind::adam) v[j] = b2 * v[j] + (1 - b2) * g2;
        if (kind == ServerKind::yogi) v[j] = v[j] - (1 - b2) * g2 * ((v[j] - g2) > 0 ? 1 : ((v[j] - g2) < 0 ? -1 : 0));
        if (kind == ServerKind::adagrad) v[j] = v[j] + g2;
      }
      x = x.array() + eta * m.array() / (v.array().sqrt() + tau);
    }
    ServerOptions o{.kind = kind, .learning_rate = eta, .beta1 = b1, .beta2 = b2, .epsilon = tau};
    INFO(static_cast<int>(kind));
    CHECK((run_rule(o) - x).norm() < 1e-14);
  }
}

TEST_CASE("server step: bad options are refused") {
  CHECK_THROWS(ServerStep(ServerOptions{.kind = ServerKind::sgd, .learning_rate = 0}, 3));
  CHECK_THROWS(ServerStep(ServerOptions{.kind = ServerKind::momentum, .momentum = 1}, 3));
  CHECK_THROWS(ServerStep(ServerOptions{.kind = ServerKind::adam, .epsilon = 0}, 3));
}

TEST_CASE("aggregation weights: shard sizes, FedNova's normalisation, and when the plain mean is used") {
  std::vector<double> w;
  const std::vector<int> ids{0, 2, 3}, ones{1, 1, 1};
  const std::vector<double> shards{10, 99, 30, 60};
  const std::vector<long> equal{5, 5, 5}, unequal{2, 5, 10};
  CHECK(aggregation_weights(AggregationKind::uniform, ids, ones, shards, unequal, w));
  CHECK(w.empty());
  CHECK_FALSE(aggregation_weights(AggregationKind::shard_size, ids, ones, shards, unequal, w));
  CHECK(w == std::vector<double>{0.1, 0.3, 0.6});
  // FedNova with equal counts: exactly the shard weights (τ_eff/τ_i = 1 is not computed).
  CHECK_FALSE(aggregation_weights(AggregationKind::fednova, ids, ones, shards, equal, w));
  CHECK(w == std::vector<double>{0.1, 0.3, 0.6});
  // Unequal counts: w_i = τ_eff p_i / τ_i, τ_eff = 0.1·2 + 0.3·5 + 0.6·10 = 7.7.
  CHECK_FALSE(aggregation_weights(AggregationKind::fednova, ids, ones, shards, unequal, w));
  REQUIRE(w.size() == 3);
  CHECK(w[0] == Approx(7.7 * 0.1 / 2));
  CHECK(w[1] == Approx(7.7 * 0.3 / 5));
  CHECK(w[2] == Approx(7.7 * 0.6 / 10));
  // Weighted participation: multiplicities are the weights.
  const std::vector<int> drawn{2, 1, 1};
  CHECK_FALSE(aggregation_weights(AggregationKind::uniform, ids, drawn, shards, equal, w));
  CHECK(w == std::vector<double>{0.5, 0.25, 0.25});
  CHECK_THROWS(aggregation_weights(AggregationKind::shard_size, ids, drawn, shards, equal, w));
  // Equal shards among the participants: the plain mean for shard_size and for FedNova at equal τ.
  const std::vector<double> same{5, 7, 5, 5};
  CHECK(aggregation_weights(AggregationKind::shard_size, ids, ones, same, unequal, w));
  CHECK(aggregation_weights(AggregationKind::fednova, ids, ones, same, equal, w));
}
