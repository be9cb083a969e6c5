// problems/quadratic.hpp and problems/oracle_noise.hpp: the spectrum, the exact constants, the
// oracle's noise and the workers' shifted optima.
#include "problems/quadratic.hpp"

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>

#include "support/allocations.hpp"
#include "support/gradient_check.hpp"

using namespace localsgd;

namespace {

Quadratic make_quadratic(std::vector<double> eigenvalues, int workers = 1, double sigma2 = 0, double c1 = 0,
                         double heterogeneity = 0, double f_star = 0.5) {
  QuadraticOptions options;
  options.eigenvalues = std::move(eigenvalues);
  options.optimal_value = f_star;
  options.noise = {sigma2, c1};
  options.heterogeneity = heterogeneity;
  return Quadratic(options, workers, 3);
}

Vector random_point(Rng& rng, Index d, double scale) {
  Vector x(d);
  for (Index k = 0; k < d; ++k) x[k] = scale * standard_normal(rng);
  return x;
}

}  // namespace

TEST_CASE("spectra: linear and geometric from mu to L with exact endpoints, then the zeros") {
  const auto linear = linear_spectrum(5, 0.2, 1.0, 1);
  REQUIRE(linear.size() == 5);
  CHECK(linear[0] == 0.2);
  CHECK(linear[1] == Approx(0.4666666666666667));
  CHECK(linear[3] == 1.0);
  CHECK(linear[4] == 0.0);
  const auto geometric = geometric_spectrum(4, 0.01, 1.0, 0);
  CHECK(geometric[0] == 0.01);
  CHECK(geometric[1] == Approx(std::pow(100.0, 1.0 / 3.0) * 0.01).epsilon(1e-14));
  CHECK(geometric[3] == 1.0);
  CHECK(linear_spectrum(3, 2.0, 2.0, 2) == std::vector<double>{2.0, 0.0, 0.0});
  CHECK_THROWS(linear_spectrum(3, 1.0, 2.0, 2));  // one non-zero eigenvalue but mu != L
  CHECK_THROWS(geometric_spectrum(3, 2.0, 1.0, 0));
  CHECK_THROWS(linear_spectrum(3, 0.5, 1.0, 3));
}

TEST_CASE("quadratic: H has the given eigenvalues, x* is stationary, F(x*) = F*, L and mu exact") {
  const std::vector<double> eigenvalues = {0.1, 0.55, 1.0, 2.0, 0.3, 0.0};
  const Quadratic problem = make_quadratic(eigenvalues);
  const auto& c = problem.constants();
  const Index d = problem.dim();
  REQUIRE(d == 6);

  const Eigen::MatrixXd& q = problem.rotation();
  CHECK((q.transpose() * q - Eigen::MatrixXd::Identity(d, d)).norm() < 1e-13);
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(problem.hessian(), Eigen::EigenvaluesOnly);
  std::vector<double> sorted = eigenvalues;
  std::sort(sorted.begin(), sorted.end());
  for (Index k = 0; k < d; ++k) CHECK(eig.eigenvalues()[k] == Approx(sorted[static_cast<std::size_t>(k)]).margin(1e-14));

  CHECK(c.smoothness == 2.0);
  CHECK(c.pl == 0.1);
  CHECK(c.optimal_value == 0.5);
  CHECK(c.all_exact());
  Vector g(d);
  problem.gradient(c.optimum, g);
  CHECK(g.norm() < 1e-14);
  CHECK(problem.loss(c.optimum) == 0.5);
  CHECK(problem.gap(c.optimum) == 0.0);
  // x* is the least-norm minimiser: orthogonal to the kernel of H (the eigenvector of eigenvalue 0).
  CHECK(std::abs(q.col(5).dot(c.optimum)) < 1e-14);
  // Moving along the kernel changes nothing: PL but not strongly convex.
  CHECK(problem.gap(c.optimum + 3.0 * q.col(5)) < 1e-14);
}

TEST_CASE("quadratic: gradient matches finite differences; PL and smoothness inequalities hold") {
  const Quadratic problem = make_quadratic(geometric_spectrum(8, 0.05, 4.0, 2));
  const auto& c = problem.constants();
  Rng rng = make_stream(11, StreamPurpose::init);
  double worst = 0;
  for (int trial = 0; trial < 20; ++trial) {
    const Vector x = c.optimum + random_point(rng, 8, trial < 10 ? 1.0 : 10.0);
    worst = std::max(worst, test::largest_gradient_error(problem, x));
    Vector g(8);
    problem.gradient(x, g);
    const double gap = problem.gap(x);
    CHECK(gap == Approx(problem.loss(x) - c.optimal_value).epsilon(1e-10));
    CHECK(0.5 * g.squaredNorm() >= c.pl * gap * (1 - 1e-12));
    CHECK(gap <= 0.5 * c.smoothness * (x - c.optimum).squaredNorm() * (1 + 1e-12));
  }
  INFO("quadratic: largest relative finite-difference error " << worst);
  CHECK(worst < 1e-8);
}

