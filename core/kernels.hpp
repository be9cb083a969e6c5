#pragma once
// Hand-written kernels for the per-row work of dense finite sums: dot products, y += αa, y /= s,
// and the same over a list of rows of a row-major matrix.
//
// Their results do not depend on the instruction set. Every sum has a fixed shape, that of
// Eigen's vectorised reduction with two-double packets (x86-64's baseline SSE2, which this
// project is built for), and products and sums are rounded separately (never fused), so the
// baseline, AVX2 and AVX-512 versions (one source, compiled three times; the best one the CPU
// supports is chosen at the first call) give the same bits as each other and as Eigen's
// `a.dot(x)` and `y += alpha * a` in this build: the kernels change speed, not results.
//
// The order of dot(a, x, d), with p_k = a_k·x_k rounded:
//   d = 1: p_0.   d = 2, 3: (p_0 + p_1) [+ p_2].
//   d >= 4: lanes L_l = (…((p_l + p_{l+4}) + p_{l+8}) + …) over k < 4⌊d/4⌋, l = 0..3;
//     s_0 = L_0 + L_2, s_1 = L_1 + L_3; if d mod 4 >= 2: s_0 += p_{4⌊d/4⌋}, s_1 += p_{4⌊d/4⌋+1};
//     result (s_0 + s_1) [+ p_{d−1} if d is odd].
#include <algorithm>
#include <cmath>
#include <cstdint>

#include "core/types.hpp"

namespace localsgd::kernels {

enum class Isa { baseline, avx2, avx512 };
bool supported(Isa isa);
Isa best_isa();  // the version the functions below run

// Σ_k a[k]·x[k] in the order above.
double dot(const double* a, const double* x, Index d);

// y[k] += alpha · a[k] for k < d (one product and one sum per element, as Eigen's
// `y.noalias() += alpha * a`).
void axpy(double alpha, const double* a, double* y, Index d);

// y[k] /= s for k < d, as Eigen's `y /= s`. When s is a power of two (B = 2, 4, 8, …) this is a
// multiplication by 1/s, which is exact and rounds to the same double as the division.
void divide(double* y, double s, Index d);

// Asks the memory system for the given rows of a row-major matrix (row j at a + j·d): the first
// kPrefetchBytes of each (the hardware prefetcher follows longer rows). Changes no value.
inline constexpr Index kPrefetchBytes = 1024;
inline void prefetch_rows(const double* a, Index d, const Index* rows, int count) {
  const Index length = std::min<Index>(d * static_cast<Index>(sizeof(double)), kPrefetchBytes);
  for (int b = 0; b < count; ++b) {
    const auto* bytes = reinterpret_cast<const char*>(a + rows[b] * d);
    for (Index offset = 0; offset < length; offset += 64) __builtin_prefetch(bytes + offset);
  }
}

// Rows of a row-major matrix `a` (row j at a + j·d), `count` of them, j = rows[b]:
//   dot_rows: dots[b] = a_jᵀx, each summed in the order of dot() above (the rows are taken up to
//     four at a time as independent chains, which changes no sum);
//   add_rows: y += scales[b] · a_j for b = 0, 1, …, count − 1, in that order per element (up to
//     four rows per pass over y), the same bits as `count` calls of axpy.
// A mini-batch gradient Σ_b s_b a_jb needs all the dots before any update, which is exact because
// x does not change while the gradient is computed.
void dot_rows(const double* a, Index d, const Index* rows, int count, const double* x, double* dots);
void add_rows(const double* a, Index d, const Index* rows, int count, const double* scales, double* y);

// The same with a chosen version (tests compare every supported one).
double dot(Isa isa, const double* a, const double* x, Index d);
void axpy(Isa isa, double alpha, const double* a, double* y, Index d);
void divide(Isa isa, double* y, double s, Index d);
void dot_rows(Isa isa, const double* a, Index d, const Index* rows, int count, const double* x, double* dots);
void add_rows(Isa isa, const double* a, Index d, const Index* rows, int count, const double* scales, double* y);

}  // namespace localsgd::kernels
