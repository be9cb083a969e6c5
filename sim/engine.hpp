#pragma once
// The simulation engine: p workers run local steps as oneTBB tasks on private state; at each sync
// point the workers meet at a barrier and their models are replaced by the deterministic average
// (LUPA-SGD, the paper's Algorithm 1). A virtual clock advances with every step and sync.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "algorithms/local_optimizer.hpp"
#include "algorithms/round/participation.hpp"
#include "algorithms/round/pipeline.hpp"
#include "algorithms/round/server_step.hpp"
#include "algorithms/step_size.hpp"
#include "algorithms/sync_schedule.hpp"
#include "problems/problem.hpp"
#include "sim/clock.hpp"
#include "sim/compressed_messages.hpp"
#include "sim/gossip.hpp"
#include "sim/local_steps.hpp"
#include "sim/observer.hpp"
#include "sim/tree_sum_parallel.hpp"
#include "sim/worker.hpp"
#include "sim/worker_split.hpp"

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
  // If > 0, steps 0, k, 2k, … (k = trace_every) are extra stop points at which observers see the
  // workers' models (Observer::on_trace). Like evaluation points, they never change a bit.
  long trace_every = 0;
  // If set, this process is one of several ranks running this run together (split-workers mode,
  // sim/worker_split.hpp): it holds and steps its share of the workers, and every rank computes
  // the same averages (the bits of one process). Every rank calls run() with the same arguments;
  // only rank 0's observers hear the run. Refused with a trace, and for round policies that are
  // not split (round::check_split_workers).
  RankCollectives* split_ranks = nullptr;
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
  round::Pipeline pipeline = {};  // the round's policies; the default is LUPA-SGD's plain average
};

struct ClockModels {
  const ComputeModel& compute;
  const NetworkModel& network;
};

// What an asynchronous run (sim/async_engine.hpp) adds to its report.
struct AsyncReport {
  // Pushes the server received (a completed run ends with a server step, so all were applied);
  // staleness = the server's version at arrival − the version the worker pulled.
  long pushes = 0;
  std::vector<long> pushes_per_worker;     // of those, per worker
  std::vector<long> staleness_counts;      // [s]: pushes with staleness s (0 .. max)
  std::vector<double> communication_seconds;  // per worker: its pulls' and pushes' message time
  double mean_staleness() const;
  long max_staleness() const { return staleness_counts.empty() ? 0 : static_cast<long>(staleness_counts.size()) - 1; }
};

// clock_overflow: the virtual clock left the doubles (a step or an average took so long that the
// time became infinite); the run ends there, as a value that cannot be added to is no clock.
enum class Termination { completed, diverged, interrupted, clock_overflow };

struct RunReport {
  Termination termination = Termination::completed;
  long steps_done = 0;       // T, or the step at which divergence was detected (or the run was interrupted),
                             // or for clock_overflow the first step whose end time was not finite
                             // (a worker's step, or the average after it)
  int rounds = 0;            // syncs performed
  double virtual_time = 0;   // seconds
  double communication_time = 0;     // the all-reduces' time, which every worker waits for (participants
                                     // communicate, the others wait for the round to end)
  std::vector<double> busy_seconds;  // per worker: time computing
  std::vector<double> idle_seconds;  // per worker: time waiting at barriers
  // A completed run ends with a sync, so for every worker i:
  //   virtual_time = busy_seconds[i] + idle_seconds[i] + communication_time  (up to rounding).
  // For clock_overflow: the worker whose step overflowed its clock, or -1 if it was the average.
  int clock_overflow_worker = -1;
  Vector final_model;        // x̄ at the last step done (the server model after the last sync)
  // Per worker: rounds it took part in, local steps it ran (and whose results were used), and
  // steps it finished but whose model was dropped (deadline participation without partial work).
  std::vector<long> rounds_participated;
  std::vector<long> steps_run;
  std::vector<long> dropped_steps;
  int empty_rounds = 0;      // syncs in which no worker took part (the server model stayed)
  double bytes_sent = 0;     // Evaluation::bytes at the end of the run
  // Set for an asynchronous run only. There `rounds` counts server updates (the server model's
  // version), communication_time is the mean over workers of their message time, and for every
  // worker virtual_time = busy + idle + its communication_seconds.
  std::optional<AsyncReport> asynchrony;
};

