// core/kernels.hpp: the kernels' sums have the documented fixed shape, whatever clone
// (SSE2, AVX2, AVX-512) the machine runs, and equal the plain Eigen loops of this build.
#include "core/kernels.hpp"

#include <catch2/catch.hpp>
#include <vector>

#include "core/random.hpp"

using namespace localsgd;

namespace {

// The documented order, written out one scalar operation at a time.
double reference_dot(const double* a, const double* x, Index d) {
  if (d == 0) return 0.0;
  if (d < 4) {
    double r = a[0] * x[0];
    for (Index k = 1; k < d; ++k) r += a[k] * x[k];
    return r;
  }
  const Index e2 = d / 4 * 4;
  double lane[4];
  for (int l = 0; l < 4; ++l) lane[l] = a[l] * x[l];
  for (Index k = 4; k < e2; ++k) lane[k % 4] += a[k] * x[k];
  double s0 = lane[0] + lane[2];
  double s1 = lane[1] + lane[3];
  if (d - e2 >= 2) {
    s0 += a[e2] * x[e2];
    s1 += a[e2 + 1] * x[e2 + 1];
  }
  double r = s0 + s1;
  if (d % 2 == 1) r += a[d - 1] * x[d - 1];
  return r;
}

Vector random_vector(Rng& rng, Index d) {
  Vector v(d);
  for (Index k = 0; k < d; ++k) v[k] = standard_normal(rng) * std::exp(3.0 * standard_normal(rng));
  return v;
}

}  // namespace

namespace {
std::vector<kernels::Isa> supported_versions() {
  std::vector<kernels::Isa> out;
  for (const auto isa : {kernels::Isa::baseline, kernels::Isa::avx2, kernels::Isa::avx512}) {
    if (kernels::supported(isa)) out.push_back(isa);
  }
  return out;
}
}  // namespace

TEST_CASE("kernels: the version chosen is the best one this CPU has, and every version it has is used") {
  // The CPU's own feature flags, asked independently of kernels::supported.
  __builtin_cpu_init();
  const bool has_avx2 = __builtin_cpu_supports("avx2") != 0;
  const bool has_avx512 = __builtin_cpu_supports("avx512f") != 0;
  const kernels::Isa expected = has_avx512 ? kernels::Isa::avx512
                                : has_avx2 ? kernels::Isa::avx2
                                           : kernels::Isa::baseline;
  CHECK(kernels::best_isa() == expected);
  CHECK(kernels::supported(kernels::Isa::avx2) == has_avx2);
  CHECK(kernels::supported(kernels::Isa::avx512) == has_avx512);
  // Each supported version against the scalar reference in the documented order (the tests
  // below do the same for every kernel); an unsupported one is never run.
  Rng rng = make_stream(7, StreamPurpose::data);
  const Vector a = random_vector(rng, 23);
  const Vector x = random_vector(rng, 23);
  for (const auto isa : supported_versions()) {
    INFO("isa " << static_cast<int>(isa));
    CHECK(kernels::dot(isa, a.data(), x.data(), 23) == reference_dot(a.data(), x.data(), 23));
  }
}

TEST_CASE("kernels::dot sums in the documented order, which is Eigen's two-double-packet reduction") {
  Rng rng = make_stream(1, StreamPurpose::data);
  for (Index d = 0; d <= 70; ++d) {
    for (int trial = 0; trial < 20; ++trial) {
      const Vector a = random_vector(rng, d);
      const Vector x = random_vector(rng, d);
      INFO("d = " << d);
      const double got = kernels::dot(a.data(), x.data(), d);
      REQUIRE(got == reference_dot(a.data(), x.data(), d));
      for (const auto isa : supported_versions()) REQUIRE(kernels::dot(isa, a.data(), x.data(), d) == got);
#if defined(EIGEN_VECTORIZE_SSE2) && !defined(EIGEN_VECTORIZE_AVX)
      // In this build (baseline x86-64) Eigen reduces with the same shape.
      REQUIRE(got == a.dot(x));
#endif
    }
  }
}

