#pragma once
// Random numbers, addressed rather than streamed (docs/design.md §5).
//
// Every draw comes from Random123's Philox4x64-10 (Salmon, Moraes, Dror, Shaw, "Parallel random
// numbers: as easy as 1, 2, 3", SC'11), a counter-based generator: a keyed bijection of a 256-bit
// counter. A stream of draws is named by its address
//     key = (mix(seed, purpose), worker),  counter = (step, block, 0, 0),
// and yields the four 64-bit words of block 0, then of block 1, and so on. Nothing is carried
// from one step to the next, so any worker's step t can be recomputed anywhere (another thread,
// another process, an asynchronous event, a debugger replaying it), and a worker holds no
// generator state (72 bytes on the stack while it steps). Data generation addresses a row the
// same way (worker slot: which array, step slot: the row), so generating in parallel gives the
// same bits. Draws go through the samplers below rather than std::*_distribution, whose
// algorithms differ between standard libraries: the same spec gives the same bits with any
// compiler and any thread count.
//
// Version 1 used std::mt19937_64 streams (2.5 KB each, history-dependent); version 2 changed
// every draw once, deliberately: results differ from version 1 in the bits, not in distribution.
#include <Random123/philox.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <numbers>

namespace localsgd {

__extension__ using Uint128 = unsigned __int128;  // GCC/Clang extension, for Lemire's method

// SplitMix64 (Steele, Lea, Flood, "Fast splittable pseudorandom number generators", 2014):
// a bijective 64-bit mixer; consecutive inputs give unrelated outputs.
constexpr std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30U)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27U)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31U);
}

// What draws are used for. Separate purposes never share draws, so e.g. changing the clock
// model (compute_time) cannot change the optimisation trajectory (sampling). Values are part of
// the reproducibility contract: never renumber them.
enum class StreamPurpose : std::uint64_t {
  data = 1,          // synthetic data generation (worker slot: a DataArray, step slot: the row)
  partition = 2,     // shuffling samples into shards (worker 0, step 0: one long stream)
  init = 3,          // random starting points (worker 0, step 0)
  sampling = 4,      // a worker's mini-batch indices / oracle noise at a step
  compute_time = 5,  // a worker's compute time of a step
  worker_slowdown = 6,  // a worker's slowdown factor, drawn once per run (clock.slowdown; step 0)
  participation = 7,    // who takes part in round r (worker 0 for a draw of the set, worker i for
                        // i's own presence; step slot: r)
  local_work = 8,       // worker i's local step count in round r (step slot: r)
  compression = 9,      // worker i's compression draws at step t (random-k subsets, QSGD's
                        // rounding; algorithms/compression/; step slot: t)
  topology = 10,        // a random gossip graph (algorithms/topology/random_regular.hpp: worker slot
                        // = attempt; keyed by the topology's own graph_seed, not the run seed)
};

// Within StreamPurpose::data, the worker slot names what is generated, so that the row-addressed
// arrays and the problem's parameters never share draws. Never renumber.
enum class DataArray : std::uint64_t {
  parameters = 0,  // vectors of the problem itself (x*, a separating direction, ...): step 0
  rows = 1,        // sample j's features, then its target or label: step j
  basis = 2,       // row j of a random basis (low-rank designs): step j
  workers = 3,     // worker i's own quantities (per-worker optima, Hessians): step i
  noise = 4,       // sample j's target noise, where its row is not drawn at (rows, j): step j
};
constexpr std::uint64_t data_slot(DataArray array) { return static_cast<std::uint64_t>(array); }

// The first key word of every stream of a purpose: computed once per run, not per draw.
constexpr std::uint64_t purpose_key(std::uint64_t seed, StreamPurpose purpose) {
  return splitmix64(splitmix64(seed) ^ static_cast<std::uint64_t>(purpose));
}

// The draws at one address: a small value, made where the draws are needed and then dropped.
class Rng {
 public:
  using result_type = std::uint64_t;

  // key = (purpose_key, worker), counter = (step, 0, 0, 0) for the first block.
  Rng(std::uint64_t purpose_key_word, std::uint64_t worker, std::uint64_t step)
      : key_{{purpose_key_word, worker}}, step_(step) {}
  Rng(std::uint64_t seed, StreamPurpose purpose, std::uint64_t worker, std::uint64_t step)
      : Rng(purpose_key(seed, purpose), worker, step) {}

  // The next 64-bit word of the address's sequence.
  std::uint64_t operator()() {
    if (next_ == 4) refill();
    return words_[next_++];
  }

  // Equal: the same address at the same position (tests use it to see that nothing was drawn).
  friend bool operator==(const Rng& a, const Rng& b) {
    return a.key_.v[0] == b.key_.v[0] && a.key_.v[1] == b.key_.v[1] && a.step_ == b.step_ && a.block_ == b.block_ &&
           a.words_ == b.words_ && a.next_ == b.next_;
  }

  static constexpr std::uint64_t min() { return 0; }
  static constexpr std::uint64_t max() { return ~std::uint64_t{0}; }

  // Block `block` of the address (key, step): Philox4x64-10 of the counter (step, block, 0, 0).
  static std::array<std::uint64_t, 4> block_words(const r123array2x64& key, std::uint64_t step, std::uint64_t block) {
    const r123array4x64 counter{{step, block, 0, 0}};
    const r123array4x64 out = philox4x64_R(10, counter, key);
    return {out.v[0], out.v[1], out.v[2], out.v[3]};
  }

 private:
  void refill() {
    words_ = block_words(key_, step_, block_++);
    next_ = 0;
  }

  r123array2x64 key_;
  std::uint64_t step_;
  std::uint64_t block_ = 0;
  std::array<std::uint64_t, 4> words_{};
  unsigned next_ = 4;
};

// The draws at (seed, purpose, worker, step 0) as one long sequence: for set-up draws that are
// made once, in one order (a shuffle, a starting point, a test's data).
inline Rng make_stream(std::uint64_t seed, StreamPurpose purpose, std::uint64_t worker = 0) {
  return Rng(seed, purpose, worker, 0);
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

// `count` standard normals into out[0..count): Box–Muller using both values of each pair
// (r·cos θ, r·sin θ), half the logarithms of calling standard_normal per value. For an odd count
// the last value is standard_normal's. Used where many normals are drawn at one address (a row).
inline void fill_standard_normals(Rng& rng, double* out, std::int64_t count) {
  std::int64_t k = 0;
  for (; k + 1 < count; k += 2) {
    const double u1 = 1.0 - uniform01(rng);
    const double u2 = uniform01(rng);
    const double r = std::sqrt(-2.0 * std::log(u1));
    const double theta = 2.0 * std::numbers::pi * u2;
    out[k] = r * std::cos(theta);
    out[k + 1] = r * std::sin(theta);
  }
  if (k < count) out[k] = standard_normal(rng);
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