// What a run's engine allocates depends on these (Engine::estimate_bytes).
struct EngineShape {
  int workers = 1;                  // p
  Index dim = 1;                    // d
  int batch = 1;                    // B
  int optimizer_state_vectors = 0;  // LocalOptimizer::state_vectors()
  bool finite_sum = true;           // rows are drawn ahead (Problem::finite_sum)
  bool draws_compute_times = true;  // some worker's step time is drawn (a compute-time stream each)
  int threads = 0;                  // the arena's concurrency; 0: the calling thread's arena
  round::Pipeline pipeline = {};    // the round's policies (control variates, server state, weights)
  int ranks = 1;                    // > 1: what the rank with the largest share of a split run holds
};

class Engine {
 public:
  Engine(const Problem& problem, EngineConfig config, Algorithm algorithm, ClockModels clock);

  // Bytes a run holds at its peak, from what run() allocates: per worker its fixed part (struct
  // Worker: clock, counters) and its model and optimizer state vectors; the averaged model, the
  // scratch of each chunk of workers stepped as one task (a gradient and two rings of rows drawn
  // ahead), the averaged state vectors and the consensus distances. Each heap block is counted
  // with 16 bytes of allocator overhead. No random-number state: draws are addressed.
  static double estimate_bytes(const EngineShape& shape);

  // Whether a stretch of `steps` local steps of every worker runs as tasks over chunks of workers
  // (else on the calling thread): when p·steps·B·d reaches about 10 µs of per-sample work. Never
  // changes a result; tests use it to make sure they exercise the parallel path.
  static bool runs_in_parallel(int workers, long steps, int batch, Index dim);

  // Steps drawn ahead for a finite sum (sim/local_steps.hpp).
  static long lookahead(int batch) { return LocalSteps::lookahead(batch); }

  // Runs T steps from x0. Metrics are evaluated at the steps in `eval_steps` (sorted, within
  // [0, T]); which steps are evaluated never changes the trajectory. A non-finite averaged model
  // or loss ends the run as diverged, with one evaluation at the step where it was detected.
  RunReport run(const Vector& x0, std::span<const long> eval_steps, std::span<Observer* const> observers);

  // Whether the latest run draws compute times (some worker's step time is random).
  bool draws_compute_times() const { return steps_.draws_compute_times(); }

 private:
  // The gradient correction of worker `id`'s local steps in this round.
  StepCorrection correction_of(int id) const;
  void run_workers(long first, long last);
  // Round `round` (0 for the first) starts after step `start` and lasts `period` steps: draws its
  // participants and their local step counts (algorithms/round/), drops late workers of a
  // deadline, and sets the aggregation weights.
  void begin_round(long round, long start, long period);
  // τ_i of participant `id` in round `round` of `period` steps, from the local-work policy.
  long local_steps(int id, long round, long start, long period) const;
  // The virtual seconds of worker id's step t (addressed, so the same value the step itself draws).
  double step_seconds(int id, long t) const { return steps_.step_seconds(workers_[static_cast<std::size_t>(id)], id, t); }
  // How many of worker id's steps start + 1, …, start + steps finish within `seconds` of the start.
  long steps_within(int id, long start, long steps, double seconds) const;
  // a_r of the participants' current models into `out` (x_r if nobody takes part).
  void aggregate_into(Vector& out);
  // The model the round would install now: average_ = x_{r+1} (and aggregate_ = a_r unless the
  // server installs it as it is). commit: a sync, the server step's state advances.
  void round_model(bool commit);
  double consensus();
  // The metrics at x̄ (the current average_), with the given consensus (measured before a sync).
  Evaluation evaluate(long step, int rounds, double time, double consensus_value);
  // Returns the communication seconds of this sync (round `round`), or nothing, changing
  // nothing and telling no observer, if the sync would end at a non-finite virtual time.
  std::optional<double> synchronise(long step, int round, std::span<Observer* const> observers);
  // The first step at which some worker's clock stopped being finite (0 if none did), and the
  // lowest such worker.
  std::pair<long, int> clock_overflow();
  // The latest worker clock (over all ranks of a split run).
  double slowest_clock();
  Worker& worker(int id) { return workers_[static_cast<std::size_t>(id) - first_worker_]; }
  const Worker& worker(int id) const { return workers_[static_cast<std::size_t>(id) - first_worker_]; }

