// core/random.hpp: the mixer, the stream derivation and our own samplers.
#include "core/random.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

using namespace localsgd;

TEST_CASE("splitmix64 matches the reference generator's first output") {
  // The SplitMix64 generator with state 0 outputs 0xe220a8397b1dcdaf first (Vigna's reference C).
  CHECK(splitmix64(0) == 0xe220a8397b1dcdafULL);
}

TEST_CASE("mt19937_64 is the standard's generator (its 10000th output is fixed by the standard)") {
  std::mt19937_64 rng;  // default seed 5489
  rng.discard(9999);
  CHECK(rng() == 9981545732273789042ULL);
}

TEST_CASE("streams differ by seed, purpose and worker, and repeat for equal keys") {
  const auto a = stream_seed(1, StreamPurpose::sampling, 0);
  CHECK(a == stream_seed(1, StreamPurpose::sampling, 0));
  CHECK(a != stream_seed(2, StreamPurpose::sampling, 0));
  CHECK(a != stream_seed(1, StreamPurpose::compute_time, 0));
  CHECK(a != stream_seed(1, StreamPurpose::sampling, 1));
}

TEST_CASE("uniform_index stays in range and is uniform (chi-square, fixed seed)") {
  Rng rng = make_stream(3, StreamPurpose::sampling, 0);
  const std::uint64_t n = 7;
  const int draws = 70000;
  std::vector<int> counts(n, 0);
  for (int i = 0; i < draws; ++i) {
    const auto k = uniform_index(rng, n);
    REQUIRE(k < n);
    ++counts[k];
  }
  double chi2 = 0;
  const double expected = static_cast<double>(draws) / static_cast<double>(n);
  for (int c : counts) chi2 += (c - expected) * (c - expected) / expected;
  CHECK(chi2 < 22.46);  // 99.9% quantile of chi-square with 6 degrees of freedom
  CHECK(uniform_index(rng, 1) == 0);
}

TEST_CASE("standard_normal has mean 0 and variance 1 within 5 standard errors") {
  Rng rng = make_stream(11, StreamPurpose::data);
  const int n = 200000;
  double sum = 0, sum_sq = 0, fourth = 0;
  for (int i = 0; i < n; ++i) {
    const double z = standard_normal(rng);
    sum += z;
    sum_sq += z * z;
    fourth += z * z * z * z;
  }
  const double mean = sum / n;
  const double variance = sum_sq / n - mean * mean;
  CHECK(std::abs(mean) < 5.0 / std::sqrt(n));
  CHECK(std::abs(variance - 1.0) < 5.0 * std::sqrt(2.0 / n));  // Var(z²) = 2
  CHECK(std::abs(fourth / n - 3.0) < 5.0 * std::sqrt(96.0 / n));  // Var(z⁴) = 105 − 9 = 96
}

TEST_CASE("uniform01 lies in the half-open unit interval") {
  Rng rng = make_stream(5, StreamPurpose::init);
  for (int i = 0; i < 10000; ++i) {
    const double u = uniform01(rng);
    REQUIRE(u >= 0.0);
    REQUIRE(u < 1.0);
  }
}

TEST_CASE("standard_gamma has mean and variance equal to its shape (Marsaglia-Tsang, with the boost below 1)") {
  for (const double shape : {0.1, 0.7, 1.0, 2.5, 30.0}) {
    Rng rng = make_stream(21, StreamPurpose::partition);
    const int n = 200000;
    double sum = 0, sum_sq = 0, smallest = 1;
    for (int k = 0; k < n; ++k) {
      const double x = standard_gamma(rng, shape);
      smallest = std::min(smallest, x);
      sum += x;
      sum_sq += x * x;
    }
    const double mean = sum / n;
    const double variance = sum_sq / n - mean * mean;
    // Standard errors: sqrt(shape / n) for the mean; for the variance sqrt((mu4 - sigma^4) / n)
    // with the Gamma's fourth central moment mu4 = 3 shape^2 + 6 shape.
    const double mean_se = std::sqrt(shape / n);
    const double variance_se = std::sqrt((2 * shape * shape + 6 * shape) / n);
    INFO("shape " << shape << ": mean " << mean << ", variance " << variance);
    CHECK(smallest >= 0);
    CHECK(std::abs(mean - shape) < 5 * mean_se);
    CHECK(std::abs(variance - shape) < 5 * variance_se);
  }
  Rng rng = make_stream(1, StreamPurpose::partition);
  CHECK(std::isfinite(log_standard_gamma(rng, 1e-3)));  // the draw itself would often underflow
}
