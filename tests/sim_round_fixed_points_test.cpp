// Where the rounds converge with exact gradients (σ² = 0) on a quadratic whose workers have their
// own Hessians and optima (problems/quadratic.hpp, hessian_heterogeneity > 0): each round is then
// an affine map x ↦ M x + b of the server model, so its fixed point is computed here from the
// problem's H_i and x*_i alone and compared with where the engine ends up.
//   FedAvg, τ steps:      y_i(x) = A_i^τ x + (I − A_i^τ) x*_i, A_i = I − η H_i, x ↦ (1/p) Σ y_i(x):
//                         a fixed point ≠ x* (client drift; Karimireddy et al. 2020, §3).
//   SCAFFOLD:             x* exactly (ibid., Thm. III with σ = 0).
//   FedAvg, τ_i steps:    near the minimiser of the step-weighted objective Σ τ_i F_i (Wang et al.,
//                         NeurIPS 2020, Thm. 1: objective inconsistency).
//   FedNova, τ_i steps:   x ↦ x − τ_eff (1/p) Σ (x − y_i(x))/τ_i: near x*, as FedAvg with equal steps.
#include <Eigen/Dense>
#include <algorithm>
#include <numeric>
#include <random>
#include <catch2/catch.hpp>

#include "problems/quadratic.hpp"
#include "support/fixtures.hpp"

using namespace localsgd;

namespace {

constexpr int kWorkers = 4;

Quadratic heterogeneous_quadratic() {
  QuadraticOptions o;
  o.eigenvalues = linear_spectrum(4, 0.5, 2.0, 0);
  o.heterogeneity = 1.0;
  o.hessian_heterogeneity = 0.7;
  return Quadratic(o, kWorkers, 21);
}

Eigen::MatrixXd local_map(const Quadratic& q, int i, long steps, double eta) {  // A_i^{τ_i}
  const Index d = q.dim();
  const Eigen::MatrixXd a = Eigen::MatrixXd::Identity(d, d) - eta * q.worker_hessian(i);
  Eigen::MatrixXd power = Eigen::MatrixXd::Identity(d, d);
  for (long k = 0; k < steps; ++k) power = a * power;
  return power;
}

// Fixed point of x ↦ x − Σ_i c_i (I − A_i^{τ_i})(x − x*_i): Σ c_i (I − A_i^{τ_i}) (x − x*_i) = 0.
// FedAvg: c_i = 1/p; FedNova: c_i = τ_eff/(p τ_i) (the common factor τ_eff/p does not matter).
Vector fixed_point(const Quadratic& q, const std::vector<long>& steps, bool normalised, double eta) {
  const Index d = q.dim();
  Eigen::MatrixXd lhs = Eigen::MatrixXd::Zero(d, d);
  Vector rhs = Vector::Zero(d);
  for (int i = 0; i < kWorkers; ++i) {
    const long tau = steps[static_cast<std::size_t>(i)];
    const Eigen::MatrixXd moved = (Eigen::MatrixXd::Identity(d, d) - local_map(q, i, tau, eta)) /
                                  (normalised ? static_cast<double>(tau) : 1.0);
    lhs += moved;
    rhs += moved * q.worker_optimum(i);
  }
  return lhs.partialPivLu().solve(rhs);
}

// The minimiser of Σ τ_i F_i: Σ τ_i H_i (x − x*_i) = 0.
Vector step_weighted_minimiser(const Quadratic& q, const std::vector<long>& steps) {
  const Index d = q.dim();
  Eigen::MatrixXd lhs = Eigen::MatrixXd::Zero(d, d);
  Vector rhs = Vector::Zero(d);
  for (int i = 0; i < kWorkers; ++i) {
    const double tau = static_cast<double>(steps[static_cast<std::size_t>(i)]);
    lhs += tau * q.worker_hessian(i);
    rhs += tau * q.worker_hessian(i) * q.worker_optimum(i);
  }
  return lhs.partialPivLu().solve(rhs);
}

Vector limit(const Quadratic& q, const round::Pipeline& pipeline, long period, double eta, long steps) {
  FixedPeriod schedule(period);
  const ConstantStepSize step_size(eta);
  test::EngineRun r{.steps = steps, .batch = 1, .seed = 1, .eval_steps = {steps}};
  r.pipeline = pipeline;
  return test::run_engine(q, schedule, step_size, r).report.final_model;
}

}  // namespace

TEST_CASE("fixed points: FedAvg with tau > 1 stalls at its round map's fixed point, SCAFFOLD reaches x*") {
  const Quadratic q = heterogeneous_quadratic();
  REQUIRE(q.per_worker_hessians());
  const Vector& x_star = q.constants().optimum;
  const long tau = 5;
  const Vector fedavg = limit(q, {}, tau, 0.1, 4000);
  const Vector expected = fixed_point(q, std::vector<long>(kWorkers, tau), false, 0.1);
  CHECK((fedavg - expected).norm() <= 1e-10);
  CHECK((expected - x_star).norm() >= 1e-2);  // client drift: not x*
  CHECK(q.gap(fedavg) >= 1e-5);

  round::Pipeline scaffold;
  scaffold.correction.kind = round::CorrectionKind::scaffold;
  const Vector corrected = limit(q, scaffold, tau, 0.1, 4000);
  CHECK(q.gap(corrected) <= 1e-12);
  CHECK((corrected - x_star).norm() <= 1e-6);

  // τ = 1 is gradient descent on F: x* with or without the correction.
  CHECK(q.gap(limit(q, {}, 1, 0.1, 4000)) <= 1e-12);
}

