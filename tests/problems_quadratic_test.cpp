// problems/quadratic.hpp and problems/oracle_noise.hpp: the spectrum, the exact constants, the
// oracle's noise and the workers' shifted optima.
#include "problems/quadratic.hpp"

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>

#include "problems/centred_directions.hpp"
#include "problems/random_rotation.hpp"
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

// --- per-worker Hessians (hessian_heterogeneity ω) -------------------------------------------------

namespace {

Quadratic make_heterogeneous(std::vector<double> eigenvalues, int workers, double omega, double zeta = 0,
                             double sigma2 = 0, double c1 = 0) {
  QuadraticOptions options;
  options.eigenvalues = std::move(eigenvalues);
  options.optimal_value = 0.5;
  options.noise = {sigma2, c1};
  options.heterogeneity = zeta;
  options.hessian_heterogeneity = omega;
  return Quadratic(options, workers, 3);
}

// F_i(x) − c_i = ½ (x − x*_i)ᵀ H_i (x − x*_i), from the public H_i and x*_i.
double worker_objective(const Quadratic& problem, int i, const Vector& x) {
  const Vector e = x - problem.worker_optimum(i);
  return 0.5 * e.dot(problem.worker_hessian(i) * e);
}

// The oracle of a problem without noise: exactly ∇F_i.
Vector exact_worker_gradient(const Quadratic& problem, int i, const Vector& x) {
  REQUIRE(problem.noise().none());
  Vector g(problem.dim());
  Rng unused = make_stream(0, StreamPurpose::sampling);
  problem.stochastic_gradient(i, x, 1, unused, g);
  return g;
}

}  // namespace

TEST_CASE("quadratic with hessian_heterogeneity 0 is the shared-Hessian problem bit for bit") {
  // Rebuilt here from the documented draws of the `data` address: the rotation's d × d normals,
  // x*'s d normals (projected onto the range of H), then the p centred directions.
  const std::vector<double> eigenvalues = {0.3, 1.0, 0.0, 0.7, 2.0};
  const Index d = 5;
  const int p = 3;
  const double zeta = 0.8;
  const Quadratic problem = make_heterogeneous(eigenvalues, p, 0.0, zeta);
  REQUIRE_FALSE(problem.per_worker_hessians());

  Rng rng(3, StreamPurpose::data, data_slot(DataArray::parameters), 0);
  const Eigen::MatrixXd q = random_rotation(rng, d);
  const Vector lambda = Eigen::Map<const Vector>(eigenvalues.data(), d);
  Eigen::MatrixXd h = q * lambda.asDiagonal() * q.transpose();
  h = (0.5 * (h + h.transpose())).eval();
  Eigen::MatrixXd range(d, 4);
  for (Index k = 0, c = 0; k < d; ++k) {
    if (lambda[k] > 0) range.col(c++) = q.col(k);
  }
  Vector x_star(d);
  for (Index k = 0; k < d; ++k) x_star[k] = standard_normal(rng);
  x_star = range * (range.transpose() * x_star);
  CentredDirections centred = centred_gaussian_directions(rng, p, d, &range);

  CHECK(problem.rotation() == q);
  CHECK(problem.hessian() == h);
  CHECK(problem.constants().optimum == x_star);
  const Vector x = Vector::LinSpaced(d, -1.0, 2.0);
  for (int i = 0; i < p; ++i) {
    Vector delta = centred.directions[static_cast<std::size_t>(i)] / std::sqrt(centred.mean_squared_norm);
    const Vector worker_optimum = x_star + zeta * delta;
    CHECK(problem.worker_optimum(i) == worker_optimum);
    CHECK(&problem.worker_hessian(i) == &problem.hessian());
    CHECK(problem.worker_eigenvalue_scales(i) == Vector::Ones(d));
    Vector expected = h * x;
    const Vector offset = h * worker_optimum;
    expected -= offset;
    CHECK(exact_worker_gradient(problem, i, x) == expected);
  }

  // ω > 0 draws its scales after everything else: rotation, H and the worker optima are unchanged.
  const Quadratic spread = make_heterogeneous(eigenvalues, p, 0.5, zeta);
  REQUIRE(spread.per_worker_hessians());
  CHECK(spread.rotation() == problem.rotation());
  CHECK(spread.hessian() == problem.hessian());
  for (int i = 0; i < p; ++i) CHECK(spread.worker_optimum(i) == problem.worker_optimum(i));
  // One worker: nothing to spread, ω has no effect.
  const Quadratic single = make_heterogeneous(eigenvalues, 1, 0.5, zeta);
  const Quadratic single_shared = make_heterogeneous(eigenvalues, 1, 0.0, zeta);
  CHECK_FALSE(single.per_worker_hessians());
  CHECK(single.constants().optimum == single_shared.constants().optimum);
  CHECK(single.constants().how == single_shared.constants().how);
}

