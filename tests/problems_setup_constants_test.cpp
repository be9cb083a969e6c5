// The exact constants of problems/least_squares.cpp and problems/logistic.cpp, computed by
// blocked, parallel set-up code (problems/row_blocks.hpp): x* and F* against independent solves
// in long double, the same bits on 1 and 2 threads, and least squares computing them on first
// use only (what `localsgd validate` relies on).
#include <tbb/global_control.h>

#include <Eigen/Cholesky>
#include <Eigen/SVD>
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>

#include "problems/classification_data.hpp"
#include "problems/least_squares.hpp"
#include "problems/logistic.hpp"
#include "support/cli.hpp"

using namespace localsgd;

namespace {

using LongMatrix = Eigen::Matrix<long double, Eigen::Dynamic, Eigen::Dynamic>;
using LongVector = Eigen::Matrix<long double, Eigen::Dynamic, 1>;

// The least-norm least-squares solution by a Jacobi SVD in long double (64-bit mantissa: 2^11
// times finer than double), singular values below `relative_threshold` · s_max taken as zero.
Vector reference_solution(const DesignMatrix& a, const Vector& y, long double relative_threshold) {
  const LongMatrix al = RowMatrix(a.is_sparse() ? RowMatrix(a.sparse()) : a.dense()).cast<long double>();
  Eigen::JacobiSVD<LongMatrix> svd(al, Eigen::ComputeThinU | Eigen::ComputeThinV);
  svd.setThreshold(relative_threshold);
  const LongVector x = svd.solve(y.cast<long double>());
  return x.cast<double>();
}

// F(x) = |Ax − y|²/(2n) in long double.
double reference_loss(const DesignMatrix& a, const Vector& y, const Vector& x) {
  const LongMatrix al = RowMatrix(a.is_sparse() ? RowMatrix(a.sparse()) : a.dense()).cast<long double>();
  const LongVector r = al * x.cast<long double>() - y.cast<long double>();
  return static_cast<double>(r.squaredNorm() / (2.0L * static_cast<long double>(a.rows())));
}

struct Case {
  const char* name;
  std::shared_ptr<const RegressionData> data;
  const char* method;       // in `how`
  double x_tolerance;       // relative error of x*
};

// Every field of the constants and H, bit for bit.
void check_same_bits(const ProblemConstants& a, const ProblemConstants& b) {
  CHECK((a.optimum.array() == b.optimum.array()).all());
  CHECK(a.optimal_value == b.optimal_value);
  CHECK(a.smoothness == b.smoothness);
  CHECK(a.pl == b.pl);
  CHECK(a.sigma2_at_optimum == b.sigma2_at_optimum);
  CHECK(a.heterogeneity == b.heterogeneity);
}

}  // namespace

TEST_CASE("least squares exact constants: x* and F* agree with a long-double SVD solve") {
  // Tolerances: the forward error of a backward-stable least-squares solve, about
  // κ(A)·ε + κ(A)²·ε·|r|/(|A||x*|), with a margin of 100.
  const std::vector<Case> cases = {
      {"gaussian, n = 5000, d = 40 (several row blocks)", make_synthetic_regression({5000, 40, 0.5}, 11),
       "iterative refinement", 1e-13},
      {"condition number 1e3 (kappa(H) = 1e6)",
       make_regression_with_singular_values(3000, 6, {1.0, 0.3, 0.1, 0.01, 0.003, 0.001}, 0.2, 12),
       "iterative refinement", 1e-9},
      {"rank 3 of 6 (singular H)", make_regression_with_singular_values(500, 6, {2.0, 1.0, 0.5}, 0.3, 13),
       "complete orthogonal decomposition of A (rank 3)", 1e-11},
      {"condition number 1e5 (kappa(H) = 1e10: factorised, not refined)",
       make_regression_with_singular_values(400, 4, {1.0, 0.1, 1e-3, 1e-5}, 0.1, 14),
       "complete orthogonal decomposition of A (rank 4)", 1e-5},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    const RegressionData& data = *c.data;
    const LeastSquares problem(c.data, iid_partition(data.features.rows(), 3, 1));
    const ProblemConstants& k = problem.constants();
    const Vector reference = reference_solution(data.features, data.targets, 1e-9L);
    CHECK((k.optimum - reference).norm() <= c.x_tolerance * reference.norm());
    const double f_star = reference_loss(data.features, data.targets, reference);
    CHECK(k.optimal_value == Approx(f_star).epsilon(1e-12));
    CHECK_THAT(k.how, Catch::Contains(c.method));
  }
}

