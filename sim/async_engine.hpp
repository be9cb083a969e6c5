#pragma once
// The asynchronous engine (DESIGN.md §5.4; docs/algorithms.md and docs/clock.md, "Asynchronous
// coordination"): no barrier. Each worker pulls the server model x (version v), runs τ local steps
// on its private copy with step times from its compute model, and pushes; the server applies the
// pushes one by one (FedAsync) or K at a time (FedBuff), algorithms/round/coordination.hpp.
//
// Events are totally ordered by (virtual time, kind, worker id), pushes before pulls at the same
// instant: a worker whose push arrives at time t gets back the model that contains every push that
// arrived by t. A pull fixes everything its job will compute (the start model, the addressed
// mini-batches and step times), so the job's push time is known at the pull, and the jobs of
// different workers are computed in parallel (sim/parallel.hpp) when the server first needs one
// of them; the results do not depend on the thread count.
//
// A run has the barrier run's budget: p·T local steps. It ends with the first server update after
// which the applied pushes carry at least p·T steps. Evaluations (Evaluation) are taken at the
// server model after an update: step = ⌊applied local steps / p⌋ (the barrier run's step when every
// worker has run as many), round = the server's version, samples = B × applied local steps, time =
// the update's virtual time; an update is evaluated when its step reaches the next planned
// evaluation step. consensus: the mean squared distance of the update's pushed models to the new
// server model (FedBuff: the buffered models rebased on the server model, as a barrier round's
// participants around their aggregate; FedAsync: the one pushed model).
#include <optional>
#include <queue>
#include <utility>
#include <vector>

#include "algorithms/round/coordination.hpp"
#include "algorithms/round/participation.hpp"
#include "algorithms/round/server_step.hpp"
#include "sim/engine.hpp"
#include "sim/local_steps.hpp"

namespace localsgd {

struct AsyncAlgorithm {
  long local_steps = 1;  // τ: local steps per job (the run's constant period)
  const StepSize& step_size;
  const LocalOptimizer& optimizer;
  // Used: participation `full` or `available` (an absent worker does not pull: it tries again one
  // job's expected compute time later), correction `none` or `fedprox` (around the pulled model),
  // the server step (FedBuff). The others are refused (round::check_async_pipeline).
  round::Pipeline pipeline = {};
  round::CoordinationOptions coordination = {};
};

class AsyncEngine {
 public:
  AsyncEngine(const Problem& problem, EngineConfig config, AsyncAlgorithm algorithm, ClockModels clock);

  // Bytes a run holds at its peak (as Engine::estimate_bytes): per worker its model, the model it
  // pulled (FedBuff, FedProx), optimizer state and job record; the server model, the FedBuff
  // buffer of K models, the server step's state, the event queue and the scratch of the chunks.
  static double estimate_bytes(const EngineShape& shape, const round::CoordinationOptions& coordination);

  // Runs until the server has applied p·T local steps (above). eval_steps as for Engine::run.
  // Observers see on_evaluation and, at every server update, after_sync (a SyncPoint whose models
  // are the workers' own and whose samples are set); no before_sync, no traces.
  RunReport run(const Vector& x0, std::span<const long> eval_steps, std::span<Observer* const> observers);

 private:
  enum class EventKind { push = 0, pull = 1 };  // pushes first at equal times
  struct Event {
    double time;
    EventKind kind;
    int worker;
    // std::priority_queue is a max-heap: "greater" is later.
    bool operator>(const Event& other) const;
  };
  // One worker's current job.
  struct Job {
    long version = 0;       // the server version it pulled
    long first_step = 0;    // its local steps are first_step .. first_step + τ − 1 (worker's count)
    double pull_time = 0;   // when the server sent the model
    double compute_start = 0;
    double compute_end = 0;
    double compute_seconds = 0;  // Σ of its step times
    bool computed = false;  // its local steps have run (the model holds y_i)
    bool in_flight = false;  // pulled, push not yet applied
  };
  // Handles worker `id`'s pull at `time`: availability, the copy of the server model, the job's
  // times, and the push event.
  void pull(int id, double time);
  // Computes every pending job (in parallel when large).
  void compute_pending();
  // Applies (FedAsync) or buffers (FedBuff) worker id's push; returns true if the server model
  // changed (a new version).
  bool push(int id, double time);
  void flush_buffer();
  Evaluation evaluate(double time, double consensus_value);

  const Problem& problem_;
  EngineConfig config_;
  AsyncAlgorithm algorithm_;
  ClockModels clock_;
  LocalSteps steps_;
  std::vector<Worker> workers_;
  std::vector<Job> jobs_;
  std::vector<Vector> pulled_;   // x_{v_i} per worker (FedBuff, FedProx; else empty)
  std::vector<long> local_steps_done_by_;  // per worker: local steps pulled so far (its step counter)
  std::vector<long> attempts_;   // per worker: pull attempts (the availability draws' address)
  std::vector<double> finished_seconds_;  // per worker: compute seconds of its pushed jobs
  std::vector<double> communication_;     // per worker: message seconds of its pushed jobs
  std::optional<round::ParticipantDraw> presence_;  // q_i(a) of `available`
  std::uint64_t participation_key_ = 0;
  std::vector<double> retry_seconds_;     // per worker: an absent worker's wait (τ × mean step)
  int overflow_worker_ = -1;              // a worker whose push time was not finite
  std::vector<int> pending_;     // workers whose jobs are pulled and not computed, increasing ids
  std::priority_queue<Event, std::vector<Event>, std::greater<>> events_;
  std::vector<StepScratch> chunks_;
  round::ServerStep server_step_;
  Vector server_;     // x, version `version_`
  Vector aggregate_;  // FedBuff with a server step: the mean of the buffer
  Vector next_;       // scratch: the server step's output
  Vector gradient_;   // scratch for ∇F(x)
  long version_ = 0;
  long applied_steps_ = 0;
  // FedBuff's buffer: the pushed models rebased on the server model, x + s·(y_i − x_{v_i}), in
  // arrival order; at a server step sorted by worker id (arrival order among equal ids).
  std::vector<Vector> buffer_;
  std::vector<std::pair<int, int>> buffer_order_;  // (worker, slot)
  int buffered_ = 0;
  long buffered_steps_ = 0;
  double last_consensus_ = 0;
  std::vector<double> distances_;
  ParallelSumScratch averaging_scratch_;
  AsyncReport stats_;
};

}  // namespace localsgd
