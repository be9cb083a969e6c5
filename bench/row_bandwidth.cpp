// The machine's limit for the benchmark's workloads: how fast can rows of a data set of a given
// size be read in random order, with nothing else done but a dot product per row? Each of
// `threads` threads reads `reads / threads` rows drawn uniformly from the whole matrix, fetching
// each row 8 rows ahead (as the simulator does), and sums a_jᵀx. A sample-gradient of least
// squares reads one row and also writes a gradient, so no oracle can be faster than this probe
// on the same data size. One JSON object per (threads, repetition) on stdout.
#include <fmt/format.h>
#include <omp.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdint>
#include <vector>

#include "core/kernels.hpp"
#include "core/random.hpp"

int main(int argc, char** argv) {
  using namespace localsgd;
  CLI::App app{"random-row read bandwidth of a dense row-major matrix"};
  long rows = 1000, dim = 100, reads = 1'000'000;
  int repeat = 1;
  std::vector<int> threads{1, 2};
  app.add_option("--rows", rows, "n")->required()->check(CLI::PositiveNumber);
  app.add_option("--dim", dim, "d")->required()->check(CLI::PositiveNumber);
  app.add_option("--reads", reads, "rows read in all")->check(CLI::PositiveNumber);
  app.add_option("--threads", threads, "thread counts, e.g. 1,2")->delimiter(',');
  app.add_option("--repeat", repeat, "repetitions")->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);

  std::vector<double> a(static_cast<std::size_t>(rows * dim));
  Rng fill = make_stream(0, StreamPurpose::data);
  for (double& v : a) v = standard_normal(fill);
  std::vector<double> x(static_cast<std::size_t>(dim), 1.0);
  constexpr int kAhead = 16;

  for (int r = 0; r < repeat; ++r) {
    for (const int t : threads) {
      double total = 0;
      const auto started = std::chrono::steady_clock::now();
#pragma omp parallel num_threads(t) reduction(+ : total)
      {
        Rng rng = make_stream(1, StreamPurpose::sampling, static_cast<std::uint64_t>(omp_get_thread_num()));
        const long mine = reads / t;
        Index ring[kAhead];
        for (Index& j : ring) j = static_cast<Index>(uniform_index(rng, static_cast<std::uint64_t>(rows)));
        kernels::prefetch_rows(a.data(), dim, ring, kAhead);
        for (long k = 0; k < mine; ++k) {
          const Index j = ring[k % kAhead];
          total += kernels::dot(a.data() + j * dim, x.data(), dim);
          Index& next = ring[k % kAhead];
          next = static_cast<Index>(uniform_index(rng, static_cast<std::uint64_t>(rows)));
          kernels::prefetch_rows(a.data(), dim, &next, 1);
        }
      }
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      const double bytes = static_cast<double>(reads / t * t) * static_cast<double>(dim) * 8.0;
      fmt::print("{{\"threads\": {}, \"repetition\": {}, \"seconds\": {}, \"rows_per_second\": {}, "
                 "\"gigabytes_per_second\": {}, \"checksum\": {}}}\n",
                 t, r, seconds, static_cast<double>(reads / t * t) / seconds, bytes / seconds / 1e9, total);
      std::fflush(stdout);
    }
  }
  return 0;
}
