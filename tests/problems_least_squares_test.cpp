// problems/least_squares.hpp and problems/partition.hpp.
#include "problems/least_squares.hpp"

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <catch2/catch.hpp>

#include "support/allocations.hpp"
#include "experiments/catalog/data_files.hpp"
#include "support/fixtures.hpp"
#include "support/gradient_check.hpp"
#include "support/oracle.hpp"

using namespace localsgd;

TEST_CASE("least squares: x*, F*, gradient, gap and constants are exact") {
  const auto problem = test::make_least_squares(300, 6, 3, 0.5);
  const auto& c = problem->constants();
  const Index d = problem->dim();
  Vector g(d);

  SECTION("x* is a stationary point and F(x*) = F*") {
    problem->gradient(c.optimum, g);
    CHECK(g.norm() < 1e-12);
    CHECK(problem->loss(c.optimum) == c.optimal_value);
    CHECK(problem->gap(c.optimum) == 0.0);
  }
  SECTION("L and mu are the extreme eigenvalues of A^T A / n") {
    const auto& a = problem->data().features.dense();
    const Eigen::MatrixXd h = a.transpose() * a / 300.0;
    const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(h);
    CHECK(c.smoothness == Approx(eig.eigenvalues().maxCoeff()).epsilon(1e-12));
    CHECK(c.pl == Approx(eig.eigenvalues().minCoeff()).epsilon(1e-12));
    CHECK(c.all_exact());
  }
  SECTION("gradient matches central finite differences; gap = F - F*; PL inequality holds") {
    Rng rng = make_stream(1, StreamPurpose::init);
    for (int trial = 0; trial < 5; ++trial) {
      Vector x(d);
      for (Index k = 0; k < d; ++k) x[k] = c.optimum[k] + standard_normal(rng);
      problem->gradient(x, g);
      double worst = 0;
      for (Index k = 0; k < d; ++k) {
        const double h = 1e-5;
        Vector plus = x, minus = x;
        plus[k] += h;
        minus[k] -= h;
        const double numeric = (problem->loss(plus) - problem->loss(minus)) / (2 * h);
        worst = std::max(worst, std::abs(numeric - g[k]) / std::max(1.0, std::abs(g[k])));
      }
      CHECK(worst < 1e-8);
      CHECK(problem->gap(x) == Approx(problem->loss(x) - c.optimal_value).epsilon(1e-10));
      CHECK(0.5 * g.squaredNorm() >= c.pl * problem->gap(x) * (1 - 1e-12));
      // L-smoothness: F(x) - F* <= (L/2) |x - x*|^2
      CHECK(problem->gap(x) <= 0.5 * c.smoothness * (x - c.optimum).squaredNorm() * (1 + 1e-12));
    }
  }
}

TEST_CASE("least squares oracle: the mini-batch mean of a_j (a_j^T x - y_j) over rows drawn from the shard") {
  const auto problem = test::make_least_squares(50, 4, 2);
  const Vector x = Vector::LinSpaced(4, -1.0, 2.0);
  Rng rng = make_stream(5, StreamPurpose::sampling, 1);
  Rng replay = rng;
  Vector g(4);
  test::sample_gradient(*problem, 1, x, 3, rng, g);

  const auto& shard = problem->shard(1);
  const auto& a = problem->data().features.dense();
  const auto& y = problem->data().targets;
  Vector expected = Vector::Zero(4);
  for (int b = 0; b < 3; ++b) {
    const Index j = shard[uniform_index(replay, shard.size())];
    expected += a.row(j).transpose() * (a.row(j).dot(x) - y[j]);
  }
  expected /= 3.0;
  CHECK((g - expected).norm() <= 1e-14 * expected.norm());
  CHECK(rng() == replay());  // consumed exactly one draw per sample
}

TEST_CASE("least squares oracle is unbiased for the shard gradient (exact average over the shard)") {
  // E[g] over a uniform draw from the shard is the shard's mean gradient; summing the one-sample
  // gradients of every row of every shard, weighted by shard size, gives the full gradient.
  const auto problem = test::make_least_squares(60, 3, 3);
  const auto& a = problem->data().features.dense();
  const auto& y = problem->data().targets;
  const Vector x = Vector::Constant(3, 0.3);
  Vector total = Vector::Zero(3);
  for (int w = 0; w < 3; ++w) {
    for (Index j : problem->shard(w)) total += a.row(j).transpose() * (a.row(j).dot(x) - y[j]);
  }
  Vector full(3);
  problem->gradient(x, full);
  CHECK((total / 60.0 - full).norm() < 1e-13);
}

