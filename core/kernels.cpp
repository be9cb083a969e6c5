#include "core/kernels.hpp"

#include "core/eigen_blocking.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

// This file is compiled with -ffp-contract=off (problems/CMakeLists.txt): a product and the sum
// it feeds must stay two roundings, or the AVX2/AVX-512 versions would differ from the baseline.

namespace localsgd::kernels {

namespace {

typedef double V4 __attribute__((vector_size(32)));  // four lanes: two SSE2 packets, one AVX register

[[gnu::always_inline]] inline V4 load4(const double* p) {
  V4 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// The reduction order documented in core/kernels.hpp, for d >= 4, with the lanes already summed
// over k < 4⌊d/4⌋.
[[gnu::always_inline]] inline double finish(V4 lanes, const double* a, const double* x, Index d) {
  const Index e2 = d / 4 * 4;
  double s0 = lanes[0] + lanes[2];
  double s1 = lanes[1] + lanes[3];
  if (d - e2 >= 2) {
    s0 += a[e2] * x[e2];
    s1 += a[e2 + 1] * x[e2 + 1];
  }
  double r = s0 + s1;
  if ((d & 1) != 0) r += a[d - 1] * x[d - 1];
  return r;
}

[[gnu::always_inline]] inline double short_dot(const double* a, const double* x, Index d) {  // d < 4
  if (d <= 0) return 0.0;
  if (d == 1) return a[0] * x[0];
  double r = a[0] * x[0] + a[1] * x[1];
  if (d == 3) r += a[2] * x[2];
  return r;
}

// R dot products with the same x, side by side: R independent chains, each summed in the
// documented order.
template <int R>
[[gnu::always_inline]] inline void dot_rows(const double* const* rows, const double* x, Index d, double* out) {
  if (d < 4) {
    for (int r = 0; r < R; ++r) out[r] = short_dot(rows[r], x, d);
    return;
  }
  const Index e2 = d / 4 * 4;
  const V4 x0 = load4(x);
  V4 lanes[R];
  for (int r = 0; r < R; ++r) lanes[r] = load4(rows[r]) * x0;
  for (Index k = 4; k < e2; k += 4) {
    const V4 xk = load4(x + k);
    for (int r = 0; r < R; ++r) lanes[r] += load4(rows[r] + k) * xk;
  }
  for (int r = 0; r < R; ++r) out[r] = finish(lanes[r], rows[r], x, d);
}

[[gnu::always_inline]] inline double dot1(const double* a, const double* x, Index d) {
  double r = 0;
  dot_rows<1>(&a, x, d, &r);
  return r;
}

// y[k] += alphas[0]·rows[0][k], then += alphas[1]·rows[1][k], …: in one pass over y, the same
// operations in the same order per element as R separate passes.
template <int R>
[[gnu::always_inline]] inline void axpy_rows(const double* alphas, const double* const* rows, double* y, Index d) {
  for (Index k = 0; k < d; ++k) {
    double v = y[k];
    for (int r = 0; r < R; ++r) v = v + alphas[r] * rows[r][k];
    y[k] = v;
  }
}

[[gnu::always_inline]] inline void axpy_inline(double alpha, const double* a, double* y, Index d) {
  axpy_rows<1>(&alpha, &a, y, d);
}

// 1/s when it is exact and y·(1/s) then equals y/s for every y: s a power of two whose inverse
// is a normal number. 0 otherwise.
inline double exact_reciprocal(double s) {
  int exponent = 0;
  const double mantissa = std::frexp(s, &exponent);
  if (mantissa != 0.5 && mantissa != -0.5) return 0.0;
  const double inverse = 1.0 / s;
  return std::isnormal(inverse) && std::isnormal(s) ? inverse : 0.0;
}

[[gnu::always_inline]] inline void divide_inline(double* y, double s, Index d) {
  const double inverse = exact_reciprocal(s);
  if (inverse != 0.0) {
    for (Index k = 0; k < d; ++k) y[k] = y[k] * inverse;
  } else {
    for (Index k = 0; k < d; ++k) y[k] = y[k] / s;
  }
}

[[gnu::always_inline]] inline void dot_rows_inline(const double* a, Index d, const Index* rows, int count,
                                                   const double* x, double* dots) {
  int b = 0;
  for (; b + 4 <= count; b += 4) {
    const double* row[4] = {a + rows[b] * d, a + rows[b + 1] * d, a + rows[b + 2] * d, a + rows[b + 3] * d};
    dot_rows<4>(row, x, d, dots + b);
  }
  for (; b + 2 <= count; b += 2) {
    const double* row[2] = {a + rows[b] * d, a + rows[b + 1] * d};
    dot_rows<2>(row, x, d, dots + b);
  }
  for (; b < count; ++b) {
    const double* row = a + rows[b] * d;
    dot_rows<1>(&row, x, d, dots + b);
  }
}

[[gnu::always_inline]] inline void add_rows_inline(const double* a, Index d, const Index* rows, int count,
                                                   const double* scales, double* y) {
  int b = 0;
  for (; b + 4 <= count; b += 4) {
    const double* row[4] = {a + rows[b] * d, a + rows[b + 1] * d, a + rows[b + 2] * d, a + rows[b + 3] * d};
    axpy_rows<4>(scales + b, row, y, d);
  }
  for (; b + 2 <= count; b += 2) {
    const double* row[2] = {a + rows[b] * d, a + rows[b + 1] * d};
    axpy_rows<2>(scales + b, row, y, d);
  }
  for (; b < count; ++b) {
    const double* row = a + rows[b] * d;
    axpy_rows<1>(scales + b, &row, y, d);
  }
}

// One compiled version per instruction set, from the same inline code.
#define LOCALSGD_KERNELS_FOR(suffix, attribute)                                                              \
  attribute double dot_##suffix(const double* a, const double* x, Index d) { return dot1(a, x, d); }      \
  attribute void axpy_##suffix(double alpha, const double* a, double* y, Index d) {                       \
    axpy_inline(alpha, a, y, d);                                                                             \
  }                                                                                                          \
  attribute void divide_##suffix(double* y, double s, Index d) { divide_inline(y, s, d); }                 \
  attribute void dot_rows_##suffix(const double* a, Index d, const Index* rows, int count, const double* x, \
                                   double* dots) {                                                           \
    dot_rows_inline(a, d, rows, count, x, dots);                                                             \
  }                                                                                                          \
  attribute void add_rows_##suffix(const double* a, Index d, const Index* rows, int count,                   \
                                   const double* scales, double* y) {                                        \
    add_rows_inline(a, d, rows, count, scales, y);                                                           \
  }