TEST_CASE("quadratic per-worker Hessians: mean H_i = H, x* stationary, constants exact, F = mean F_i + const") {
  const std::vector<double> eigenvalues = {0.1, 0.55, 1.0, 2.0, 0.3, 0.0};
  const Index d = 6;
  const int p = 5;
  const Quadratic problem = make_heterogeneous(eigenvalues, p, 0.8, 1.2);
  REQUIRE(problem.per_worker_hessians());
  const auto& c = problem.constants();
  const Eigen::MatrixXd& q = problem.rotation();
  const Vector lambda = Eigen::Map<const Vector>(eigenvalues.data(), d);

  Eigen::MatrixXd mean_hessian = Eigen::MatrixXd::Zero(d, d);
  Vector mean_scale = Vector::Zero(d);
  for (int i = 0; i < p; ++i) {
    const Eigen::MatrixXd& hi = problem.worker_hessian(i);
    const Vector s = problem.worker_eigenvalue_scales(i);
    CHECK((s.array() > 0).all());
    CHECK(hi == hi.transpose());
    // H_i = Q diag(λ ⊙ s_i) Qᵀ: Qᵀ H_i Q is that diagonal.
    const Eigen::MatrixXd diagonal = q.transpose() * hi * q;
    const Eigen::MatrixXd expected = lambda.cwiseProduct(s).asDiagonal();
    CHECK((diagonal - expected).norm() < 1e-13 * (1 + expected.norm()));
    mean_hessian += hi / p;
    mean_scale += s / p;
  }
  CHECK((mean_scale - Vector::Ones(d)).cwiseAbs().maxCoeff() < 1e-14);
  CHECK((mean_hessian - problem.hessian()).norm() < 1e-12);
  // The scales do spread: some worker's eigenvalue is far from λ_k.
  double spread = 0;
  for (int i = 0; i < p; ++i) spread = std::max(spread, (problem.worker_eigenvalue_scales(i).array() - 1).abs().maxCoeff());
  CHECK(spread > 0.3);

  // L and μ: the eigenvalues of the mean of the H_i.
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(mean_hessian, Eigen::EigenvaluesOnly);
  CHECK(c.smoothness == 2.0);
  CHECK(c.pl == 0.1);
  CHECK(eig.eigenvalues().maxCoeff() == Approx(c.smoothness).epsilon(1e-12));
  CHECK(eig.eigenvalues()[1] == Approx(c.pl).epsilon(1e-12));  // [0] is the zero eigenvalue
  CHECK(std::abs(eig.eigenvalues()[0]) < 1e-12);

  // x* solves Σ_i H_i (x − x*_i) = 0, is the least-norm solution, and F's own gradient vanishes there.
  Vector mean_gradient = Vector::Zero(d);
  double gradients_at_optimum = 0;
  for (int i = 0; i < p; ++i) {
    const Vector gi = exact_worker_gradient(problem, i, c.optimum);
    CHECK((gi - problem.worker_hessian(i) * (c.optimum - problem.worker_optimum(i))).norm() < 1e-12);
    mean_gradient += gi / p;
    gradients_at_optimum += gi.squaredNorm() / p;
  }
  CHECK(mean_gradient.norm() <= 1e-10);
  Vector g(d);
  problem.gradient(c.optimum, g);
  CHECK(g.norm() <= 1e-12);
  CHECK(std::abs(q.col(5).dot(c.optimum)) < 1e-14);
  // With distinct Hessians x* is not the mean of the worker optima (it is with a shared one).
  Vector mean_optimum = Vector::Zero(d);
  for (int i = 0; i < p; ++i) mean_optimum += problem.worker_optimum(i) / p;
  CHECK((mean_optimum - c.optimum).norm() > 1e-3);

  // Heterogeneity and the noise at the optimum.
  CHECK(c.heterogeneity == Approx(gradients_at_optimum).epsilon(1e-12));
  CHECK(c.heterogeneity > 0.1);
  CHECK(c.all_exact());
  // The noise does not change the problem's draws: the same x* and heterogeneity, and the noise
  // at the optimum adds the multiplicative part of the workers' gradients there.
  const double sigma2 = 0.6, c1 = 0.3;
  const Quadratic noisy = make_heterogeneous(eigenvalues, p, 0.8, 1.2, sigma2, c1);
  CHECK(noisy.constants().optimum == c.optimum);
  CHECK(noisy.constants().heterogeneity == c.heterogeneity);
  CHECK(noisy.constants().sigma2_at_optimum == sigma2 + c1 * c.heterogeneity);

  // F(x) − (1/p) Σ F_i(x) is the same constant everywhere, and the workers' mean gradient is ∇F.
  Rng rng = make_stream(5, StreamPurpose::init);
  double constant = 0;
  for (int trial = 0; trial < 6; ++trial) {
    const Vector x = random_point(rng, d, 2.0);
    double mean_objective = 0;
    Vector average = Vector::Zero(d);
    for (int i = 0; i < p; ++i) {
      mean_objective += worker_objective(problem, i, x) / p;
      average += exact_worker_gradient(problem, i, x) / p;
    }
    const double difference = problem.loss(x) - mean_objective;
    if (trial == 0) constant = difference;
    CHECK(difference == Approx(constant).epsilon(1e-11));
    problem.gradient(x, g);
    CHECK((average - g).norm() <= 1e-12 * std::max(1.0, g.norm()));
    CHECK(test::largest_gradient_error(problem, x) < 1e-8);
    // Each worker's oracle is ∇F_i: a central difference of F_i along every coordinate.
    for (int i = 0; i < p; ++i) {
      const Vector gi = exact_worker_gradient(problem, i, x);
      for (Index k = 0; k < d; ++k) {
        const double step = 1e-5;
        Vector plus = x, minus = x;
        plus[k] += step;
        minus[k] -= step;
        const double numeric = (worker_objective(problem, i, plus) - worker_objective(problem, i, minus)) / (2 * step);
        CHECK(std::abs(numeric - gi[k]) <= 1e-7 * std::max(1.0, gi.norm()));
      }
    }
  }
  CHECK(c.how.find("per-worker Hessians") != std::string::npos);
}

