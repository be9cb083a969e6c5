// core/random.hpp: Philox4x64-10, the addressing of draws and our own samplers.
#include "core/random.hpp"

#include <algorithm>
#include <array>
#include <numbers>
#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

using namespace localsgd;

TEST_CASE("splitmix64 matches the reference generator's first output") {
  // The SplitMix64 generator with state 0 outputs 0xe220a8397b1dcdaf first (Vigna's reference C).
  CHECK(splitmix64(0) == 0xe220a8397b1dcdafULL);
}

// Random123's own known-answer vectors for Philox4x64-10 (kat_vectors in its distribution:
// counter, key, output), so that the generator under our draws can never change unnoticed.
TEST_CASE("Philox4x64-10 reproduces Random123's known-answer vectors") {
  struct Kat {
    r123array4x64 counter;
    r123array2x64 key;
    std::array<std::uint64_t, 4> out;
  };
  const std::vector<Kat> kats = {
      {{{0, 0, 0, 0}}, {{0, 0}}, {0x16554d9eca36314cULL, 0xdb20fe9d672d0fdcULL, 0xd7e772cee186176bULL, 0x7e68b68aec7ba23bULL}},
      {{{~0ULL, ~0ULL, ~0ULL, ~0ULL}}, {{~0ULL, ~0ULL}},
       {0x87b092c3013fe90bULL, 0x438c3c67be8d0224ULL, 0x9cc7d7c69cd777b6ULL, 0xa09caebf594f0ba0ULL}},
      {{{0x243f6a8885a308d3ULL, 0x13198a2e03707344ULL, 0xa4093822299f31d0ULL, 0x082efa98ec4e6c89ULL}},
       {{0x452821e638d01377ULL, 0xbe5466cf34e90c6cULL}},
       {0xa528f45403e61d95ULL, 0x38c72dbd566e9788ULL, 0xa5a1610e72fd18b5ULL, 0x57bd43b5e52b7fe6ULL}},
  };
  for (const Kat& kat : kats) {
    const r123array4x64 out = philox4x64_R(10, kat.counter, kat.key);
    for (std::size_t k = 0; k < 4; ++k) CHECK(out.v[k] == kat.out[k]);
  }
}

// Our addressing on top of it: (seed, purpose, worker, step) → key (purpose_key, worker), counter
// (step, block, 0, 0). The same words as Philox at that key and counter, block after block.
TEST_CASE("an address yields Philox's words of blocks 0, 1, 2, ... of its (key, step)") {
  const std::uint64_t seed = 42, worker = 7, step = 1234;
  Rng rng(seed, StreamPurpose::sampling, worker, step);
  const r123array2x64 key{{purpose_key(seed, StreamPurpose::sampling), worker}};
  for (std::uint64_t block = 0; block < 3; ++block) {
    const r123array4x64 out = philox4x64_R(10, r123array4x64{{step, block, 0, 0}}, key);
    for (std::size_t k = 0; k < 4; ++k) CHECK(rng() == out.v[k]);
  }
}

// A few of our own draws, pinned: changing the generator, the key derivation, a purpose number or
// a sampler changes every result, and must be a deliberate decision (docs/design.md §5).
TEST_CASE("pinned draws: (seed, purpose, worker, step) -> value") {
  CHECK(purpose_key(0, StreamPurpose::sampling) == 0x1e2385c4a57ef30dULL);
  Rng sampling(1, StreamPurpose::sampling, 3, 10);
  CHECK(sampling() == 0x394b8408aa1ca54eULL);
  Rng rows(5, StreamPurpose::sampling, 0, 1);
  CHECK(uniform_index(rows, 1000) == 203U);
  Rng data(2026, StreamPurpose::data, data_slot(DataArray::rows), 17);
  CHECK(standard_normal(data) == 0x1.9d0d1db24c2c7p-2);
  Rng compute(9, StreamPurpose::compute_time, 99, 100000);
  CHECK(uniform01(compute) == 0x1.f2d36e430f2b7p-1);
}

TEST_CASE("draws differ by seed, purpose, worker and step, and repeat at the same address") {
  auto first = [](std::uint64_t seed, StreamPurpose purpose, std::uint64_t worker, std::uint64_t step) {
    Rng rng(seed, purpose, worker, step);
    return rng();
  };
  const auto a = first(1, StreamPurpose::sampling, 0, 5);
  CHECK(a == first(1, StreamPurpose::sampling, 0, 5));
  CHECK(a != first(2, StreamPurpose::sampling, 0, 5));
  CHECK(a != first(1, StreamPurpose::compute_time, 0, 5));
  CHECK(a != first(1, StreamPurpose::sampling, 1, 5));
  CHECK(a != first(1, StreamPurpose::sampling, 0, 6));
  // A copy continues where the original stands; a later draw does not depend on earlier ones
  // having been made elsewhere.
  Rng x(3, StreamPurpose::data, 1, 2);
  (void)x();
  Rng y = x;
  CHECK(x() == y());
}

TEST_CASE("fill_standard_normals: pairs from one Box-Muller draw, odd count ends like standard_normal") {
  Rng a(4, StreamPurpose::data, 0, 0), b = a;
  std::array<double, 3> z{};
  fill_standard_normals(a, z.data(), 3);
  const double u1 = 1.0 - uniform01(b), u2 = uniform01(b);
  const double r = std::sqrt(-2.0 * std::log(u1));
  CHECK(z[0] == r * std::cos(2.0 * std::numbers::pi * u2));
  CHECK(z[1] == r * std::sin(2.0 * std::numbers::pi * u2));
  CHECK(z[2] == standard_normal(b));
  // Moments over many pairs (the sine half included).
  Rng c(8, StreamPurpose::data, 1, 3);
  const int n = 200000;
  std::vector<double> values(n);
  fill_standard_normals(c, values.data(), n);
  double sum = 0, sum_sq = 0;
  for (double v : values) {
    sum += v;
    sum_sq += v * v;
  }
  CHECK(std::abs(sum / n) < 5.0 / std::sqrt(n));
  CHECK(std::abs(sum_sq / n - 1.0) < 5.0 * std::sqrt(2.0 / n));
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