TEST_CASE("quadratic oracle without noise returns the exact gradient and draws nothing") {
  const Quadratic problem = make_quadratic({0.5, 1.0, 2.0});
  const Vector x = Vector::LinSpaced(3, -1.0, 1.0);
  Rng rng = make_stream(1, StreamPurpose::sampling, 0);
  const Rng untouched = rng;
  Vector g(3), exact(3);
  problem.stochastic_gradient(0, x, 4, rng, g);
  problem.gradient(x, exact);
  CHECK(g == exact);
  CHECK(rng == untouched);
}

TEST_CASE("quadratic oracle noise: unbiased, E|g - grad F|^2 = (C1 |grad F|^2 + sigma2) / B") {
  const double sigma2 = 0.7;
  const double c1 = 0.4;
  const int batch = 3;
  const Quadratic problem = make_quadratic({0.2, 0.6, 1.0, 1.4}, 1, sigma2, c1);
  const Vector x = problem.constants().optimum + Vector::Constant(4, 0.8);
  Vector exact(4);
  problem.gradient(x, exact);
  const double expected = (c1 * exact.squaredNorm() + sigma2) / batch;

  Rng rng = make_stream(2, StreamPurpose::sampling, 0);
  const int draws = 200000;
  Vector g(4), mean = Vector::Zero(4);
  double sum = 0, sum_sq = 0;
  for (int k = 0; k < draws; ++k) {
    problem.stochastic_gradient(0, x, batch, rng, g);
    mean += g;
    const double e = (g - exact).squaredNorm();
    sum += e;
    sum_sq += e * e;
  }
  mean /= draws;
  const double m = sum / draws;
  const double standard_error = std::sqrt((sum_sq / draws - m * m) / draws);
  INFO("E|noise|^2: simulated " << m << " +- " << standard_error << ", stated " << expected);
  CHECK(std::abs(m - expected) < 4 * standard_error);
  // Each coordinate of the mean has standard deviation sqrt(expected / 4 / draws).
  CHECK((mean - exact).cwiseAbs().maxCoeff() < 5 * std::sqrt(expected / 4 / draws));
  CHECK(problem.constants().sigma2 == sigma2);
  CHECK(problem.constants().c1 == c1);
}

TEST_CASE("quadratic heterogeneity: worker optima with mean x* and RMS spread zeta; mean worker gradient = grad F") {
  const double zeta = 1.5;
  const int p = 5;
  const Quadratic problem = make_quadratic(linear_spectrum(6, 0.2, 1.0, 1), p, 0.0, 0.0, zeta);
  const auto& c = problem.constants();
  Vector mean = Vector::Zero(6);
  double spread = 0;
  double gradients_at_optimum = 0;
  for (int i = 0; i < p; ++i) {
    mean += problem.worker_optimum(i) / p;
    spread += (problem.worker_optimum(i) - c.optimum).squaredNorm() / p;
    const Vector gi = problem.hessian() * (c.optimum - problem.worker_optimum(i));
    gradients_at_optimum += gi.squaredNorm() / p;
  }
  CHECK((mean - c.optimum).norm() < 1e-14);
  CHECK(std::sqrt(spread) == Approx(zeta).epsilon(1e-14));
  CHECK(c.heterogeneity == Approx(gradients_at_optimum).epsilon(1e-12));
  CHECK(c.heterogeneity > 0.1);

  Rng rng = make_stream(3, StreamPurpose::init);
  for (int trial = 0; trial < 5; ++trial) {
    const Vector x = random_point(rng, 6, 2.0);
    Vector average = Vector::Zero(6), gi(6), g(6);
    Rng unused = make_stream(0, StreamPurpose::sampling);
    for (int i = 0; i < p; ++i) {
      problem.stochastic_gradient(i, x, 1, unused, gi);  // no noise: exactly grad F_i
      average += gi / p;
    }
    problem.gradient(x, g);
    CHECK((average - g).norm() <= 1e-13 * std::max(1.0, g.norm()));
  }
  // One worker: nothing to spread.
  const Quadratic single = make_quadratic(linear_spectrum(6, 0.2, 1.0, 1), 1, 0.0, 0.0, zeta);
  CHECK(single.worker_optimum(0) == single.constants().optimum);
  CHECK(single.constants().heterogeneity == 0.0);
}

TEST_CASE("quadratic oracle does not allocate") {
  const Quadratic problem = make_quadratic({0.5, 1.0, 2.0, 3.0}, 2, 1.0, 0.5, 1.0);
  const Vector x = Vector::Ones(4);
  Vector g(4);
  Rng rng = make_stream(1, StreamPurpose::sampling, 1);
  const test::CountAllocations counter;
  for (int k = 0; k < 10; ++k) problem.stochastic_gradient(1, x, 8, rng, g);
  CHECK(counter.count() == 0);
}
