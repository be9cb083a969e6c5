// The stationary consensus distance of D-SGD on a noisy quadratic against its exact value from the
// spectrum of W (sim/gossip.hpp; the claim experiments/gossip/consensus_vs_gap builds on it).
//
// Gossip every τ steps, one shared Hessian H, additive oracle noise ξ ~ N(0, σ²/(dB) I): the nodes'
// disagreement e_i = x_i − x̄ evolves independently of x̄. In the eigenbases of W (λ_k) and H (h)
// every mode with k >= 2 is multiplied by q = 1 − ηh at a local step and gets fresh noise −ηξ of
// variance s² = σ²/(dB), and is multiplied by λ_k at a gossip step. At stationarity its variance
// just after a gossip step is
//     V = λ_k² η² s² Σ_{j<τ} q^{2j} / (1 − λ_k² q^{2τ}),
// and m < τ local steps later q^{2m} V + η² s² Σ_{j<m} q^{2j}; the consensus distance is
// (1/n) Σ_{k>=2} Σ_h of these. The engine's consensus at a sync is taken after the gossip step
// (sim/engine.cpp says why), between syncs on the models as they are.
#include <cmath>
#include <vector>

#include <Eigen/Eigenvalues>
#include <catch2/catch.hpp>

#include "algorithms/topology/topology.hpp"
#include "problems/quadratic.hpp"
#include "support/fixtures.hpp"

using namespace localsgd;
using topology::TopologyKind;

namespace {

// The stationary consensus m local steps after a gossip step (m = 0: just after it), gossip every
// τ steps.
double predicted_consensus(const Eigen::MatrixXd& w, const std::vector<double>& hessian, double eta, double s2,
                           int tau, int m) {
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(w);
  const Eigen::VectorXd lambda = solver.eigenvalues();  // ascending: the last is 1 (the consensus mode)
  const Eigen::Index n = lambda.size();
  const double fresh = eta * eta * s2;
  double sum = 0;
  for (Eigen::Index k = 0; k + 1 < n; ++k) {
    const double l2 = lambda[k] * lambda[k];
    for (double h : hessian) {
      const double q2 = (1 - eta * h) * (1 - eta * h);
      double noise_in_round = 0;  // Σ_{j<τ} q^{2j}
      for (int j = 0; j < tau; ++j) noise_in_round += std::pow(q2, j);
      const double after_gossip = l2 * fresh * noise_in_round / (1 - l2 * std::pow(q2, tau));
      double later = after_gossip;
      for (int j = 0; j < m; ++j) later = q2 * later + fresh;
      sum += later;
    }
  }
  return sum / static_cast<double>(n);
}

}  // namespace

TEST_CASE("gossip: D-SGD's stationary consensus distance on a noisy quadratic is the spectral sum of W") {
  constexpr Index kDim = 4;
  const std::vector<double> hessian{0.5, 1.0, 1.5, 2.0};
  constexpr double kSigma2 = 4.0;
  constexpr int kBatch = 2;
  constexpr double kEta = 0.05;
  constexpr long kSteps = 3000;
  constexpr long kBurnIn = 1000;  // the slowest mode (ring of 16: λ = 0.95) forgets its start in ~20 steps
  constexpr int kSeeds = 12;
  struct Case {
    TopologyKind kind;
    int nodes;
    int tau;
  };
  for (const Case c : {Case{TopologyKind::ring, 16, 1}, Case{TopologyKind::torus, 16, 1},
                       Case{TopologyKind::exponential, 16, 1}, Case{TopologyKind::ring, 6, 1},
                       Case{TopologyKind::ring, 16, 2}}) {
    CAPTURE(topology::topology_name(c.kind), c.nodes, c.tau);
    QuadraticOptions options;
    options.eigenvalues = hessian;
    options.noise.sigma2 = kSigma2;
    const Quadratic problem(options, c.nodes, 3);
    round::Pipeline pipeline;
    pipeline.gossip.enabled = true;
    pipeline.gossip.topology.kind = c.kind;
    const auto w = topology::mixing_matrices(pipeline.gossip.topology, c.nodes).front();

    // per_seed[m][seed]: the seed's time average over the steps m local steps after a gossip step
    std::vector<std::vector<double>> per_seed(static_cast<std::size_t>(c.tau));
    for (int seed = 0; seed < kSeeds; ++seed) {
      FixedPeriod period(c.tau);
      const ConstantStepSize eta(kEta);
      test::EngineRun r{.steps = kSteps, .batch = kBatch, .seed = static_cast<std::uint64_t>(100 + seed),
                        .eval_steps = test::every_step(kSteps)};
      r.pipeline = pipeline;
      const auto result = test::run_engine(problem, period, eta, r);
      std::vector<double> sum(static_cast<std::size_t>(c.tau), 0.0);
      std::vector<long> count(static_cast<std::size_t>(c.tau), 0);
      for (const Evaluation& e : result.rows) {
        if (e.step > kBurnIn) {
          const auto m = static_cast<std::size_t>(e.step % c.tau);
          sum[m] += e.consensus;
          ++count[m];
        }
      }
      for (std::size_t m = 0; m < sum.size(); ++m) per_seed[m].push_back(sum[m] / static_cast<double>(count[m]));
    }
    for (int m = 0; m < c.tau; ++m) {
      const auto& values = per_seed[static_cast<std::size_t>(m)];
      const double expected = predicted_consensus(w.dense(), hessian, kEta, kSigma2 / (kDim * kBatch), c.tau, m);
      double mean = 0;
      for (double v : values) mean += v / kSeeds;
      double variance = 0;
      for (double v : values) variance += (v - mean) * (v - mean) / (kSeeds - 1);
      const double standard_error = std::sqrt(variance / kSeeds);
      CAPTURE(m, mean, expected, standard_error);
      // The seeds' time averages are independent: the mean within 5 standard errors, and the
      // standard error small enough (under 2%) for that to mean something.
      CHECK(std::abs(mean - expected) <= 5 * standard_error);
      CHECK(standard_error <= 0.02 * expected);
    }
  }
}