TEST_CASE("quadratic per-worker Hessians: sigma2_at_optimum is the oracle's variance at x*, averaged over workers") {
  const int p = 3;
  const Quadratic problem = make_heterogeneous({0.2, 0.6, 1.0, 1.4}, p, 0.6, 1.0, 0.4, 0.5);
  const auto& c = problem.constants();
  const int draws = 100000;
  double sum = 0, sum_sq = 0;
  Vector g(4);
  for (int i = 0; i < p; ++i) {
    const Vector exact = problem.worker_hessian(i) * (c.optimum - problem.worker_optimum(i));
    Rng rng = make_stream(8, StreamPurpose::sampling, static_cast<std::uint64_t>(i));
    for (int k = 0; k < draws; ++k) {
      problem.stochastic_gradient(i, c.optimum, 1, rng, g);
      const double e = (g - exact).squaredNorm();
      sum += e;
      sum_sq += e * e;
    }
  }
  const double n = static_cast<double>(p) * draws;
  const double m = sum / n;
  // Workers have different variances; the pooled spread bounds the standard error from above.
  const double standard_error = std::sqrt((sum_sq / n - m * m) / n);
  INFO("simulated " << m << " +- " << standard_error << ", stated " << c.sigma2_at_optimum);
  CHECK(std::abs(m - c.sigma2_at_optimum) < 4 * standard_error);
  CHECK(c.sigma2_at_optimum > c.sigma2.value() + 0.1);  // the multiplicative part counts
}

