// problems/logistic.hpp and problems/classification_data.hpp: numerically stable loss, Newton's
// x* and F*, L and mu, the oracle, dense and sparse storage, and real data.
#include "problems/logistic.hpp"

#include <Eigen/Eigenvalues>
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "problems/libsvm.hpp"
#include "support/allocations.hpp"
#include "support/gradient_check.hpp"
#include "support/oracle.hpp"

using namespace localsgd;

namespace {

const std::filesystem::path kData = std::filesystem::path(LOCALSGD_SOURCE_DIR) / "data";

std::shared_ptr<const ClassificationData> read_data(const std::string& name, std::optional<Index> dim = std::nullopt) {
  std::ifstream in(kData / name);
  LibsvmOptions options;
  options.dim = dim;
  return classification_data_from_libsvm(parse_libsvm(in, name, options), name);
}

Vector random_point(Rng& rng, Index d, double scale) {
  Vector x(d);
  for (Index k = 0; k < d; ++k) x[k] = scale * standard_normal(rng);
  return x;
}

// Checks x*, F*, L, mu and the PL inequality of a logistic problem; returns the largest
// finite-difference error of the gradient at random points.
double check_constants(const Logistic& problem, double l2) {
  const auto& c = problem.constants();
  const Index d = problem.dim();
  Vector g(d), g0(d);
  problem.gradient(c.optimum, g);
  problem.gradient(Vector::Zero(d), g0);
  INFO(c.how);
  CHECK(g.norm() <= 1e-12 * g0.norm());
  CHECK(problem.loss(c.optimum) == c.optimal_value);
  CHECK(c.pl == l2);
  CHECK(c.all_exact());
  // L = lambda_max(A^T A)/(4n) + l2 equals the largest Hessian eigenvalue at 0, and bounds it elsewhere.
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> at_zero(problem.hessian(Vector::Zero(d)), Eigen::EigenvaluesOnly);
  CHECK(c.smoothness == Approx(at_zero.eigenvalues()[d - 1]).epsilon(1e-12));
  Rng rng = make_stream(12, StreamPurpose::init);
  double worst = 0;
  for (int trial = 0; trial < 6; ++trial) {
    const Vector x = c.optimum + random_point(rng, d, trial < 3 ? 0.3 : 3.0);
    worst = std::max(worst, test::largest_gradient_error(problem, x));
    problem.gradient(x, g);
    const double gap = problem.gap(x);
    CHECK(gap > 0);
    CHECK(0.5 * g.squaredNorm() >= c.pl * gap * (1 - 1e-9));
    const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(problem.hessian(x), Eigen::EigenvaluesOnly);
    CHECK(eig.eigenvalues()[d - 1] <= c.smoothness * (1 + 1e-12));
    CHECK(eig.eigenvalues()[0] >= l2 * (1 - 1e-9));
  }
  return worst;
}

}  // namespace

TEST_CASE("stable logistic helpers: no overflow, full precision in the tails") {
  CHECK(log1p_exp(800.0) == 800.0);
  CHECK(log1p_exp(-800.0) == 0.0);
  CHECK(log1p_exp(-40.0) == Approx(std::exp(-40.0)).epsilon(1e-15));
  CHECK(log1p_exp(0.0) == Approx(std::log(2.0)).epsilon(1e-16));
  CHECK(sigmoid(-800.0) == 0.0);
  CHECK(sigmoid(800.0) == 1.0);
  CHECK(sigmoid(-40.0) == Approx(std::exp(-40.0)).epsilon(1e-15));
  CHECK(sigmoid(2.0) + sigmoid(-2.0) == Approx(1.0).epsilon(1e-16));
}

TEST_CASE("logistic on two Gaussian classes: Newton's x*, F*, L, mu = l2, PL, finite differences") {
  const auto data = make_two_gaussians({400, 5, 2.0}, 3);
  CHECK(data->positives() == 200);
  const Logistic problem(data, iid_partition(400, 4, 3), 1e-3);
  const double worst = check_constants(problem, 1e-3);
  INFO("logistic, two Gaussians: largest relative finite-difference error " << worst);
  CHECK(worst < 1e-7);
  CHECK(problem.newton_iterations() < 30);
}

