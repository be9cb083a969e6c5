// The stationary consensus distance of D-SGD on a noisy quadratic against its exact value from the
// spectrum of W (sim/gossip.hpp; the claim experiments/gossip/consensus_vs_gap builds on it).
//
// Gossip after every step (τ = 1), one shared Hessian H, additive oracle noise ξ ~ N(0, σ²/(dB) I):
// the nodes' disagreement before a gossip step, e_i = y_i − ȳ, follows
//     e(t+1) = (I − ηH) W e(t) − η (I − 11ᵀ/n) ξ(t),
// independently of x̄. In the eigenbases of W (λ_k) and H (h) every mode with k >= 2 is the AR(1)
// a ← (1 − ηh) λ_k a − η ξ_{k,h} with white noise of variance s² = σ²/(dB), so at stationarity
//     E[(1/n) Σ_i ‖e_i‖²] = (1/n) Σ_{k>=2} Σ_h η² s² / (1 − (1 − ηh)² λ_k²).
// The engine measures exactly this quantity (the consensus column, before the gossip step).
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

double predicted_consensus(const Eigen::MatrixXd& w, const std::vector<double>& hessian, double eta, double s2) {
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(w);
  const Eigen::VectorXd lambda = solver.eigenvalues();  // ascending: the last is 1 (the consensus mode)
  const Eigen::Index n = lambda.size();
  double sum = 0;
  for (Eigen::Index k = 0; k + 1 < n; ++k) {
    for (double h : hessian) {
      const double rho = (1 - eta * h) * lambda[k];
      sum += eta * eta * s2 / (1 - rho * rho);
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
  };
  for (const Case c : {Case{TopologyKind::ring, 16}, Case{TopologyKind::torus, 16}, Case{TopologyKind::exponential, 16},
                       Case{TopologyKind::ring, 6}}) {
    CAPTURE(topology::topology_name(c.kind), c.nodes);
    QuadraticOptions options;
    options.eigenvalues = hessian;
    options.noise.sigma2 = kSigma2;
    const Quadratic problem(options, c.nodes, 3);
    round::Pipeline pipeline;
    pipeline.gossip.enabled = true;
    pipeline.gossip.topology.kind = c.kind;
    const auto w = topology::mixing_matrices(pipeline.gossip.topology, c.nodes).front();
    const double expected = predicted_consensus(w.dense(), hessian, kEta, kSigma2 / (kDim * kBatch));

    std::vector<double> per_seed;
    for (int seed = 0; seed < kSeeds; ++seed) {
      FixedPeriod every_step(1);
      const ConstantStepSize eta(kEta);
      test::EngineRun r{.steps = kSteps, .batch = kBatch, .seed = static_cast<std::uint64_t>(100 + seed),
                        .eval_steps = test::every_step(kSteps)};
      r.pipeline = pipeline;
      const auto result = test::run_engine(problem, every_step, eta, r);
      double sum = 0;
      long count = 0;
      for (const Evaluation& e : result.rows) {
        if (e.step > kBurnIn) {
          sum += e.consensus;
          ++count;
        }
      }
      per_seed.push_back(sum / static_cast<double>(count));
    }
    double mean = 0;
    for (double v : per_seed) mean += v / kSeeds;
    double variance = 0;
    for (double v : per_seed) variance += (v - mean) * (v - mean) / (kSeeds - 1);
    const double standard_error = std::sqrt(variance / kSeeds);
    CAPTURE(mean, expected, standard_error);
    // The seeds' time averages are independent: the mean within 5 standard errors, and the
    // standard error small enough (under 2%) for that to mean something.
    CHECK(std::abs(mean - expected) <= 5 * standard_error);
    CHECK(standard_error <= 0.02 * expected);
  }
}