TEST_CASE("quadratic: tau changes the averaged iterate only with per-worker Hessians (exact gradients)") {
  // Local SGD with period τ for 8 steps from 0, then the average; exact gradients (σ² = C₁ = 0).
  auto averaged = [](const Quadratic& problem, long tau) {
    const int p = problem.workers();
    const Index d = problem.dim();
    Vector server = Vector::Zero(d);
    std::vector<Vector> models(static_cast<std::size_t>(p), server);
    Vector g(d);
    Rng unused = make_stream(0, StreamPurpose::sampling);
    for (long t = 1; t <= 8; ++t) {
      for (int i = 0; i < p; ++i) {
        problem.stochastic_gradient(i, models[static_cast<std::size_t>(i)], 1, unused, g);
        models[static_cast<std::size_t>(i)] -= 0.25 * g;
      }
      if (t % tau == 0) {
        server.setZero();
        for (const auto& m : models) server += m / p;
        for (auto& m : models) m = server;
      }
    }
    return server;
  };
  const std::vector<double> eigenvalues = linear_spectrum(6, 0.2, 1.0, 0);
  // Shared Hessian, distinct optima: the average follows ē ← (I − ηH) ē whatever τ is.
  const Quadratic shared = make_heterogeneous(eigenvalues, 4, 0.0, 1.0);
  const Vector a = averaged(shared, 1), b = averaged(shared, 4);
  CHECK((a - b).norm() <= 1e-13 * a.norm());
  CHECK(shared.average_ignores_schedule());
  CHECK_FALSE(make_heterogeneous(eigenvalues, 4, 0.0, 1.0, 1.0, 0.5).average_ignores_schedule());  // C₁ > 0
  CHECK(make_heterogeneous(eigenvalues, 1, 0.5, 0.0, 1.0, 0.5).average_ignores_schedule());        // one worker
  // Per-worker Hessians, even with one common optimum: the average of products (I − ηH_i)^τ is not
  // the product of averages.
  const Quadratic spread = make_heterogeneous(eigenvalues, 4, 0.5, 0.0);
  const Vector c = averaged(spread, 1), e = averaged(spread, 4);
  INFO("|x(tau=1) - x(tau=4)| = " << (c - e).norm() << ", |x| = " << c.norm());
  CHECK((c - e).norm() > 1e-3 * c.norm());
  CHECK_FALSE(spread.average_ignores_schedule());
  // ζ = 0: every worker's optimum is x*, so both converge to it (no drift), at different rates.
  CHECK(spread.constants().heterogeneity == 0.0);
}

TEST_CASE("quadratic per-worker Hessians: options checked, memory estimate counts p Hessians, oracle does not allocate") {
  CHECK_THROWS_WITH(make_heterogeneous({1.0, 2.0}, 2, -0.1), Catch::Contains("hessian_heterogeneity"));
  CHECK_THROWS_WITH(make_heterogeneous({1.0, 2.0}, 2, std::nan("")), Catch::Contains("hessian_heterogeneity"));
  CHECK_THROWS_WITH(make_heterogeneous({1.0, 2.0}, 2, 11.0), Catch::Contains("hessian_heterogeneity"));
  CHECK_NOTHROW(make_heterogeneous({1.0, 2.0}, 50, 10.0));
  CHECK(Quadratic::estimate_bytes(10, 4, true) - Quadratic::estimate_bytes(10, 4, false) == 8 * (4 * 100 + 2 * 4 * 10));

  const Quadratic problem = make_heterogeneous({0.5, 1.0, 2.0, 3.0}, 3, 0.5, 1.0, 1.0, 0.5);
  const Vector x = Vector::Ones(4);
  Vector g(4);
  Rng rng = make_stream(1, StreamPurpose::sampling, 1);
  const test::CountAllocations counter;
  for (int k = 0; k < 10; ++k) problem.stochastic_gradient(2, x, 8, rng, g);
  CHECK(counter.count() == 0);
}
