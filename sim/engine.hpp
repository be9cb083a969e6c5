#pragma once
// The simulation engine: p workers run local steps as oneTBB tasks on private state; at each sync
// point the workers meet at a barrier and their models are replaced by the deterministic average
// (LUPA-SGD, the paper's Algorithm 1). A virtual clock advances with every step and sync.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

#include "algorithms/local_optimizer.hpp"
#include "algorithms/step_size.hpp"
#include "algorithms/sync_schedule.hpp"
#include "problems/problem.hpp"
#include "sim/clock.hpp"
#include "sim/observer.hpp"
#include "sim/worker.hpp"

namespace localsgd {

struct EngineConfig {
  int workers = 1;          // p; must equal problem.workers()
  long steps = 1;           // T
  int batch = 1;            // B
  std::uint64_t seed = 0;   // run seed: every worker stream derives from it
  // An evaluation whose gap F(x̄) − F* exceeds this ends the run as diverged (as does a non-finite
  // averaged model or loss, whatever this is).
  double divergence_gap = std::numeric_limits<double>::infinity();
  // If set, checked between segments of local steps (segment_steps apart at most): once true,
  // the run stops as interrupted. Never changes the trajectory of a run that is not interrupted.
  const std::atomic<bool>* stop = nullptr;
};

// The most local steps workers run between two checks of EngineConfig::stop: about 4 million
// multiply-adds of mini-batch gradients per worker (milliseconds), between 16 and 65536 steps, so
// that a stop request is seen soon and the checks cost nothing measurable.
inline long segment_steps(int batch, long dim) {
  const long work = std::max(1L, static_cast<long>(batch) * dim);
  return std::clamp((1L << 22) / work, 16L, 65536L);
}

struct Algorithm {
  SyncSchedule& schedule;
  const StepSize& step_size;
  const LocalOptimizer& optimizer;
};

struct ClockModels {
  const ComputeModel& compute;
  const NetworkModel& network;
};

enum class Termination { completed, diverged, interrupted };

struct RunReport {
  Termination termination = Termination::completed;
  long steps_done = 0;       // T, or the step at which divergence was detected (or the run was interrupted)
  int rounds = 0;            // syncs performed
  double virtual_time = 0;   // seconds
  double communication_time = 0;     // the same for every worker: all take part in every average
  std::vector<double> busy_seconds;  // per worker: time computing
  std::vector<double> idle_seconds;  // per worker: time waiting at barriers
  // A completed run ends with a sync, so for every worker i:
  //   virtual_time = busy_seconds[i] + idle_seconds[i] + communication_time  (up to rounding).
  Vector final_model;        // x̄ at the last step done
};

class Engine {
 public:
  Engine(const Problem& problem, EngineConfig config, Algorithm algorithm, ClockModels clock);

  // Runs T steps from x0. Metrics are evaluated at the steps in `eval_steps` (sorted, within
  // [0, T]); which steps are evaluated never changes the trajectory. A non-finite averaged model
  // or loss ends the run as diverged, with one evaluation at the step where it was detected.
  RunReport run(const Vector& x0, std::span<const long> eval_steps, std::span<Observer* const> observers);

 private:
  void run_local_steps(Worker& worker, int id, long first, long last) const;
  void average_workers();
  double consensus() const;
  Evaluation evaluate(long step, int rounds, double time, bool with_consensus);
  // Returns the communication seconds of this sync (round `round`).
  double synchronise(long step, int round, std::span<Observer* const> observers);

  const Problem& problem_;
  EngineConfig config_;
  Algorithm algorithm_;
  ClockModels clock_;
  std::vector<Worker> workers_;
  Vector average_;   // x̄ at the latest averaging
  Vector gradient_;  // scratch for ∇F(x̄)
  Vector state_average_;  // scratch for averaging optimizer state at a sync
};

}  // namespace localsgd