  const Problem& problem_;
  EngineConfig config_;
  Algorithm algorithm_;
  ClockModels clock_;
  LocalSteps steps_;  // the workers' local steps and their step times
  std::vector<Worker> workers_;  // workers first_worker_, first_worker_ + 1, … (all of them unless split)
  std::optional<WorkerSplit> split_;
  std::size_t first_worker_ = 0;
  double sync_time_ = 0;         // the virtual time at which the latest sync ended (0 before the first)
  Vector average_;   // x̄ at the latest averaging
  Vector gradient_;  // scratch for ∇F(x̄)
  // One per chunk of workers that steps as one task (the first also serves serial stretches):
  // every step overwrites what it uses, so it carries nothing from one worker to the next.
  std::vector<StepScratch> chunks_;
  std::vector<Vector> state_averages_;  // the averaged optimizer state vectors at a sync
  std::vector<double> distances_;       // scratch: ‖x_i − x̄‖² per worker, for the consensus
  ParallelSumScratch averaging_scratch_;  // scratch of the tree-ordered averages (sim/averaging.hpp)

  // The round pipeline (algorithms/round/pipeline.hpp). Defaults: everyone, τ_r steps, the mean.
  std::optional<round::ParticipantDraw> draw_;
  round::ServerStep server_step_;
  std::uint64_t local_work_key_ = 0;
  std::vector<double> shard_sizes_;         // n_i, when weights or draws need them (else empty)
  std::vector<int> participants_;           // S_r, increasing ids
  std::vector<int> multiplicity_;           // per participant
  std::vector<long> participant_steps_;     // τ_i per participant
  std::vector<double> weights_;             // w_i per participant, unless uniform_weights_
  bool uniform_weights_ = true;
  Vector server_;                           // x_r, the model every participant starts the round from
  Vector aggregate_;                        // a_r, when the server step is not plain
  Vector control_mean_;                     // SCAFFOLD's c = (1/p) Σ c_i
  std::vector<Vector> controls_;            // SCAFFOLD's c_i per worker (empty otherwise)
  std::vector<double> control_weights_;     // n_i / n when c is the shard-weighted mean (else empty)
  // Per worker, when participation or local work vary (else every worker takes part in every
  // round with τ_r steps, and the report says so without counting).
  struct WorkerCounts {
    long rounds = 0;   // rounds whose aggregate used the worker's model
    long steps = 0;    // local steps run whose models were used
    long dropped = 0;  // steps finished in rounds where the model was dropped (deadline)
  };
  std::vector<WorkerCounts> counts_;
  bool round_open_ = false;                 // the current round has begun and not been synchronised
  long round_start_ = 0;                    // the step after which the current round started
  double round_start_time_ = 0;             // the virtual time it started
  double barrier_floor_ = 0;                // the earliest end of the round (a deadline that cut work)
  double step_size_ratio_ = 1;              // γ_r / γ_{r−1}, for SlowMo
  double round_step_size_ = 0;              // γ_r
  double committed_step_size_ = 0;          // γ of the last round whose server step was taken (0: none)
  long local_steps_done_ = 0;               // Σ over workers of local steps whose models were used
  long round_end_ = 0;                      // the step that ends the current round (its sync)
  bool compressed_ = false;                 // Pipeline::compression.enabled
  CompressedMessages messages_;             // the participants' compressed messages and memory
  double bytes_ = 0;                        // bytes sent so far (Evaluation::bytes)
  bool gossiping_ = false;                  // Pipeline::gossip.enabled: no server, nodes mix
  Gossip gossip_;                           // the gossip step and its state
};

}  // namespace localsgd