TEST_CASE("least squares exact constants: sparse data with dependent columns get the least-norm x*") {
  // One-hot blocks: columns 0-1 and 2-4 each sum to the all-ones vector (rank 4 of 5).
  Eigen::SparseMatrix<double, Eigen::RowMajor> a(60, 5);
  Vector y(60);
  for (Index j = 0; j < 60; ++j) {
    a.insert(j, j % 2) = 1.0;
    a.insert(j, 2 + j % 3) = 1.0;
    y[j] = 0.5 * static_cast<double>(j % 7) - 1.0;
  }
  a.makeCompressed();
  auto data = std::make_shared<RegressionData>();
  data->features = DesignMatrix(a);
  data->targets = y;
  const LeastSquares problem(data, iid_partition(60, 2, 3));
  const Vector reference = reference_solution(data->features, y, 1e-9L);
  CHECK((problem.constants().optimum - reference).norm() <= 1e-11 * reference.norm());
  CHECK(problem.constants().optimal_value == Approx(reference_loss(data->features, y, reference)).epsilon(1e-12));
  CHECK_THAT(problem.constants().how, Catch::Contains("(rank 4)"));
}

TEST_CASE("set-up constants have the same bits on 1 and 2 threads") {
  // n = 9000 rows: several row blocks, so the tree of partial sums has inner nodes.
  const auto regression = make_synthetic_regression({9000, 30, 0.4}, 21);
  const auto classification = make_two_gaussians({9000, 30, 1.0}, 22);
  auto build = [&](int threads) {
    const tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
    const LeastSquares least_squares(regression, iid_partition(9000, 8, 21));
    const Logistic logistic(classification, iid_partition(9000, 8, 22), 1e-3);
    return std::make_tuple(least_squares.constants(), least_squares.hessian(), logistic.constants());
  };
  const auto [ls1, h1, lg1] = build(1);
  const auto [ls2, h2, lg2] = build(2);
  check_same_bits(ls1, ls2);
  CHECK((h1.array() == h2.array()).all());
  check_same_bits(lg1, lg2);
}

TEST_CASE("least squares computes its exact constants on first use; its data may show them finite") {
  const auto data = make_synthetic_regression({500, 8, 0.3}, 31);
  const LeastSquares problem(data, iid_partition(500, 2, 31));
  CHECK_FALSE(problem.constants_computed());
  CHECK(problem.constants_certainly_finite());  // from the data alone
  CHECK_FALSE(problem.constants_computed());
  const Vector x = Vector::Ones(8);
  const double gap = problem.gap(x);  // an evaluation computes them
  CHECK(problem.constants_computed());
  CHECK(gap == Approx(problem.loss(x) - problem.constants().optimal_value).epsilon(1e-12));

  // Entries beyond the bound: unknown until computed; computing shows whether they are finite.
  auto huge = std::make_shared<RegressionData>();
  RowMatrix a(4, 2);
  a << 1e200, 1, -1, 3, 2, 0, 0, -1;
  huge->features = DesignMatrix(a);
  huge->targets = Vector::Ones(4);
  const LeastSquares overflowing(huge, iid_partition(4, 1, 0));
  CHECK_FALSE(overflowing.constants_certainly_finite());
  CHECK_FALSE(std::isfinite(overflowing.constants().smoothness));
  CHECK_FALSE(overflowing.constants_certainly_finite());  // computed: not finite
}

TEST_CASE("validate checks least squares without its exact constants and still reports constants that overflow") {
  using namespace localsgd::test;
  const ScratchDir dir;
  const Json schedule = {{"schedule", {{"type", "sync"}}}};
  write_file(dir / "ok.json", tiny_spec("ok", schedule).dump(2));
  const auto ok = run_cli(dir, "validate ok.json");
  CHECK(ok.exit_code == 0);
  // A LIBSVM file whose values square beyond double range: the constants must be computed, and
  // are not finite.
  write_file(dir / "data.svm", "1 1:1e200 2:1\n-1 1:-1 2:3\n2 1:2\n-1 2:-1\n");
  Json spec = tiny_spec("huge", schedule);
  spec["problem"] = {{"type", "least_squares"}, {"design", "libsvm"}, {"file", "data.svm"}};
  spec["workers"] = 2;
  spec["batch"] = 1;
  write_file(dir / "huge.json", spec.dump(2));
  const auto huge = run_cli(dir, "validate huge.json");
  CHECK(huge.exit_code == 2);
  CHECK_THAT(huge.err, Catch::Contains("the problem's constants are not finite"));
}
