#pragma once
// Hand-written kernels for the per-sample work of dense problems: dot products, y += αa, y /= s.
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

// At most this many rows per least_squares_accumulate call.
inline constexpr int kLeastSquaresChunk = 16;

// The least-squares per-sample gradients of `count` <= kLeastSquaresChunk rows of a row-major
// matrix `a` (row j at a + j·d), added to `out` in the order b = 0, 1, …, count − 1:
//   out += a_j (a_jᵀx − y_j),  j = rows[b],
// the same bits as the loop  for b: { r = a.row(j).dot(x) − y[j]; out.noalias() += r * a.row(j)ᵀ; }.
// The rows are prefetched and their dot products computed two at a time (independent chains),
// which changes no sum.
void least_squares_accumulate(const double* a, const double* targets, Index d, const Index* rows, int count,
                              const double* x, double* out);

// The same with a chosen version (tests compare every supported one).
double dot(Isa isa, const double* a, const double* x, Index d);
void axpy(Isa isa, double alpha, const double* a, double* y, Index d);
void divide(Isa isa, double* y, double s, Index d);
void least_squares_accumulate(Isa isa, const double* a, const double* targets, Index d, const Index* rows,
                              int count, const double* x, double* out);

}  // namespace localsgd::kernels
