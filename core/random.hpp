#pragma once
// Random streams (docs/design.md §5).
//
// Every stream is seeded from (run seed, purpose, worker id) through the SplitMix64 mixer and
// drives a std::mt19937_64, whose output sequence the C++ standard fixes. Draws go through the
// samplers below rather than std::*_distribution, whose algorithms differ between standard
// libraries: the same spec gives the same bits with any compiler and any thread count.
#include <cmath>
#include <cstdint>
#include <numbers>
#include <random>

namespace localsgd {

using Rng = std::mt19937_64;

__extension__ using Uint128 = unsigned __int128;  // GCC/Clang extension, for Lemire's method

// SplitMix64 (Steele, Lea, Flood, "Fast splittable pseudorandom number generators", 2014):
// a bijective 64-bit mixer; consecutive inputs give unrelated outputs.
constexpr std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30U)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27U)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31U);
}

// What a stream is used for. Separate purposes never share draws, so e.g. changing the clock
// model (compute_time) cannot change the optimisation trajectory (sampling). Values are part of
// the reproducibility contract: never renumber them.
enum class StreamPurpose : std::uint64_t {
  data = 1,          // synthetic data generation (worker id 0)
  partition = 2,     // shuffling samples into shards (worker id 0)
  init = 3,          // random starting points (worker id 0)
  sampling = 4,      // a worker's mini-batch indices / oracle noise
  compute_time = 5,  // a worker's per-step compute-time draws
  worker_slowdown = 6,  // a worker's slowdown factor, drawn once per run (clock.slowdown)
};

constexpr std::uint64_t stream_seed(std::uint64_t seed, StreamPurpose purpose, std::uint64_t worker) {
  std::uint64_t h = splitmix64(seed);
  h = splitmix64(h ^ static_cast<std::uint64_t>(purpose));
  return splitmix64(h ^ splitmix64(worker));
}

inline Rng make_stream(std::uint64_t seed, StreamPurpose purpose, std::uint64_t worker = 0) {
  return Rng(stream_seed(seed, purpose, worker));
}

// Uniform integer in [0, n), n >= 1, without bias (Lemire, "Fast random integer generation in an
// interval", ACM TOMACS 2019: multiply-shift with rejection of the short first interval).
inline std::uint64_t uniform_index(Rng& rng, std::uint64_t n) {
  Uint128 m = static_cast<Uint128>(rng()) * n;
  auto low = static_cast<std::uint64_t>(m);
  if (low < n) {
    const std::uint64_t threshold = (0 - n) % n;
    while (low < threshold) {
      m = static_cast<Uint128>(rng()) * n;
      low = static_cast<std::uint64_t>(m);
    }
  }
  return static_cast<std::uint64_t>(m >> 64U);
}

// Uniform double in [0, 1) with 53 random bits.
inline double uniform01(Rng& rng) { return static_cast<double>(rng() >> 11U) * 0x1.0p-53; }

// Standard normal by the Box-Muller transform, one value per call (no cached second value, so a
// stream's state is just the generator's).
inline double standard_normal(Rng& rng) {
  const double u1 = 1.0 - uniform01(rng);  // (0, 1]: log is finite
  const double u2 = uniform01(rng);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

// Exponential with mean 1 by inversion: −log(U) with U in (0, 1], so the result is finite.
inline double standard_exponential(Rng& rng) { return -std::log(1.0 - uniform01(rng)); }
// The logarithm of a Gamma(shape, 1) draw, shape > 0, by Marsaglia and Tsang ("A simple method
// for generating gamma variables", ACM TOMS 26(3), 2000): for shape >= 1, d·v with
// d = shape − 1/3, v = (1 + c·x)³, c = 1/√(9d), x standard normal, accepted by their squeeze and
// log test; for shape < 1, Gamma(shape + 1)·U^(1/shape). The logarithm is returned because for
// small shapes the draw itself underflows to 0 (e.g. U^(1/0.01)), which would break a Dirichlet
// normalisation.
inline double log_standard_gamma(Rng& rng, double shape) {
  if (shape < 1.0) {
    const double boosted = log_standard_gamma(rng, shape + 1.0);
    const double u = 1.0 - uniform01(rng);  // (0, 1]
    return boosted + std::log(u) / shape;
  }
  const double d = shape - 1.0 / 3.0;
  const double c = 1.0 / std::sqrt(9.0 * d);
  for (;;) {
    double x = 0;
    double v = 0;
    do {
      x = standard_normal(rng);
      v = 1.0 + c * x;
    } while (v <= 0.0);
    v = v * v * v;
    const double u = uniform01(rng);
    const double x2 = x * x;
    if (u < 1.0 - 0.0331 * x2 * x2) return std::log(d) + std::log(v);
    if (u > 0.0 && std::log(u) < 0.5 * x2 + d * (1.0 - v + std::log(v))) return std::log(d) + std::log(v);
  }
}

// A Gamma(shape, 1) draw (mean and variance both equal to shape).
inline double standard_gamma(Rng& rng, double shape) { return std::exp(log_standard_gamma(rng, shape)); }

}  // namespace localsgd
