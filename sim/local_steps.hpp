#pragma once
// A worker's local SGD steps (the paper's Algorithm 1, lines 4–6), shared by the barrier engine
// (sim/engine.hpp) and the asynchronous one (sim/async_engine.hpp): mini-batches and step times
// are drawn at their addresses (seed, sampling | compute_time, worker, step), so the same step of
// the same worker computes the same bits whichever engine, thread or stretch runs it.
#include <cstdint>
#include <vector>

#include "algorithms/local_optimizer.hpp"
#include "algorithms/round/pipeline.hpp"
#include "algorithms/step_size.hpp"
#include "problems/problem.hpp"
#include "sim/clock.hpp"
#include "sim/worker.hpp"

namespace localsgd {

// What a task of local steps uses and overwrites: the stochastic gradient, and two rings of rows
// drawn ahead (the current worker's and the next one's). One per chunk of workers stepped as one
// task: every step overwrites what it uses, so it carries nothing from one worker to the next.
struct StepScratch {
  Vector gradient;
  std::vector<Index> rows;       // ring of the worker stepping
  std::vector<Index> next_rows;  // ring of the next worker, drawn while this one computes
};

// The term a round's correction adds to a worker's stochastic gradient (algorithms/round/).
struct StepCorrection {
  round::CorrectionKind kind = round::CorrectionKind::none;
  double mu = 0;                         // fedprox
  const Vector* centre = nullptr;        // fedprox: the model the worker started from
  const Vector* control_mean = nullptr;  // scaffold: c
  const Vector* control = nullptr;       // scaffold: the worker's c_i
};

class LocalSteps {
 public:
  LocalSteps(const Problem& problem, int batch, const StepSize& step_size, const LocalOptimizer& optimizer,
             const ComputeModel& compute);

  // Steps drawn ahead for a finite sum with mini-batch B: enough to have about 8 rows in flight
  // (8 steps for B = 1, 1 step for B >= 8). A ring of rows holds lookahead(B) + 1 steps.
  static long lookahead(int batch) { return std::max(1, 8 / batch); }

  // Sets the run's stream keys and whether any of the run's `total` workers' step time is drawn;
  // sets the fixed step time of `workers` (ids first_id, first_id + 1, …) when none is. total < 0:
  // workers are all of them.
  void begin_run(std::uint64_t seed, std::vector<Worker>& workers, int first_id = 0, int total = -1);
  bool draws_compute_times() const { return draws_compute_times_; }
  // A scratch for one task of steps, of dimension d.
  StepScratch scratch(Index d) const;

  // The virtual seconds of worker id's step t (addressed, so the same value the step itself adds).
  double step_seconds(const Worker& worker, int id, long t) const {
    if (!draws_compute_times_) return worker.step_seconds;
    Rng draws(compute_key_, static_cast<std::uint64_t>(id), static_cast<std::uint64_t>(t));
    return compute_.step_seconds(id, draws);
  }

  // The rows of steps first .. first + lookahead (at most `last`) of worker `id` into `ring`.
  void draw_first_rows(int id, long first, long last, std::vector<Index>& ring) const;

  // Worker id's steps first..last (its own step count; step t uses η_{t−1}), adding each step's
  // seconds to its clock and busy time. Expects the rows of steps first .. first + lookahead in
  // scratch.rows (draw_first_rows) for a finite sum.
  void run(Worker& worker, int id, long first, long last, StepScratch& scratch, const StepCorrection& correction) const;

  // Prefetch hint: asks the memory system for what a worker's first step reads. Changes nothing.
  static void prefetch(const Worker& worker);

 private:
  // Draws worker `id`'s rows of step t from the address (seed, sampling, id, t) into its slot of
  // `ring`, and asks the memory system for them.
  void draw_rows(int id, long t, std::vector<Index>& ring) const;
  // Offset of step t's rows in a ring of lookahead_ + 1 slots.
  std::size_t slot(long t) const {
    return static_cast<std::size_t>(t % (lookahead_ + 1)) * static_cast<std::size_t>(batch_);
  }

  const Problem& problem_;
  // Exactly one is set: a finite sum's rows are drawn here, `lookahead_` steps ahead; a stochastic
  // oracle draws its own noise (from the same address, (seed, sampling, worker, step)).
  const FiniteSum* finite_sum_ = nullptr;
  const StochasticOracle* oracle_ = nullptr;
  int batch_;
  long lookahead_;
  const StepSize& step_size_;
  const LocalOptimizer& optimizer_;
  const ComputeModel& compute_;
  // The first key word of the sampling and compute-time addresses (core/random.hpp), per run.
  std::uint64_t sampling_key_ = 0;
  std::uint64_t compute_key_ = 0;
  bool draws_compute_times_ = false;  // else every worker's step takes its `step_seconds`
};

}  // namespace localsgd