LOCALSGD_KERNELS_FOR(baseline, )
LOCALSGD_KERNELS_FOR(avx2, [[gnu::target("avx2")]])
LOCALSGD_KERNELS_FOR(avx512, [[gnu::target("avx512f")]])
#undef LOCALSGD_KERNELS_FOR

struct Table {
  double (*dot)(const double*, const double*, Index);
  void (*axpy)(double, const double*, double*, Index);
  void (*divide)(double*, double, Index);
  void (*dot_rows)(const double*, Index, const Index*, int, const double*, double*);
  void (*add_rows)(const double*, Index, const Index*, int, const double*, double*);
};

const Table& table(Isa isa) {
  static const Table baseline{dot_baseline, axpy_baseline, divide_baseline, dot_rows_baseline, add_rows_baseline};
  static const Table avx2{dot_avx2, axpy_avx2, divide_avx2, dot_rows_avx2, add_rows_avx2};
  static const Table avx512{dot_avx512, axpy_avx512, divide_avx512, dot_rows_avx512, add_rows_avx512};
  switch (isa) {
    case Isa::avx512: return avx512;
    case Isa::avx2: return avx2;
    case Isa::baseline: break;
  }
  return baseline;
}

const Table& best() {
  static const Table& chosen = table(best_isa());
  return chosen;
}

}  // namespace

bool supported(Isa isa) {
  switch (isa) {
    case Isa::avx512: return __builtin_cpu_supports("avx512f") != 0;
    case Isa::avx2: return __builtin_cpu_supports("avx2") != 0;
    case Isa::baseline: break;
  }
  return true;
}

Isa best_isa() {
  // Also links core/eigen_blocking.cpp into every binary that uses the kernels, so that Eigen's
  // products block the same way on every machine from start-up on.
  if (!kEigenBlockingPinned) pin_eigen_blocking();
  if (supported(Isa::avx512)) return Isa::avx512;
  if (supported(Isa::avx2)) return Isa::avx2;
  return Isa::baseline;
}

double dot(const double* a, const double* x, Index d) { return best().dot(a, x, d); }

void axpy(double alpha, const double* a, double* y, Index d) { best().axpy(alpha, a, y, d); }

void divide(double* y, double s, Index d) { best().divide(y, s, d); }

void dot_rows(const double* a, Index d, const Index* rows, int count, const double* x, double* dots) {
  best().dot_rows(a, d, rows, count, x, dots);
}

void add_rows(const double* a, Index d, const Index* rows, int count, const double* scales, double* y) {
  best().add_rows(a, d, rows, count, scales, y);
}

double dot(Isa isa, const double* a, const double* x, Index d) { return table(isa).dot(a, x, d); }

void axpy(Isa isa, double alpha, const double* a, double* y, Index d) { table(isa).axpy(alpha, a, y, d); }

void divide(Isa isa, double* y, double s, Index d) { table(isa).divide(y, s, d); }

void dot_rows(Isa isa, const double* a, Index d, const Index* rows, int count, const double* x, double* dots) {
  table(isa).dot_rows(a, d, rows, count, x, dots);
}

void add_rows(Isa isa, const double* a, Index d, const Index* rows, int count, const double* scales, double* y) {
  table(isa).add_rows(a, d, rows, count, scales, y);
}

}  // namespace localsgd::kernels
