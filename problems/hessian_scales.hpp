#pragma once
// Per-worker eigenvalue scales for the quadratic's per-worker Hessians (problems/quadratic.hpp):
// H_i = Q diag(λ ⊙ s_i) Qᵀ with s_i,k > 0 and (1/p) Σ_i s_i,k = 1 for every k (up to rounding),
// so that the workers' Hessians share H's eigenvectors and average to H = Q diag(λ) Qᵀ.
//
// s_i,k = exp(ω g_i,k) / ((1/p) Σ_j exp(ω g_j,k)) with g_i,k ~ N(0, 1): log-normal scales whose
// spread ω is the standard deviation of log s_i,k around its (worker-averaged) centre. Computed
// with the largest exponent subtracted first (log-sum-exp), so nothing overflows.
#include "core/random.hpp"
#include "core/types.hpp"

namespace localsgd {

// The largest ω accepted: with p·d normal draws the exponents ω (g_max − g_min) stay far below
// the ~745 where exp underflows, so every s_i,k is a positive, finite double.
inline constexpr double kMaxHessianHeterogeneity = 10;

// A p × d matrix of scales (row i = s_i), drawn worker by worker, d normals each, from `rng`.
// Needs workers >= 1 and 0 <= omega <= kMaxHessianHeterogeneity (std::invalid_argument otherwise).
Eigen::MatrixXd draw_hessian_scales(Rng& rng, int workers, Index dim, double omega);

}  // namespace localsgd