TEST_CASE("rank-deficient least squares: least-norm x*, mu = smallest non-zero eigenvalue") {
  auto data = std::make_shared<RegressionData>();
  RowMatrix design(4, 3);
  design << 1, 0, 1, 0, 1, 1, 1, 1, 2, 2, 0, 2;  // third column = first + second
  data->features = DesignMatrix(design);
  data->targets = Vector(4);
  data->targets << 1, 2, 3, 1;
  const LeastSquares problem(data, iid_partition(4, 1, 0));
  Vector g(3);
  problem.gradient(problem.constants().optimum, g);
  CHECK(g.norm() < 1e-12);
  CHECK(problem.constants().pl > 1e-6);
  const Eigen::MatrixXd h = design.transpose() * design / 4.0;
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(h);
  CHECK(eig.eigenvalues()[0] < 1e-12);
  CHECK(problem.constants().pl == Approx(eig.eigenvalues()[1]).epsilon(1e-10));
}

TEST_CASE("least squares with chosen singular values: H has eigenvalues s^2, zeros make it PL only") {
  const std::vector<double> s = {2.0, 1.0, 0.5, 0.0};
  const auto data = make_regression_with_singular_values(50, 6, s, 0.3, 4);
  const LeastSquares problem(data, iid_partition(50, 2, 4));
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(problem.hessian(), Eigen::EigenvaluesOnly);
  const Vector& ev = eig.eigenvalues();  // ascending: three zeros (rank 3 of 6), then 0.25, 1, 4
  CHECK(ev.head(3).cwiseAbs().maxCoeff() < 1e-13);
  CHECK(ev[3] == Approx(0.25).epsilon(1e-12));
  CHECK(ev[4] == Approx(1.0).epsilon(1e-12));
  CHECK(ev[5] == Approx(4.0).epsilon(1e-12));
  const auto& c = problem.constants();
  CHECK(c.smoothness == Approx(4.0).epsilon(1e-12));
  CHECK(c.pl == Approx(0.25).epsilon(1e-12));
  CHECK_THAT(c.how, Catch::Contains("3 zero eigenvalues: PL but not strongly convex"));
  Vector g(6);
  problem.gradient(c.optimum, g);
  CHECK(g.norm() < 1e-12);
  CHECK(c.optimal_value > 0);  // noisy targets, n > rank: not interpolated
  Rng rng = make_stream(2, StreamPurpose::init);
  double worst = 0;
  for (int trial = 0; trial < 5; ++trial) {
    Vector x(6);
    for (Index k = 0; k < 6; ++k) x[k] = c.optimum[k] + standard_normal(rng);
    problem.gradient(x, g);
    CHECK(0.5 * g.squaredNorm() >= c.pl * problem.gap(x) * (1 - 1e-10));
    worst = std::max(worst, test::largest_gradient_error(problem, x));
  }
  INFO("least squares, singular values: largest relative finite-difference error " << worst);
  CHECK(worst < 1e-8);
  CHECK_THROWS(make_regression_with_singular_values(50, 3, s, 0.3, 4));  // 4 values > min(n, d) = 3
}

TEST_CASE("least squares interpolation: F* = 0 exactly for noiseless targets and for n < d") {
  const auto noiseless = make_synthetic_regression({40, 5, 0.0}, 1);
  CHECK(LeastSquares(noiseless, iid_partition(40, 2, 1)).constants().optimal_value == 0.0);
  const auto wide = make_synthetic_regression({8, 20, 1.0}, 2);  // n < d: rank n, y in the range of A
  const LeastSquares under(wide, iid_partition(8, 2, 2));
  CHECK(under.constants().optimal_value == 0.0);
  CHECK(under.loss(under.constants().optimum) < 1e-25);
  CHECK(under.constants().pl > 0);
  CHECK(under.constants().sigma2_at_optimum < 1e-25);  // every residual is zero at x*
}

