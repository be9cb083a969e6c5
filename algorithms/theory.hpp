#pragma once
// The theory's recommended synchronisation periods.
namespace localsgd {

// Haddadpour et al. 2019 (LUPA-SGD), corollary for PL objectives: linear speedup with
// O((pT)^{1/3}) rounds when τ = O(T^{2/3} / (pB)^{1/3}).  τ = max(1, round(c·T^{2/3}/(pB)^{1/3})).
// For T = 21875, p = 5, B = 128 this is 91, the period of the paper's experiments.
long lupa_theory_period(long total_steps, int workers, int batch, double c = 1.0);

// Stich, "Local SGD converges fast and communicates little" (ICLR 2019): O((pT)^{1/2}) rounds,
// τ = max(1, round(c·sqrt(T/(pB)))).  For T = 21875, p = 5, B = 128 this is 6.
long stich_period(long total_steps, int workers, int batch, double c = 1.0);

}  // namespace localsgd
