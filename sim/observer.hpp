#pragma once
// Everything that watches a run (metrics writers, progress, traces, tests) is an observer: the
// engine's loop itself does no I/O. Observers only read.
#include <cstddef>
#include <span>
#include <vector>

#include "core/types.hpp"

namespace localsgd {

// The metrics of one evaluation point, all taken at the virtual average x̄_t.
struct Evaluation {
  long step = 0;        // t
  int round = 0;        // syncs completed up to and including step t
  long samples = 0;     // samples drawn by all workers together: p·B·t
  double time = 0;      // virtual seconds when x̄_t exists (after the sync's communication at a sync)
  double loss = 0;      // F(x̄_t)
  double gap = 0;       // F(x̄_t) − F*
  double grad_norm_sq = 0;  // ‖∇F(x̄_t)‖²
  // (1/p) Σ_i ‖x_i − x̄_t‖²: before the averaging at a sync (after it every x_i is x̄_t); after a
  // gossip step in a decentralised run (the models the next steps start from, sim/engine.cpp).
  double consensus = 0;
  // Bytes the workers have sent so far, summed over workers and syncs: each participant's message
  // per sync, d·bytes_per_value for a whole model, Compressor::message_bytes() when compressed.
  double bytes = 0;
};

struct Worker;

// Read-only access to the workers' current models.
class ModelsView {
 public:
  explicit ModelsView(const std::vector<Worker>& workers) : workers_(&workers) {}
  std::size_t size() const;
  const Vector& operator[](std::size_t i) const;
  // Worker i's clock totals so far: seconds computing, and seconds waiting at barriers.
  double busy_seconds(std::size_t i) const;
  double idle_seconds(std::size_t i) const;

 private:
  const std::vector<Worker>* workers_;
};

// A sync that has just completed: every worker holds `average` (x̄_t), except after a gossip step
// (a decentralised run, sim/gossip.hpp), where each node keeps its own mixed model and `average`
// is their mean.
struct SyncPoint {
  long step;                 // t
  int round;                 // this sync's round number: 1 for the first sync
  double time;               // virtual seconds when every worker holds x̄_t (after the communication)
  const ModelsView& models;  // every one equal to `average` (unless gossiping)
  const Vector& average;
  // The round's participants (increasing ids) and the local steps each ran whose model was used;
  // a worker not listed sat the round out or was dropped (deadline).
  std::span<const int> participants = {};
  std::span<const long> participant_steps = {};
  // Samples drawn by the steps whose results the server holds, when not p·B·step: an asynchronous
  // run's server update (sim/async_engine.hpp), whose `models` are the workers' own, not x̄.
  long samples = -1;
};

class Observer {
 public:
  virtual ~Observer() = default;
  virtual void on_evaluation(const Evaluation& /*evaluation*/) {}
  // At a sync, once the average is computed and before it replaces the models.
  virtual void before_sync(long /*step*/, const ModelsView& /*models*/, const Vector& /*average*/) {}
  // At a sync, after every worker holds the average. Called before the evaluation of the same
  // step, if there is one.
  virtual void after_sync(const SyncPoint& /*sync*/) {}
  // At a trace step (EngineConfig::trace_every: steps 0, k, 2k, …) that is not a sync step: the
  // workers' current models after step `step`, `round` syncs done. At a sync step, before_sync and
  // after_sync show the models instead (a trace shows both sides of the snap).
  virtual void on_trace(long /*step*/, int /*round*/, const ModelsView& /*models*/) {}
};

}  // namespace localsgd