TEST_CASE("least squares oracle constants at x*: variance and heterogeneity over the shards, by brute force") {
  const auto data = make_synthetic_regression({60, 3, 0.7}, 3);
  for (const bool shared : {false, true}) {
    const LeastSquares problem(data, shared ? shared_partition(60, 3) : iid_partition(60, 3, 3));
    const auto& a = data->features.dense();
    const Vector residual = a * problem.constants().optimum - data->targets;
    double variance = 0, heterogeneity = 0;
    for (int i = 0; i < 3; ++i) {
      Vector mean = Vector::Zero(3);
      for (Index j : problem.shard(i)) mean += residual[j] * a.row(j).transpose() / 20.0 / (shared ? 3.0 : 1.0);
      for (Index j : problem.shard(i)) {
        variance += (residual[j] * a.row(j).transpose() - mean).squaredNorm() / static_cast<double>(problem.shard(i).size()) / 3;
      }
      heterogeneity += mean.squaredNorm() / 3;
    }
    CHECK(problem.constants().sigma2_at_optimum == Approx(variance).epsilon(1e-12));
    CHECK(problem.constants().heterogeneity == Approx(heterogeneity).margin(1e-28).epsilon(1e-10));
    if (shared) CHECK(problem.constants().heterogeneity < 1e-28);
  }
}

TEST_CASE("least squares mini-batch gradient does not allocate") {
  const auto problem = test::make_least_squares(50, 4, 2);
  const Vector x = Vector::Ones(4);
  Vector g(4);
  Rng rng = make_stream(1, StreamPurpose::sampling);
  std::vector<Index> rows(40);
  const test::CountAllocations counter;
  draw_minibatch(problem->shard(1), 40, rng, rows.data());
  problem->batch_gradient(x, rows.data(), 40, g);
  CHECK(counter.count() == 0);
}

TEST_CASE("least squares on sparse data (a9a.t) equals the same problem stored dense") {
  const auto sparse = load_libsvm_regression(std::filesystem::path(LOCALSGD_SOURCE_DIR) / "data/a9a.t", 123);
  REQUIRE(sparse->features.is_sparse());
  auto dense = std::make_shared<RegressionData>();
  dense->features = DesignMatrix(RowMatrix(sparse->features.sparse()));
  dense->targets = sparse->targets;
  const auto shards = iid_partition(sparse->features.rows(), 3, 5);
  const LeastSquares on_sparse(sparse, shards);
  const LeastSquares on_dense(dense, shards);
  const auto& s = on_sparse.constants();
  const auto& d = on_dense.constants();
  // a9a's one-hot columns are linearly dependent: a rank-deficient problem, PL but not strongly
  // convex, whose least-norm x* both decompositions must find.
  CHECK(s.smoothness == Approx(d.smoothness).epsilon(1e-12));
  CHECK(s.pl == Approx(d.pl).epsilon(1e-8));
  CHECK(s.optimal_value == Approx(d.optimal_value).epsilon(1e-10));
  CHECK((s.optimum - d.optimum).norm() <= 1e-6 * d.optimum.norm());
  Vector g(123);
  on_sparse.gradient(s.optimum, g);
  CHECK(g.norm() < 1e-9);
  CHECK(s.sigma2_at_optimum == Approx(d.sigma2_at_optimum).epsilon(1e-8));
  CHECK_THAT(s.how, Catch::Contains("stored sparse"));

  Rng rng_a = make_stream(1, StreamPurpose::sampling, 2), rng_b = rng_a;
  Vector ga(123), gb(123);
  const Vector x = Vector::Constant(123, 0.01);
  test::sample_gradient(on_sparse, 2, x, 16, rng_a, ga);  // the sparse rows' non-zeros
  test::sample_gradient(on_dense, 2, x, 16, rng_b, gb);   // the dense row kernels
  CHECK((ga - gb).norm() <= 1e-14 * gb.norm());
}

