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

std::vector<kernels::Isa> supported_versions() {
  std::vector<kernels::Isa> out;
  for (const auto isa : {kernels::Isa::baseline, kernels::Isa::avx2, kernels::Isa::avx512}) {
    if (kernels::supported(isa)) out.push_back(isa);
  }
  return out;
}

TEST_CASE("kernels: every supported version is compiled for its instruction set and one is chosen") {
  CHECK(kernels::supported(kernels::Isa::baseline));
  CHECK(kernels::supported(kernels::best_isa()));
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

TEST_CASE("kernels::least_squares_accumulate equals the plain per-sample loop bit for bit") {
  Rng rng = make_stream(2, StreamPurpose::data);
  for (const Index d : {1, 2, 3, 5, 8, 21, 100}) {
    RowMatrix a(30, d);
    for (Index j = 0; j < 30; ++j) a.row(j) = random_vector(rng, d).transpose();
    const Vector y = random_vector(rng, 30);
    const Vector x = random_vector(rng, d);
    for (int count = 1; count <= kernels::kLeastSquaresChunk; ++count) {
      std::vector<Index> rows;
      for (int b = 0; b < count; ++b) rows.push_back(static_cast<Index>(uniform_index(rng, 30)));
      Vector expected = random_vector(rng, d);
      Vector got = expected;
      for (const Index j : rows) {
        const double residual = reference_dot(a.row(j).data(), x.data(), d) - y[j];
        for (Index k = 0; k < d; ++k) expected[k] = expected[k] + residual * a(j, k);
      }
      const Vector start = got;
      kernels::least_squares_accumulate(a.data(), y.data(), d, rows.data(), count, x.data(), got.data());
      INFO("d = " << d << ", rows = " << count);
      REQUIRE((got.array() == expected.array()).all());
      for (const auto isa : supported_versions()) {
        Vector other = start;
        kernels::least_squares_accumulate(isa, a.data(), y.data(), d, rows.data(), count, x.data(), other.data());
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