TEST_CASE("kernels::dot_rows and add_rows equal one dot and one axpy per row, in row order, bit for bit") {
  Rng rng = make_stream(2, StreamPurpose::data);
  for (const Index d : {1, 2, 3, 5, 8, 21, 100}) {
    RowMatrix a(30, d);
    for (Index j = 0; j < 30; ++j) a.row(j) = random_vector(rng, d).transpose();
    const Vector x = random_vector(rng, d);
    for (int count = 0; count <= 19; ++count) {
      std::vector<Index> rows;
      for (int b = 0; b < count; ++b) rows.push_back(static_cast<Index>(uniform_index(rng, 30)));
      const Vector scales = random_vector(rng, count);
      const Vector start = random_vector(rng, d);
      // The reference: row by row, the documented dot and one rounding per product and per sum.
      std::vector<double> expected_dots;
      Vector expected = start;
      for (int b = 0; b < count; ++b) {
        const Index j = rows[static_cast<std::size_t>(b)];
        expected_dots.push_back(reference_dot(a.row(j).data(), x.data(), d));
        for (Index k = 0; k < d; ++k) expected[k] = expected[k] + scales[b] * a(j, k);
      }
      INFO("d = " << d << ", rows = " << count);
      std::vector<double> dots(static_cast<std::size_t>(count));
      Vector got = start;
      kernels::dot_rows(a.data(), d, rows.data(), count, x.data(), dots.data());
      kernels::add_rows(a.data(), d, rows.data(), count, scales.data(), got.data());
      REQUIRE(dots == expected_dots);
      REQUIRE((got.array() == expected.array()).all());
      for (const auto isa : supported_versions()) {
        std::vector<double> other_dots(static_cast<std::size_t>(count));
        Vector other = start;
        kernels::dot_rows(isa, a.data(), d, rows.data(), count, x.data(), other_dots.data());
        kernels::add_rows(isa, a.data(), d, rows.data(), count, scales.data(), other.data());
        REQUIRE(other_dots == expected_dots);
        REQUIRE((other.array() == expected.array()).all());
      }
    }
  }
}

TEST_CASE("kernels::axpy is y + alpha a, one rounding per product and per sum") {
  Rng rng = make_stream(3, StreamPurpose::data);
  for (Index d = 0; d <= 37; ++d) {
    const Vector a = random_vector(rng, d);
    Vector y = random_vector(rng, d);
    Vector expected = y;
    const double alpha = standard_normal(rng);
    expected.noalias() += alpha * a;
    for (const auto isa : supported_versions()) {
      Vector other = y;
      kernels::axpy(isa, alpha, a.data(), other.data(), d);
      REQUIRE((other.array() == expected.array()).all());
    }
    kernels::axpy(alpha, a.data(), y.data(), d);
    REQUIRE((y.array() == expected.array()).all());
  }
}

TEST_CASE("kernels::divide is y / s element by element, also through the reciprocal of a power of two") {
  Rng rng = make_stream(4, StreamPurpose::data);
  for (const double s : {1.0, 2.0, 3.0, 4.0, 7.0, 8.0, 16.0, 1024.0, 0.5, 0x1p-1000, 0x1p1023, -8.0, 1e-310}) {
    for (Index d = 0; d <= 19; ++d) {
      Vector y = random_vector(rng, d);
      if (d > 2) {
        y[0] = 0x1p-1070;  // subnormal: the division rounds
        y[1] = -0x1.8p-1060;
        y[2] = 0x1.fffffffffffffp1023;
      }
      Vector expected = y;
      expected /= s;
      for (const auto isa : supported_versions()) {
        Vector got = y;
        kernels::divide(isa, got.data(), s, d);
        INFO("s = " << s << ", d = " << d);
        REQUIRE((got.array() == expected.array()).all());
      }
      kernels::divide(y.data(), s, d);
      REQUIRE((y.array() == expected.array()).all());
    }
  }
}