TEST_CASE("least squares evaluation through H: F* + 1/2 e^T H e and H e equal the direct forms from the data") {
  const auto problem = test::make_least_squares(400, 7, 4, 0.5);
  const RowMatrix& a = problem->data().features.dense();
  const auto& y = problem->data().targets;
  const auto n = static_cast<double>(a.rows());
  Rng rng = make_stream(2, StreamPurpose::init);
  for (int trial = 0; trial < 5; ++trial) {
    Vector x(7);
    for (Index k = 0; k < 7; ++k) x[k] = 3.0 * standard_normal(rng);
    const Vector residual = a * x - y;
    const double direct_loss = residual.squaredNorm() / (2 * n);
    const Vector direct_gradient = a.transpose() * residual / n;
    Vector g(7);
    problem->gradient(x, g);
    CHECK(problem->loss(x) == Approx(direct_loss).epsilon(1e-13));
    CHECK((g - direct_gradient).norm() <= 1e-13 * direct_gradient.norm());
    // metrics() returns exactly the bits of loss(), gap() and gradient().
    Vector h(7);
    const PointMetrics m = problem->metrics(x, h);
    CHECK(m.loss == problem->loss(x));
    CHECK(m.gap == problem->gap(x));
    CHECK((h.array() == g.array()).all());
    CHECK(m.grad_norm_sq == g.squaredNorm());
  }
}

TEST_CASE("least squares with interpolation constants: F* = 0, x* = x_true, gap = F, no Hessian, nothing factorised") {
  const auto data = make_synthetic_regression({300, 8, 0.0}, 5);
  const LeastSquares cheap(data, iid_partition(300, 3, 5), LeastSquaresConstants::interpolation);
  const LeastSquares exact(data, iid_partition(300, 3, 5));
  const auto& c = cheap.constants();
  CHECK(cheap.hessian().size() == 0);
  CHECK(c.optimal_value == 0.0);
  CHECK((c.optimum - exact.constants().optimum).norm() < 1e-12);
  CHECK(c.optimum_exact);
  CHECK_FALSE(c.smoothness_exact);
  CHECK_FALSE(c.pl_exact);
  // Marchenko-Pastur edges bracket loosely the exact extremes for n/d = 37.5.
  CHECK(c.smoothness == Approx(exact.constants().smoothness).epsilon(0.25));
  CHECK(c.pl == Approx(exact.constants().pl).epsilon(0.25));
  CHECK(c.sigma2_at_optimum == 0.0);
  CHECK(exact.constants().sigma2_at_optimum < 1e-25);
  const RowMatrix& a = data->features.dense();
  Vector x = Vector::LinSpaced(8, -1.0, 1.0);
  const double direct = (a * x - data->targets).squaredNorm() / 600.0;
  CHECK(cheap.loss(x) == direct);
  CHECK(cheap.gap(x) == cheap.loss(x));
  CHECK(cheap.gap(x) == Approx(exact.gap(x)).epsilon(1e-10));
  Vector g(8), h(8);
  cheap.gradient(x, g);
  CHECK((g - a.transpose() * (a * x - data->targets) / 300.0).norm() < 1e-13 * g.norm());
  const PointMetrics m = cheap.metrics(x, h);
  CHECK(m.loss == cheap.loss(x));
  CHECK(m.gap == cheap.gap(x));
  CHECK((h.array() == g.array()).all());
  // Noisy data has no known minimiser.
  const auto noisy = make_synthetic_regression({300, 8, 0.1}, 5);
  CHECK_THROWS_AS(LeastSquares(noisy, iid_partition(300, 3, 5), LeastSquaresConstants::interpolation),
                  std::invalid_argument);
}

TEST_CASE("least squares mini-batch gradient on dense rows has the bits of the Eigen per-row loop") {
  // The row kernels (core/kernels.hpp) must give exactly the bits of a.row(j).dot(x) and
  // g += r a.row(j)^T in draw order, then g /= B: the loop the oracle was first written as.
  const auto problem = test::make_least_squares(120, 7, 3);
  const RowMatrix& a = problem->data().features.dense();
  const Vector& y = problem->data().targets;
  const Vector x = Vector::LinSpaced(7, -1.0, 2.0);
  for (const int batch : {1, 3, 16, 37}) {
    Rng rng = make_stream(5, StreamPurpose::sampling, 2);
    std::vector<Index> rows(static_cast<std::size_t>(batch));
    draw_minibatch(problem->shard(2), batch, rng, rows.data());
    Vector got(7);
    problem->batch_gradient(x, rows.data(), batch, got);
    Vector expected = Vector::Zero(7);
    for (const Index j : rows) expected.noalias() += (a.row(j).dot(x) - y[j]) * a.row(j).transpose();
    expected /= static_cast<double>(batch);
    INFO("batch " << batch);
    CHECK((got.array() == expected.array()).all());
    for (const Index j : rows) CHECK(std::count(problem->shard(2).begin(), problem->shard(2).end(), j) == 1);
  }
}
