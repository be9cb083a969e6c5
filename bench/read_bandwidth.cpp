// The machine's limit for the benchmark's workloads: how fast the memory system delivers a data
// set of a given shape when it is simply read, in order, with a dot product per row (SIMD, no
// dependency on the previous row). Each of `threads` threads reads its contiguous share of the
// rows, over and over, until `reads` rows are read in all. A least-squares sample-gradient reads
// one row (at a random place, so usually no faster than in order) and also computes and writes a
// gradient, so rows per second here bound sample-gradients per second from above. One JSON object
// per (threads, repetition) on stdout.
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
  CLI::App app{"in-order read bandwidth of a dense row-major matrix, in rows per second"};
  long rows = 1000, dim = 100, reads = 1'000'000;
  int repeat = 1;
  std::vector<int> threads{1, 2};
  app.add_option("--rows", rows, "n")->required()->check(CLI::PositiveNumber);
  app.add_option("--dim", dim, "d")->required()->check(CLI::PositiveNumber);
  app.add_option("--reads", reads, "rows read in all (at least one pass over the matrix)")->check(CLI::PositiveNumber);
  app.add_option("--threads", threads, "thread counts, e.g. 1,2")->delimiter(',');
  app.add_option("--repeat", repeat, "repetitions")->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);

  std::vector<double> a(static_cast<std::size_t>(rows * dim));
  Rng fill(0, StreamPurpose::data, data_slot(DataArray::rows), 0);
  for (double& v : a) v = standard_normal(fill);
  const std::vector<double> x(static_cast<std::size_t>(dim), 1.0);
  const long passes = std::max(1L, (reads + rows - 1) / rows);

  for (int r = 0; r < repeat; ++r) {
    for (const int t : threads) {
      double total = 0;
      const auto started = std::chrono::steady_clock::now();
#pragma omp parallel num_threads(t) reduction(+ : total)
      {
        const int k = omp_get_thread_num();
        const long lo = rows * k / t;
        const long hi = rows * (k + 1) / t;
        for (long pass = 0; pass < passes; ++pass) {
          for (long j = lo; j < hi; ++j) total += kernels::dot(a.data() + j * dim, x.data(), dim);
        }
      }
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      const double read = static_cast<double>(passes) * static_cast<double>(rows);
      fmt::print("{{\"threads\": {}, \"repetition\": {}, \"seconds\": {}, \"rows_per_second\": {}, "
                 "\"gigabytes_per_second\": {}, \"checksum\": {}}}\n",
                 t, r, seconds, read / seconds, read * static_cast<double>(dim) * 8.0 / seconds / 1e9, total);
      std::fflush(stdout);
    }
  }
  return 0;
}
