// Cost of a worker's mini-batch draws, before and after version 2's addressed random numbers
// (bench/README.md, "Random numbers"). Both ways are measured in the same run, on the same draw
// pattern: p workers step in turn through a stretch of `steps` steps, each step drawing B row
// indices from a shard of `shard` rows (Lemire's method).
//   version 1: a std::mt19937_64 stream per worker (2.5 KB each), advanced across steps;
//   version 2: the address (seed, sampling, worker, step) made at the step, Philox4x64-10.
// Prints one JSON object per (B, repetition): nanoseconds per index drawn for each, and the ratio.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdint>
#include <random>
#include <vector>

#include "core/random.hpp"

namespace {

using namespace localsgd;

// Version 1's sampler on a std::mt19937_64 (Lemire, ACM TOMACS 2019), as it was.
std::uint64_t uniform_index_v1(std::mt19937_64& rng, std::uint64_t n) {
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

template <class F>
double seconds(const F& f) {
  const auto start = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"nanoseconds per mini-batch index: mt19937_64 streams (version 1) vs addressed Philox (version 2)"};
  int workers = 1000, repeat = 3;
  long steps = 2000;
  std::uint64_t shard = 1000;
  std::vector<int> batches{1, 8, 16};
  app.add_option("--workers", workers, "p")->check(CLI::PositiveNumber);
  app.add_option("--steps", steps, "steps per worker")->check(CLI::PositiveNumber);
  app.add_option("--shard", shard, "rows per shard")->check(CLI::PositiveNumber);
  app.add_option("--batch", batches, "mini-batch sizes, e.g. 1,8")->delimiter(',');
  app.add_option("--repeat", repeat, "repetitions")->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);

  const std::uint64_t seed = 1;
  std::vector<std::uint64_t> out(64);
  std::uint64_t checksum = 0;  // keeps the draws from being optimised away
  for (int r = 0; r < repeat; ++r) {
    for (const int batch : batches) {
      const double indices = static_cast<double>(workers) * static_cast<double>(steps) * batch;
      std::vector<std::mt19937_64> streams;
      streams.reserve(static_cast<std::size_t>(workers));
      for (int i = 0; i < workers; ++i) {
        streams.emplace_back(splitmix64(splitmix64(seed) ^ static_cast<std::uint64_t>(i)));
      }
      const double v1 = seconds([&] {
        for (int i = 0; i < workers; ++i) {
          std::mt19937_64& rng = streams[static_cast<std::size_t>(i)];
          for (long t = 1; t <= steps; ++t) {
            for (int b = 0; b < batch; ++b) out[static_cast<std::size_t>(b)] = uniform_index_v1(rng, shard);
            checksum += out[0];
          }
        }
      });
      const std::uint64_t key = purpose_key(seed, StreamPurpose::sampling);
      const double v2 = seconds([&] {
        for (int i = 0; i < workers; ++i) {
          for (long t = 1; t <= steps; ++t) {
            Rng rng(key, static_cast<std::uint64_t>(i), static_cast<std::uint64_t>(t));
            for (int b = 0; b < batch; ++b) out[static_cast<std::size_t>(b)] = uniform_index(rng, shard);
            checksum += out[0];
          }
        }
      });
      fmt::print("{{\"batch\": {}, \"v1_ns_per_index\": {:.3f}, \"v2_ns_per_index\": {:.3f}, \"v2_over_v1\": {:.3f}}}\n",
                 batch, 1e9 * v1 / indices, 1e9 * v2 / indices, v2 / v1);
    }
  }
  return checksum == 42 ? 1 : 0;  // practically never; the compiler cannot know
}
