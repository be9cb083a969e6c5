// Eigen's product blocking is pinned (core/eigen_blocking.hpp), so that products give the same
// bits on every machine.
#include <Eigen/Dense>
#include <random>
#include <catch2/catch.hpp>

#include "core/eigen_blocking.hpp"

TEST_CASE("Eigen is told the pinned cache sizes at start-up, whatever the machine's") {
  REQUIRE(localsgd::kEigenBlockingPinned);
  std::ptrdiff_t l1 = 0, l2 = 0, l3 = 0;
  Eigen::internal::manage_caching_sizes(Eigen::GetAction, &l1, &l2, &l3);
  CHECK(l1 == localsgd::kEigenL1Bytes);
  CHECK(l2 == localsgd::kEigenL2Bytes);
  CHECK(l3 == localsgd::kEigenL3Bytes);
}

TEST_CASE("the blocking decides a product's bits: another L1 changes AᵀA, the pinned one restores it") {
  // The test binary is compiled with OpenMP (bench_minimal_loop_test.cpp), which Eigen would use to
  // split the product among threads; the libraries are not, so the product runs on one thread here.
  Eigen::setNbThreads(1);
  Eigen::MatrixXd a(4000, 20);
  std::mt19937_64 draws(1);
  std::uniform_real_distribution<double> uniform(-1, 1);
  for (Eigen::Index j = 0; j < a.cols(); ++j) {
    for (Eigen::Index i = 0; i < a.rows(); ++i) a(i, j) = uniform(draws);
  }
  const Eigen::MatrixXd pinned = a.transpose() * a;
  Eigen::setCpuCacheSizes(32768, localsgd::kEigenL2Bytes, localsgd::kEigenL3Bytes);
  const Eigen::MatrixXd other = a.transpose() * a;
  Eigen::setCpuCacheSizes(localsgd::kEigenL1Bytes, localsgd::kEigenL2Bytes, localsgd::kEigenL3Bytes);
  const Eigen::MatrixXd again = a.transpose() * a;
  CHECK((pinned.array() == again.array()).all());
  CHECK_FALSE((pinned.array() == other.array()).all());  // why the pin is needed
}