TEST_CASE("logistic without L2 term: separable data are rejected, non-separable data give mu = 0") {
  const auto separable = make_two_gaussians({60, 3, 12.0}, 1);
  CHECK_THROWS_WITH(Logistic(separable, iid_partition(60, 2, 1), 0.0), Catch::Contains("linearly separable"));
  CHECK_NOTHROW(Logistic(separable, iid_partition(60, 2, 1), 1e-2));

  const auto overlapping = make_two_gaussians({500, 3, 0.5}, 2);
  const Logistic problem(overlapping, iid_partition(500, 2, 2), 0.0);
  const auto& c = problem.constants();
  CHECK(c.pl == 0.0);
  CHECK_THAT(c.how, Catch::Contains("mu = 0 because l2 = 0"));
  Vector g(3), g0(3);
  problem.gradient(c.optimum, g);
  problem.gradient(Vector::Zero(3), g0);
  CHECK(g.norm() <= 1e-12 * g0.norm());
}

TEST_CASE("logistic: the same data stored dense and sparse give the same loss, gradient, oracle and x*") {
  const auto dense = make_two_gaussians({300, 4, 1.0}, 5);
  SparseRowMatrix sparse_features = dense->features.dense().sparseView();
  const auto sparse = std::make_shared<const ClassificationData>(
      ClassificationData{DesignMatrix(sparse_features), dense->labels, "sparse copy"});
  REQUIRE(sparse->features.is_sparse());
  const Logistic a(dense, iid_partition(300, 3, 1), 1e-2);
  const Logistic b(sparse, iid_partition(300, 3, 1), 1e-2);
  const Vector x = Vector::LinSpaced(4, -0.5, 0.7);
  CHECK(a.loss(x) == Approx(b.loss(x)).epsilon(1e-14));
  Vector ga(4), gb(4);
  a.gradient(x, ga);
  b.gradient(x, gb);
  CHECK((ga - gb).norm() <= 1e-14 * ga.norm());
  Rng ra = make_stream(1, StreamPurpose::sampling, 2), rb = ra;
  test::sample_gradient(a, 2, x, 5, ra, ga);
  test::sample_gradient(b, 2, x, 5, rb, gb);
  CHECK((ga - gb).norm() <= 1e-14 * ga.norm());
  CHECK((a.constants().optimum - b.constants().optimum).norm() <= 1e-12 * a.constants().optimum.norm());
}

TEST_CASE("logistic oracle: the mini-batch mean over rows drawn from the shard, unbiased for the shard gradient") {
  const auto data = make_two_gaussians({90, 3, 1.0}, 8);
  const Logistic problem(data, by_label_partition(std::span<const double>(data->labels.data(), 90), 3), 0.05);
  const Vector x = Vector::LinSpaced(3, 0.2, -0.4);
  const RowMatrix& a = data->features.dense();
  const Vector& y = data->labels;
  Rng rng = make_stream(6, StreamPurpose::sampling, 1);
  Rng replay = rng;
  Vector g(3);
  test::sample_gradient(problem, 1, x, 4, rng, g);
  Vector expected = Vector::Zero(3);
  for (int b = 0; b < 4; ++b) {
    const Index j = problem.shard(1)[uniform_index(replay, problem.shard(1).size())];
    expected += -y[j] * sigmoid(-y[j] * a.row(j).dot(x)) * a.row(j).transpose() / 4.0;
  }
  expected += 0.05 * x;
  CHECK((g - expected).norm() <= 1e-15 * expected.norm());

  // sigma2 and heterogeneity at x*, by brute force over the shards.
  const Vector& x_star = problem.constants().optimum;
  double variance = 0, heterogeneity = 0;
  for (int i = 0; i < 3; ++i) {
    std::vector<Vector> grads;
    Vector mean = Vector::Zero(3);
    for (Index j : problem.shard(i)) {
      grads.push_back(-y[j] * sigmoid(-y[j] * a.row(j).dot(x_star)) * a.row(j).transpose() + 0.05 * x_star);
      mean += grads.back() / static_cast<double>(problem.shard(i).size());
    }
    for (const auto& gj : grads) variance += (gj - mean).squaredNorm() / static_cast<double>(grads.size()) / 3;
    heterogeneity += mean.squaredNorm() / 3;
  }
  CHECK(problem.constants().sigma2_at_optimum == Approx(variance).epsilon(1e-12));
  CHECK(problem.constants().heterogeneity == Approx(heterogeneity).epsilon(1e-10));
  CHECK(heterogeneity > 1e-3);  // by label: each worker holds one class
  CHECK_FALSE(problem.constants().sigma2.has_value());
}

