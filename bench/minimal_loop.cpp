// The minimal C++ loop of the benchmark (bench/README.md): builds the same synthetic least-squares
// data and i.i.d. shards as the simulator's `least_squares` problem (the same generator code, the
// same data_seed), then times local SGD written as one flat loop (bench/minimal_loop.hpp) for
// each requested thread count, seed and repetition. One JSON object per timed run on stdout.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cmath>

#include "bench/minimal_loop.hpp"
#include "problems/partition.hpp"
#include "problems/regression_data.hpp"

int main(int argc, char** argv) {
  using namespace localsgd;
  CLI::App app{"minimal local SGD loop on the simulator's least-squares data"};
  int workers = 1, batch = 1, repeat = 1;
  long dim = 10, per_worker = 100, steps = 100, period = 1;
  double eta = 0.01, noise = 0.1;
  std::uint64_t data_seed = 0;
  std::vector<std::uint64_t> seeds{0};
  std::vector<int> threads{1};
  app.add_option("--workers", workers, "p")->required()->check(CLI::PositiveNumber);
  app.add_option("--dim", dim, "d")->required()->check(CLI::PositiveNumber);
  app.add_option("--samples-per-worker", per_worker, "rows per worker (n = p * this)")->required();
  app.add_option("--batch", batch, "B")->required()->check(CLI::PositiveNumber);
  app.add_option("--period", period, "tau")->required()->check(CLI::PositiveNumber);
  app.add_option("--steps", steps, "T")->required()->check(CLI::PositiveNumber);
  app.add_option("--eta", eta, "constant step size")->required();
  app.add_option("--noise", noise, "label noise of the synthetic data");
  app.add_option("--data-seed", data_seed, "problem.data_seed");
  app.add_option("--seeds", seeds, "run seeds (each timed separately)")->delimiter(',');
  app.add_option("--threads", threads, "thread counts to time, e.g. 1,2")->delimiter(',');
  app.add_option("--repeat", repeat, "repetitions of each (threads, seed)")->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);

  const auto generation_started = std::chrono::steady_clock::now();
  const Index n = static_cast<Index>(workers) * per_worker;
  const auto data = make_synthetic_regression({n, dim, noise}, data_seed);
  const auto shards = iid_partition(n, workers, data_seed);
  const double generation =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - generation_started).count();
  const Vector x0 = Vector::Zero(dim);

  for (int r = 0; r < repeat; ++r) {
    for (const int t : threads) {
      for (const std::uint64_t seed : seeds) {
        const bench::MinimalConfig config{workers, steps, batch, period, eta, seed, t};
        const bench::MinimalResult result = bench::minimal_local_sgd(*data, shards, config, x0);
        fmt::print(
            "{{\"threads\": {}, \"seed\": {}, \"repetition\": {}, \"seconds\": {}, \"sample_gradients\": {}, "
            "\"data_seconds\": {}, \"start_loss\": {}, \"final_loss\": {}, \"final_grad_norm_sq\": {}, "
            "\"final_consensus\": {}}}\n",
            t, seed, r, result.seconds, static_cast<double>(workers) * static_cast<double>(steps) * batch, generation,
            result.start.loss, result.end.loss, result.end.grad_norm_sq, result.end.consensus);
        std::fflush(stdout);
      }
    }
  }
  return 0;
}