TEST_CASE("fixed points: unequal local work makes FedAvg minimise the step-weighted objective, FedNova does not") {
  const Quadratic q = heterogeneous_quadratic();
  const Vector& x_star = q.constants().optimum;
  const std::vector<long> steps{1, 2, 4, 8};
  round::Pipeline fedavg;
  fedavg.local_work.kind = round::LocalWorkKind::per_worker;
  fedavg.local_work.steps = steps;
  round::Pipeline fednova = fedavg;
  fednova.aggregation = round::AggregationKind::fednova;

  // A small step size, so that the O(η τ) drift is small beside the inconsistency.
  const double eta = 0.02;
  const Vector avg = limit(q, fedavg, 8, eta, 10000);
  const Vector nova = limit(q, fednova, 8, eta, 10000);
  CHECK((avg - fixed_point(q, steps, false, eta)).norm() <= 1e-10);
  CHECK((nova - fixed_point(q, steps, true, eta)).norm() <= 1e-10);

  // FedAvg lands near the step-weighted minimiser, far from x*; FedNova near x*,
  // within 3x of FedAvg with equal steps τ_max (the O(η) drift that remains without a correction).
  const Vector weighted = step_weighted_minimiser(q, steps);
  const double inconsistency = (weighted - x_star).norm();
  REQUIRE(inconsistency >= 0.1);
  CHECK((avg - weighted).norm() <= 0.25 * inconsistency);
  CHECK((nova - x_star).norm() <= 0.1 * (avg - x_star).norm());
  const Vector equal = fixed_point(q, std::vector<long>(kWorkers, 8), false, eta);
  CHECK((nova - x_star).norm() <= 3 * (equal - x_star).norm());  // measured 2.4x
  // That drift is O(η): half the step size, half the distance; FedAvg's inconsistency stays.
  const Vector nova_half = limit(q, fednova, 8, eta / 2, 20000);
  const Vector avg_half = limit(q, fedavg, 8, eta / 2, 20000);
  CHECK((nova_half - x_star).norm() / (nova - x_star).norm() == Approx(0.5).margin(0.05));
  CHECK((avg_half - weighted).norm() < (avg - weighted).norm());
  CHECK((avg_half - x_star).norm() >= 0.9 * inconsistency);
  INFO("|x_FedAvg - x*| = " << (avg - x_star).norm() << ", |x_FedNova - x*| = " << (nova - x_star).norm()
                            << ", |x_weighted - x*| = " << inconsistency);
  CHECK(true);
}

TEST_CASE("fixed points: with unequal non-i.i.d. shards, shard-size weights make FedAvg and SCAFFOLD minimise F") {
  // Least squares on 300 rows sorted by target into shards of 30, 60, 90, 120 rows: F weighs each
  // row equally (x_w), the plain mean of the workers' objectives weighs each shard equally (x_u).
  const Index n = 300, d = 3;
  std::mt19937_64 g(5);
  std::normal_distribution<double> normal;
  RowMatrix a(n, d);
  Vector y(n), truth(d);
  for (Index j = 0; j < d; ++j) truth[j] = normal(g);
  for (Index r = 0; r < n; ++r) {
    for (Index j = 0; j < d; ++j) a(r, j) = normal(g);
    y[r] = a.row(r).dot(truth) + normal(g);
  }
  std::vector<Index> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](Index i, Index k) { return y[i] < y[k]; });
  std::vector<Shard> shards(4);
  for (std::size_t i = 0, k = 0; i < 4; ++i) {
    for (std::size_t m = 0; m < 30 * (i + 1); ++m) shards[i].push_back(order[k++]);
  }
  auto data = std::make_shared<RegressionData>();
  data->features = DesignMatrix(a);
  data->targets = y;
  const LeastSquares problem(data, shards);
  Eigen::MatrixXd unweighted = Eigen::MatrixXd::Zero(d, d), weighted = unweighted;
  Vector unweighted_rhs = Vector::Zero(d), weighted_rhs = Vector::Zero(d);
  for (const Shard& s : shards) {
    Eigen::MatrixXd hs = Eigen::MatrixXd::Zero(d, d);
    Vector bs = Vector::Zero(d);
    for (Index r : s) {
      hs += a.row(r).transpose() * a.row(r);
      bs += a.row(r).transpose() * y[r];
    }
    unweighted += hs / static_cast<double>(s.size());
    unweighted_rhs += bs / static_cast<double>(s.size());
    weighted += hs;
    weighted_rhs += bs;
  }
  const Vector x_u = unweighted.ldlt().solve(unweighted_rhs), x_w = weighted.ldlt().solve(weighted_rhs);
  const double apart = (x_w - x_u).norm();
  REQUIRE(apart > 0.1);

  auto run = [&](round::Pipeline pipeline) {
    FixedPeriod schedule(5);
    const InverseTimeStepSize eta(0.05, 2000.0);
    test::EngineRun r{.steps = 20000, .batch = 10, .seed = 1, .eval_steps = {20000}};
    r.pipeline = std::move(pipeline);
    return test::run_engine(problem, schedule, eta, r).report.final_model;
  };
  round::Pipeline fedavg;
  fedavg.aggregation = round::AggregationKind::shard_size;
  round::Pipeline scaffold = fedavg;
  scaffold.correction.kind = round::CorrectionKind::scaffold;
  round::Pipeline scaffold_unweighted;
  scaffold_unweighted.correction.kind = round::CorrectionKind::scaffold;
  CHECK((run(fedavg) - x_w).norm() < 0.1 * apart);
  CHECK((run(scaffold) - x_w).norm() < 0.1 * apart);  // c = Σ (n_i/n) c_i, not the plain mean
  CHECK((run(scaffold_unweighted) - x_u).norm() < 0.1 * apart);
}