TEST_CASE("epsilon-like data: unit-norm dense rows, both classes present") {
  const auto data = make_epsilon_like({500, 50, 2.0}, 4);
  const RowMatrix& a = data->features.dense();
  CHECK((a.rowwise().norm().array() - 1.0).abs().maxCoeff() < 1e-15);
  CHECK(data->positives() > 150);
  CHECK(data->positives() < 350);
  const Logistic problem(data, iid_partition(500, 2, 4), 1e-3);
  const double worst = check_constants(problem, 1e-3);
  INFO("logistic, epsilon-like: largest relative finite-difference error " << worst);
  CHECK(worst < 1e-7);
}

TEST_CASE("logistic on real data: heart_scale (dense) and a9a.t (sparse, 123 features)") {
  const Logistic heart(read_data("heart_scale"), iid_partition(270, 3, 0), 1e-3);
  const double heart_worst = check_constants(heart, 1e-3);
  INFO("heart_scale: largest relative finite-difference error " << heart_worst);
  CHECK(heart_worst < 1e-7);

  const auto a9a = read_data("a9a.t", 123);
  REQUIRE(a9a->features.is_sparse());
  const Logistic adult(a9a, shared_partition(a9a->rows(), 4), 1e-4);
  const auto& c = adult.constants();
  Vector g(123), g0(123);
  adult.gradient(c.optimum, g);
  adult.gradient(Vector::Zero(123), g0);
  INFO(c.how);
  CHECK(g.norm() <= 1e-12 * g0.norm());
  CHECK(c.pl == 1e-4);
  CHECK(c.heterogeneity < 1e-25);  // shared: every worker's gradient at x* is grad F(x*) = 0
  CHECK(c.sigma2_at_optimum > 0);
  const double adult_worst = test::largest_gradient_error(adult, c.optimum + Vector::Constant(123, 0.1));
  INFO("a9a.t: largest relative finite-difference error " << adult_worst);
  CHECK(adult_worst < 1e-6);
  // F* of the Adult test split with l2 = 1e-4, as this Newton solve found it (a regression check).
  CHECK(c.optimal_value == Approx(0.3212465624).epsilon(1e-9));
}

TEST_CASE("logistic mini-batch gradient does not allocate (dense and sparse rows)") {
  const auto dense = make_two_gaussians({50, 4, 1.0}, 2);
  SparseRowMatrix sparse_features = dense->features.dense().sparseView();
  const auto sparse = std::make_shared<const ClassificationData>(
      ClassificationData{DesignMatrix(sparse_features), dense->labels, "sparse"});
  const Logistic a(dense, iid_partition(50, 2, 0), 1e-2);
  const Logistic b(sparse, iid_partition(50, 2, 0), 1e-2);
  const Vector x = Vector::Ones(4);
  Vector g(4);
  Rng rng = make_stream(1, StreamPurpose::sampling);
  std::vector<Index> rows(8);
  const test::CountAllocations counter;
  draw_minibatch(a.shard(0), 8, rng, rows.data());
  a.batch_gradient(x, rows.data(), 8, g);
  draw_minibatch(b.shard(1), 8, rng, rows.data());
  b.batch_gradient(x, rows.data(), 8, g);
  CHECK(counter.count() == 0);
}

TEST_CASE("logistic mini-batch gradient on dense rows has the bits of the Eigen per-row loop") {
  // The row kernels (core/kernels.hpp) must give exactly the bits of a.row(j).dot(x) and
  // out += s a.row(j)^T, then out /= B and + l2 x: the loop the oracle was written as.
  const auto data = make_two_gaussians({200, 13, 1.0}, 4);
  const Logistic problem(data, iid_partition(200, 2, 3), 1e-3);
  const RowMatrix& a = data->features.dense();
  const Vector& y = data->labels;
  const Vector x = Vector::LinSpaced(13, -0.3, 0.9);
  for (const int batch : {1, 2, 5, 16, 37}) {
    Rng rng = make_stream(9, StreamPurpose::sampling, 1);
    std::vector<Index> rows(static_cast<std::size_t>(batch));
    draw_minibatch(problem.shard(1), batch, rng, rows.data());
    Vector got(13);
    problem.batch_gradient(x, rows.data(), batch, got);
    Vector expected = Vector::Zero(13);
    for (const Index j : rows) {
      const double margin = y[j] * a.row(j).dot(x);
      expected.noalias() += (-y[j] * sigmoid(-margin)) * a.row(j).transpose();
    }
    expected /= static_cast<double>(batch);
    expected.noalias() += problem.l2() * x;
    INFO("B = " << batch);
    CHECK((got.array() == expected.array()).all());
  }
}
