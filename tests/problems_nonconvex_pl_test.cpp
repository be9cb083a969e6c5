// problems/nonconvex_pl.hpp: the non-convex PL example of Karimi, Nutini and Schmidt (2016) with
// its constants L = 8 and mu = inf phi'^2 / (2 phi), its gradient, and the tilted workers.
#include "problems/nonconvex_pl.hpp"

#include <Eigen/Eigenvalues>
#include <catch2/catch.hpp>
#include <cmath>

#include "support/allocations.hpp"
#include "support/gradient_check.hpp"

using namespace localsgd;

namespace {

NonconvexPl make_problem(int workers = 1, double heterogeneity = 0, double sigma2 = 0, double c1 = 0) {
  NonconvexPlOptions options;
  options.dim = 6;
  options.optimal_value = -1.25;
  options.noise = {sigma2, c1};
  options.heterogeneity = heterogeneity;
  return NonconvexPl(options, workers, 5);
}

}  // namespace

TEST_CASE("the PL constant of phi is the minimum of phi'^2 / (2 phi), above Karimi et al.'s bound 1/32") {
  const PlConstantOfPhi pl = pl_constant_of_phi();
  // Brute force on a grid 100 times finer than the library's, over the same range and beyond.
  double grid_min = 1e300;
  for (long k = 1; k <= 4000000; ++k) {
    const double z = static_cast<double>(k) * 1e-5;
    const double g = pl_example_phi_prime(z);
    grid_min = std::min(grid_min, g * g / (2 * pl_example_phi(z)));
  }
  CHECK(pl.mu <= grid_min);
  CHECK(pl.mu >= grid_min * (1 - 1e-9));
  CHECK(pl.mu == Approx(0.17553).epsilon(1e-4));
  CHECK(pl.minimiser == Approx(2.2017).epsilon(1e-3));
  CHECK(pl.mu > 1.0 / 32);
}

TEST_CASE("nonconvex_pl: x* is the minimiser with F(x*) = F*, gradient matches finite differences") {
  const NonconvexPl problem = make_problem();
  const auto& c = problem.constants();
  Vector g(6);
  problem.gradient(c.optimum, g);
  CHECK(g.norm() == 0.0);
  CHECK(problem.loss(c.optimum) == c.optimal_value);
  CHECK(problem.gap(c.optimum) == 0.0);
  CHECK(c.smoothness == 8.0);
  CHECK(c.pl == pl_constant_of_phi().mu);
  CHECK(c.all_exact());
  const Eigen::MatrixXd& u = problem.rotation();
  CHECK((u.transpose() * u - Eigen::MatrixXd::Identity(6, 6)).norm() < 1e-13);

  Rng rng = make_stream(8, StreamPurpose::init);
  double worst = 0;
  for (int trial = 0; trial < 20; ++trial) {
    Vector x(6);
    for (Index k = 0; k < 6; ++k) x[k] = c.optimum[k] + 3.0 * standard_normal(rng);
    worst = std::max(worst, test::largest_gradient_error(problem, x));
    CHECK(problem.gap(x) == Approx(problem.loss(x) - c.optimal_value).epsilon(1e-10));
  }
  INFO("nonconvex_pl: largest relative finite-difference error " << worst);
  CHECK(worst < 1e-7);
}

TEST_CASE("nonconvex_pl: the PL inequality holds everywhere and is tight; |Hessian| <= L = 8; not convex") {
  const NonconvexPl problem = make_problem();
  const auto& c = problem.constants();
  const Eigen::MatrixXd& u = problem.rotation();
  Rng rng = make_stream(9, StreamPurpose::init);
  Vector g(6);
  double smallest_curvature = 1e300;
  for (int trial = 0; trial < 200; ++trial) {
    Vector x(6);
    const double scale = trial < 100 ? 1.0 : 6.0;
    for (Index k = 0; k < 6; ++k) x[k] = c.optimum[k] + scale * standard_normal(rng);
    problem.gradient(x, g);
    CHECK(0.5 * g.squaredNorm() >= c.pl * problem.gap(x) * (1 - 1e-12));
    const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(problem.hessian(x), Eigen::EigenvaluesOnly);
    CHECK(eig.eigenvalues().cwiseAbs().maxCoeff() <= c.smoothness * (1 + 1e-12));
    smallest_curvature = std::min(smallest_curvature, eig.eigenvalues()[0]);
  }
  CHECK(smallest_curvature < -1.0);  // negative curvature: F is not convex
  // At x* + z_min u_1 the ratio (1/2)|grad F|^2 / (F - F*) equals mu: no larger PL constant holds.
  const Vector worst = c.optimum + pl_constant_of_phi().minimiser * u.col(0);
  problem.gradient(worst, g);
  CHECK(0.5 * g.squaredNorm() / problem.gap(worst) == Approx(c.pl).epsilon(1e-10));
  // The Hessian at x* is 8 I: L = 8 is attained.
  CHECK((problem.hessian(c.optimum) - 8.0 * Eigen::MatrixXd::Identity(6, 6)).norm() < 1e-12);
}

TEST_CASE("nonconvex_pl heterogeneity: tilts with mean zero and (1/p) sum |tilt|^2 = zeta^2") {
  const double zeta = 0.8;
  const int p = 3;
  const NonconvexPl problem = make_problem(p, zeta);
  Vector mean = Vector::Zero(6);
  double spread = 0;
  for (int i = 0; i < p; ++i) {
    mean += problem.tilt(i) / p;
    spread += problem.tilt(i).squaredNorm() / p;
  }
  CHECK(mean.norm() < 1e-15);
  CHECK(spread == Approx(zeta * zeta).epsilon(1e-14));
  CHECK(problem.constants().heterogeneity == Approx(zeta * zeta).epsilon(1e-14));
  // Without noise the average of the workers' oracles is exactly grad F, at any x.
  const Vector x = Vector::LinSpaced(6, -2.0, 3.0);
  Rng rng = make_stream(0, StreamPurpose::sampling);
  Vector average = Vector::Zero(6), gi(6), g(6);
  for (int i = 0; i < p; ++i) {
    problem.stochastic_gradient(i, x, 1, rng, gi);
    average += gi / p;
  }
  problem.gradient(x, g);
  CHECK((average - g).norm() < 1e-13 * g.norm());
}

TEST_CASE("nonconvex_pl oracle: stated noise variance, and no allocation") {
  const NonconvexPl problem = make_problem(2, 0.5, 0.3, 0.2);
  CHECK(problem.constants().sigma2 == 0.3);
  CHECK(problem.constants().sigma2_at_optimum == Approx(0.3 + 0.2 * 0.25).epsilon(1e-14));
  const Vector x = problem.constants().optimum + Vector::Constant(6, 0.4);
  Vector exact(6);
  problem.gradient(x, exact);
  exact += problem.tilt(1);
  const double expected = (0.2 * exact.squaredNorm() + 0.3) / 4;
  Rng rng = make_stream(4, StreamPurpose::sampling, 1);
  Vector g(6);
  const int draws = 100000;
  double sum = 0, sum_sq = 0;
  for (int k = 0; k < draws; ++k) {
    problem.stochastic_gradient(1, x, 4, rng, g);
    const double e = (g - exact).squaredNorm();
    sum += e;
    sum_sq += e * e;
  }
  const double m = sum / draws;
  const double standard_error = std::sqrt((sum_sq / draws - m * m) / draws);
  CHECK(std::abs(m - expected) < 4 * standard_error);

  const test::CountAllocations counter;
  for (int k = 0; k < 10; ++k) problem.stochastic_gradient(0, x, 4, rng, g);
  CHECK(counter.count() == 0);
}
