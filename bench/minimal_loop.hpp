#pragma once
// The benchmark's upper bound: local SGD on least squares written as one flat loop, with no
// simulator around it (no problem or optimizer objects, no virtual calls, no observers, no clock,
// no schedule object). It uses the same data and shards (the caller builds them with the
// problems library's generators), the same addressed sampling draws, the same per-sample
// kernel (core/kernels.hpp) and the same arithmetic as the simulator's SGD step, so
// its final model is the simulator's final model bit for bit (tests/bench_minimal_loop_test.cpp
// checks it).
//
// Threads: an OpenMP team; workers are split statically into `threads` contiguous ranges, one per
// thread, meeting at a barrier at every sync, where one thread sums the models in the simulator's tree order.
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <utility>
#include <vector>

#include <omp.h>

#include "core/random.hpp"
#include "core/types.hpp"
#include "core/kernels.hpp"
#include "core/tree_sum.hpp"
#include "problems/partition.hpp"
#include "problems/regression_data.hpp"

namespace localsgd::bench {

struct MinimalConfig {
  int workers = 1;
  long steps = 1;
  int batch = 1;
  long period = 1;   // τ: average after steps τ, 2τ, … and T
  double eta = 0.01;  // constant step size
  std::uint64_t seed = 0;  // run seed: worker i's step t samples at (seed, sampling, i, t)
  int threads = 1;
};

// What the simulator reports at an evaluation point, computed the straightforward way from the
// data (no precomputed Hessian): F(x̄), ‖∇F(x̄)‖², (1/p) Σ‖x_i − x̄‖².
struct MinimalMetrics {
  double loss = 0;
  double grad_norm_sq = 0;
  double consensus = 0;
};

struct MinimalResult {
  Vector average;         // x̄_T
  MinimalMetrics start;   // at t = 0
  MinimalMetrics end;     // at t = T
  double seconds = 0;     // wall time of everything above, with setting up the models (not the data)
};

namespace detail {

// Rows per pass of the row kernels: their residuals live on the stack.
inline constexpr int kRowsPerPass = 16;

inline MinimalMetrics metrics_at(const RegressionData& data, const Vector& average, const double* models, int workers,
                                 Index stride) {
  const RowMatrix& a = data.features.dense();
  const auto n = static_cast<double>(a.rows());
  const Vector residual = a * average - data.targets;
  const Vector gradient = (a.transpose() * residual) / n;
  MinimalMetrics m;
  m.loss = residual.squaredNorm() / (2.0 * n);
  m.grad_norm_sq = gradient.squaredNorm();
  const Index d = average.size();
  // Summed over workers in the simulator's tree order (core/tree_sum.hpp).
  m.consensus = tree::sum_scalars(static_cast<std::size_t>(workers), [&](std::size_t i) {
    return (Eigen::Map<const Vector>(models + static_cast<Index>(i) * stride, d) - average).squaredNorm();
  });
  m.consensus /= workers;
  return m;
}

}  // namespace detail

inline MinimalResult minimal_local_sgd(const RegressionData& data, const std::vector<Shard>& shards,
                                       const MinimalConfig& config, const Vector& x0) {
  const RowMatrix& a = data.features.dense();
  const auto& y = data.targets;
  const Index d = a.cols();
  const int p = config.workers;
  // One row of models per worker, padded to whole cache lines so that workers on different
  // threads never write to the same line.
  const auto started = std::chrono::steady_clock::now();  // setup (models) is timed, as in the simulator
  const Index stride = (d + 7) / 8 * 8;
  std::vector<double> models(static_cast<std::size_t>(p * stride), 0.0);
  for (int i = 0; i < p; ++i) Eigen::Map<Vector>(models.data() + i * stride, d) = x0;
  const std::uint64_t sampling_key = purpose_key(config.seed, StreamPurpose::sampling);
  const int threads = std::max(1, std::min(config.threads, p));
  std::vector<Vector> gradients(static_cast<std::size_t>(threads), Vector::Zero(d));
  const auto B = static_cast<std::size_t>(config.batch);
  // Per thread, two rings of the rows of the next steps (0-based step s in slot s mod slots), as
  // the simulator keeps per chunk: the stepping worker's and the next worker's; about 8 rows in
  // flight.
  const long depth = std::max(1, 8 / config.batch);
  const auto slots = static_cast<std::size_t>(depth + 1);
  std::vector<Index> rings(static_cast<std::size_t>(threads) * 2 * slots * B);
  Vector average = x0;
  tree::SumScratch average_scratch;
  const auto model_at = [&](std::size_t i) {
    return Eigen::Map<const Vector>(models.data() + static_cast<Index>(i) * stride, d);
  };
  const double eta = config.eta;
  const auto batch = static_cast<double>(config.batch);

  MinimalResult result;
  result.start = detail::metrics_at(data, average, models.data(), p, stride);

#pragma omp parallel num_threads(threads)
  {
    const int k = omp_get_thread_num();
    const int lo = static_cast<int>(static_cast<long>(p) * k / threads);
    const int hi = static_cast<int>(static_cast<long>(p) * (k + 1) / threads);
    Vector& g = gradients[static_cast<std::size_t>(k)];
    std::array<double, detail::kRowsPerPass> residuals{};
    Index* rows = rings.data() + static_cast<std::size_t>(k) * 2 * slots * B;
    Index* next_rows = rows + slots * B;
    // Worker i's rows of 0-based step s: drawn at (seed, sampling, i, s + 1), the simulator's
    // step s + 1, into their slot, and fetched.
    auto draw = [&](int i, long s, Index* ring) {
      Rng rng(sampling_key, static_cast<std::uint64_t>(i), static_cast<std::uint64_t>(s + 1));
      const Shard& shard = shards[static_cast<std::size_t>(i)];
      Index* out = ring + static_cast<std::size_t>(s % slots) * B;
      for (int b = 0; b < config.batch; ++b) out[b] = shard[uniform_index(rng, shard.size())];
      kernels::prefetch_rows(a.data(), d, out, config.batch);
      for (int b = 0; b < config.batch; ++b) __builtin_prefetch(y.data() + out[b]);  // and their targets
    };
    for (long t = 0; t < config.steps;) {
      const long stop = std::min(t + config.period, config.steps);
      auto draw_first = [&](int i, Index* ring) {
        for (long s = t; s <= std::min(t + depth, stop - 1); ++s) draw(i, s, ring);
      };
      if (lo < hi) draw_first(lo, next_rows);
      for (int i = lo; i < hi; ++i) {
        Eigen::Map<Vector> x(models.data() + i * stride, d);
        std::swap(rows, next_rows);
        if (i + 1 < hi) draw_first(i + 1, next_rows);  // the next worker's first rows, fetched now
        for (long s = t; s < stop; ++s) {
          // The rows of step s + depth are drawn (and fetched) before step s computes.
          if (s > t && s + depth < stop) draw(i, s + depth, rows);
          const Index* now = rows + static_cast<std::size_t>(s % slots) * B;
          // g = Σ_b a_j (a_jᵀx − y_j): all the dots, then the updates in draw order.
          g.setZero();
          for (int done = 0; done < config.batch; done += detail::kRowsPerPass) {
            const int count = std::min(config.batch - done, detail::kRowsPerPass);
            kernels::dot_rows(a.data(), d, now + done, count, x.data(), residuals.data());
            for (int b = 0; b < count; ++b) residuals[static_cast<std::size_t>(b)] -= y[now[done + b]];
            kernels::add_rows(a.data(), d, now + done, count, residuals.data(), g.data());
          }
          if (config.batch > 1) kernels::divide(g.data(), batch, d);
          kernels::axpy(-eta, g.data(), x.data(), d);  // x − ηg, the same bits as x + (−η)g
        }
      }
#pragma omp barrier
#pragma omp single
      {  // the simulator's tree order (core/tree_sum.hpp); the single's implicit barrier publishes the average
        tree::sum_vectors(static_cast<std::size_t>(p), model_at, average, average_scratch);
        average /= static_cast<double>(p);
      }
      t = stop;
      // After the last average the models are left as they were, so that the final consensus
      // is measured before averaging, as the simulator reports it.
      if (t < config.steps) {
        for (int i = lo; i < hi; ++i) Eigen::Map<Vector>(models.data() + i * stride, d) = average;
      }
    }
  }
  result.end = detail::metrics_at(data, average, models.data(), p, stride);
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  result.average = average;
  return result;
}

}  // namespace localsgd::bench
