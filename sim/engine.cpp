#include "sim/engine.hpp"

#include <tbb/blocked_range.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <stdexcept>

#include "algorithms/round/aggregation.hpp"
#include "algorithms/round/pipeline_rules.hpp"
#include "sim/averaging.hpp"
#include "sim/consensus.hpp"
#include "sim/heap_block.hpp"
#include "sim/parallel.hpp"

namespace localsgd {

namespace {

// F(x̄) and F(x̄) − F* at the engine's current average, for schedules that adapt to the run.
class CurrentAverage final : public AveragedModel {
 public:
  CurrentAverage(const Problem& problem, const Vector& average) : problem_(problem), average_(average) {}
  double loss() const override { return problem_.loss(average_); }
  double gap() const override { return problem_.gap(average_); }

 private:
  const Problem& problem_;
  const Vector& average_;
};

// Below this much work (workers × steps × B × d) a stretch of local steps runs on the calling
// thread: handing it to the scheduler would cost about as much as it saves (a task costs a few
// microseconds; this is roughly 10 µs of per-sample work).
constexpr double kParallelStepWork = 32768;


// Calls f(i) for every worker i, in parallel when `values` (p·d) is large. f must touch worker i only,
// so the order of the calls changes nothing.
template <class F>
void for_each_worker(std::size_t workers, std::size_t values, const F& f) {
  if (values < kParallelValues) {
    for (std::size_t i = 0; i < workers; ++i) f(i);
    return;
  }
  parallel_for_range(tbb::blocked_range<std::size_t>(0, workers), [&](const tbb::blocked_range<std::size_t>& r) {
    for (std::size_t i = r.begin(); i != r.end(); ++i) f(i);
  });
}

}  // namespace

Engine::Engine(const Problem& problem, EngineConfig config, Algorithm algorithm, ClockModels clock)
    : problem_(problem),
      config_(config),
      algorithm_(algorithm),
      clock_(clock),
      steps_(problem, config.batch, algorithm.step_size, algorithm.optimizer, clock.compute) {
  if (config_.workers < 1 || config_.steps < 1 || config_.batch < 1) {
    throw std::invalid_argument("Engine: workers, steps and batch must be >= 1");
  }
  if (problem_.workers() != config_.workers) {
    throw std::invalid_argument("Engine: the problem was partitioned for a different number of workers");
  }
  round::check_pipeline(algorithm_.pipeline, config_.workers, algorithm_.optimizer.state_vectors() > 0);
  const bool averages_state =
      algorithm_.optimizer.state_at_sync() == StateAtSync::average && algorithm_.optimizer.state_vectors() > 0;
  round::check_compression(algorithm_.pipeline, averages_state, problem_.dim());
  round::check_gossip(algorithm_.pipeline, config_.workers, averages_state);
  if (config_.split_ranks != nullptr) {
    round::check_split_workers(algorithm_.pipeline);
    if (config_.trace_every > 0) {
      throw std::invalid_argument("Engine: a run split among ranks has no per-worker traces (each rank holds its "
                                  "own workers' models)");
    }
  }
}

bool Engine::runs_in_parallel(int workers, long steps, int batch, Index dim) {
  const double work = static_cast<double>(workers) * static_cast<double>(steps) * batch * static_cast<double>(dim);
  return work >= kParallelStepWork;
}

double Engine::estimate_bytes(const EngineShape& shape) {
  const double d = static_cast<double>(shape.dim);
  const double p = shape.workers;
  const double vector = heap_block(8.0 * d);
  const double states = shape.optimizer_state_vectors;
  double per_worker = static_cast<double>(sizeof(Worker)) + vector;  // the struct and its model
  if (states > 0) per_worker += heap_block(states * static_cast<double>(sizeof(Vector))) + states * vector;
  const int threads = shape.threads > 0 ? shape.threads : tbb::this_task_arena::max_concurrency();
  const double chunks = std::min(p, 8.0 * threads);
  double per_chunk = static_cast<double>(sizeof(StepScratch)) + vector;  // with its gradient
  if (shape.finite_sum) {
    per_chunk += 2 * heap_block(8.0 * static_cast<double>((lookahead(shape.batch) + 1) * shape.batch));
  }
  const round::Pipeline& pipeline = shape.pipeline;
  const bool scaffold = pipeline.correction.kind == round::CorrectionKind::scaffold;
  if (scaffold) per_worker += static_cast<double>(sizeof(Vector)) + vector;  // c_i
  const bool counts = pipeline.participation.kind != round::ParticipationKind::full ||
                      pipeline.local_work.kind != round::LocalWorkKind::schedule;
  if (counts) per_worker += static_cast<double>(sizeof(WorkerCounts));
  const double server_states = round::ServerStep::state_vectors(pipeline.server);
  const bool draws_sets = pipeline.participation.kind == round::ParticipationKind::uniform ||
                          pipeline.participation.kind == round::ParticipationKind::weighted;
  const bool weighted = pipeline.aggregation != round::AggregationKind::uniform ||
                        pipeline.participation.kind == round::ParticipationKind::weighted;
  // The workers' array is counted per worker above, its block's overhead here.
  double shared = heap_block(0) +                          // workers_
                  2 * vector +                             // average_, gradient_
                  heap_block(0) + chunks * per_chunk +     // chunks_
                  states * vector +                        // state_averages_
                  heap_block(8.0 * p) +                    // distances_
                  vector +                                 // server_ (x_r)
                  2 * heap_block(4.0 * p) + heap_block(8.0 * p) +  // participants, multiplicities, steps
                  5 * heap_block(8.0 * p);  // the report's busy, idle, rounds, steps and dropped steps
  if (!round::ServerStep(pipeline.server, 1).installs_aggregate()) shared += vector;  // aggregate_
  shared += server_states * vector;                                                  // server state
  if (scaffold) shared += vector + heap_block(0);                                    // c, the c_i's array
  if (scaffold && weighted) shared += heap_block(8.0 * p);                           // c's weights
  if (counts) shared += heap_block(0);                                               // counts_
  if (draws_sets) shared += heap_block(4.0 * p);                                     // draw marks
  if (pipeline.participation.kind == round::ParticipationKind::weighted) shared += heap_block(8.0 * p);
  if (weighted) shared += 2 * heap_block(8.0 * p);                                   // weights, n_i
  if (!pipeline.gossip.enabled) {
    shared += CompressedMessages::estimate_bytes(pipeline.compression, shape.workers, shape.dim, static_cast<int>(chunks));
  }
  shared += Gossip::estimate_bytes(pipeline, shape.workers, shape.dim, static_cast<int>(chunks));
  if (shape.ranks <= 1) return p * per_worker + shared;
  // A split run: the rank with the most workers holds their per-worker part, and the sums' scratch
  // (sim/worker_split.hpp): its nodes' partial sums and levels, the top of the tree's levels, and
  // the gather's buffers (its own partial sums out, every rank's in).
  const WorkerShares shares(static_cast<std::size_t>(shape.workers), shape.ranks);
  const double nodes = static_cast<double>(shares.most_nodes());
  const double levels = static_cast<double>(tree::height(tree::root(static_cast<std::size_t>(shape.workers))));
  shared += nodes * (1 + levels) * vector + levels * vector + heap_block(8.0 * d * nodes) +
            heap_block(8.0 * d * static_cast<double>(shares.nodes().size()));
  return static_cast<double>(shares.most_workers()) * per_worker + shared;
}

StepCorrection Engine::correction_of(int id) const {
  const round::CorrectionOptions& options = algorithm_.pipeline.correction;
  StepCorrection correction{options.kind, options.mu, &server_, nullptr, nullptr};
  if (options.kind == round::CorrectionKind::scaffold) {
    correction.control_mean = &control_mean_;
    correction.control = &controls_[static_cast<std::size_t>(id)];
  }
  return correction;
}

std::pair<long, int> Engine::clock_overflow() {
  std::pair<long, int> first{0, -1};
  for (std::size_t i = 0; i < workers_.size(); ++i) {
    const long step = workers_[i].clock_overflow_step;
    if (step > 0 && (first.first == 0 || step < first.first)) first = {step, static_cast<int>(first_worker_ + i)};
  }
  return split_ ? split_->first_overflow(first) : first;
}

double Engine::slowest_clock() {
  double latest = 0;
  for (const Worker& w : workers_) latest = std::max(latest, w.clock);
  return split_ ? split_->max(latest) : latest;
}

long Engine::steps_within(int id, long start, long steps, double seconds) const {
  double elapsed = 0;
  for (long k = 1; k <= steps; ++k) {
    elapsed += step_seconds(id, start + k);
    if (!(elapsed <= seconds)) return k - 1;
  }
  return steps;
}

long Engine::local_steps(int id, long round, long start, long period) const {
  const round::LocalWorkOptions& work = algorithm_.pipeline.local_work;
  switch (work.kind) {
    case round::LocalWorkKind::schedule: return period;
    case round::LocalWorkKind::per_worker: return std::min(work.steps[static_cast<std::size_t>(id)], period);
    case round::LocalWorkKind::random: {
      if (work.min_steps >= period) return period;
      Rng draws(local_work_key_, static_cast<std::uint64_t>(id), static_cast<std::uint64_t>(round));
      return work.min_steps + static_cast<long>(uniform_index(draws, static_cast<std::uint64_t>(period - work.min_steps + 1)));
    }
    case round::LocalWorkKind::time_budget: return std::max(1L, steps_within(id, start, period, work.seconds));
  }
  return period;
}

void Engine::begin_round(long round, long start, long period) {
  const round::Pipeline& pipeline = algorithm_.pipeline;
  round_start_ = start;
  round_start_time_ = sync_time_;  // every clock was set to it
  barrier_floor_ = round_start_time_;
  draw_->draw(round, participants_, multiplicity_);
  participant_steps_.clear();
  const bool deadline = pipeline.participation.kind == round::ParticipationKind::deadline;
  const double allowed = pipeline.participation.deadline_seconds;
  std::size_t kept = 0;
  for (std::size_t j = 0; j < participants_.size(); ++j) {
    const int id = participants_[j];
    long steps = local_steps(id, round, start, period);
    if (deadline) {
      const long finished = steps_within(id, start, steps, allowed);
      if (finished < steps) {
        // Late: the server stops waiting at the deadline. Without partial work the worker's model
        // is dropped; it computed until the deadline, so that time is busy, and its finished
        // steps are dropped work.
        barrier_floor_ = round_start_time_ + allowed;
        if (!pipeline.participation.keep_partial || finished == 0) {
          counts_[static_cast<std::size_t>(id)].dropped += finished;
          Worker& w = worker(id);  // held here: deadlines are not split (round::check_split_workers)
          w.busy_seconds += allowed;
          w.clock = round_start_time_ + allowed;
          continue;
        }
        steps = finished;
      }
    }
    participants_[kept] = id;
    multiplicity_[kept] = multiplicity_[j];
    participant_steps_.push_back(steps);
    ++kept;
  }
  participants_.resize(kept);
  multiplicity_.resize(kept);
  uniform_weights_ = round::aggregation_weights(pipeline.aggregation, participants_, multiplicity_, shard_sizes_,
                                                participant_steps_, weights_);
  // SlowMo's γ_r: the step size of the round's first step (step start + 1 uses η_start), against
  // that of the last round whose server step was taken (an empty round takes none).
  round_step_size_ = algorithm_.step_size.at(start);
  step_size_ratio_ = (committed_step_size_ == 0 || round_step_size_ == committed_step_size_)
                         ? 1.0
                         : round_step_size_ / committed_step_size_;
  round_end_ = start + period;
  round_open_ = true;
}

// Steps first..last of every participant (each up to its own τ_i): on the calling thread when the
// stretch is small, else as tasks over chunks of participants. Each worker touches only its own
// state (and its chunk's scratch, which every step overwrites), so the split changes no bit.
void Engine::run_workers(long first, long last) {
  const auto count = static_cast<int>(participants_.size());
  auto last_step = [&](int j) {
    return std::min(last, round_start_ + participant_steps_[static_cast<std::size_t>(j)]);
  };
  for (int j = 0; j < count; ++j) local_steps_done_ += std::max(0L, last_step(j) - first + 1);
  auto run_range = [&](int begin, int end, StepScratch& scratch) {
    auto id = [&](int j) { return participants_[static_cast<std::size_t>(j)]; };
    if (begin != end) steps_.draw_first_rows(id(begin), first, last_step(begin), scratch.next_rows);
    for (int j = begin; j != end; ++j) {
      scratch.rows.swap(scratch.next_rows);  // worker j's first rows, drawn ahead
      if (j + 1 != end) {
        // The next worker's state and first rows are asked from memory while this one computes.
        LocalSteps::prefetch(worker(id(j + 1)));
        steps_.draw_first_rows(id(j + 1), first, last_step(j + 1), scratch.next_rows);
      }
      const long until = last_step(j);
      if (until >= first) {
        steps_.run(worker(id(j)), id(j), first, until, scratch, correction_of(id(j)));
      }
    }
  };
  // This process's participants: all of them, or in a split run its own workers (every worker
  // takes part: participants_[j] = j).
  const int begin = split_ ? static_cast<int>(first_worker_) : 0;
  const int owned = split_ ? static_cast<int>(workers_.size()) : count;
  if (owned == 0) return;
  if (!runs_in_parallel(owned, last - first + 1, config_.batch, problem_.dim())) {
    run_range(begin, begin + owned, chunks_.front());
    return;
  }
  // Fixed chunks of consecutive participants, each a task with its own scratch.
  const auto chunks = std::min(owned, static_cast<int>(chunks_.size()));
  parallel_for_index(0, chunks, [&](int c) {
    run_range(begin + chunk_begin(owned, c, chunks), begin + chunk_begin(owned, c + 1, chunks),
              chunks_[static_cast<std::size_t>(c)]);
  });
}

void Engine::aggregate_into(Vector& out) {
  const std::size_t count = participants_.size();
  if (count == 0) {
    out = server_;
    return;
  }
  auto model = [this](std::size_t j) -> const Vector& { return worker(participants_[j]).model; };
  if (compressed_) {
    // a_r = x_r + Σ_j w_j m̂_j: the decoded messages stand in for the model changes y_j − x_r.
    messages_.decode(participants_, workers_, server_, round_end_);
    auto message = [this](std::size_t j) -> const Vector& { return messages_.message(j); };
    if (uniform_weights_) {
      deterministic_average(count, message, out, averaging_scratch_);
      out += server_;
      return;
    }
    parallel_sum_vectors(
        count, [&](std::size_t j) { return weights_[j] * message(j); }, out, averaging_scratch_,
        [&](tree::Coordinates c) { out.segment(c.begin, c.size) += server_.segment(c.begin, c.size); });
    return;
  }
  if (split_) {
    // The ranks' subtree sums combined in the tree's order: the bits of the branches below.
    if (uniform_weights_) {
      const double n = static_cast<double>(count);
      split_->sum_vectors(model, out, [&](tree::Coordinates c) { out.segment(c.begin, c.size) /= n; });
      return;
    }
    split_->sum_vectors(
        [&](std::size_t j) { return weights_[j] * (model(j) - server_); }, out,
        [&](tree::Coordinates c) { out.segment(c.begin, c.size) += server_.segment(c.begin, c.size); });
    return;
  }
  if (uniform_weights_) {
    // The mean of the participants; with everyone taking part, LUPA's average bit for bit.
    deterministic_average(count, model, out, averaging_scratch_);
    return;
  }
  // a_r = x_r + Σ_j w_j (y_j − x_r), the sum in the tree's order over the participants.
  parallel_sum_vectors(
      count, [&](std::size_t j) { return weights_[j] * (model(j) - server_); }, out, averaging_scratch_,
      [&](tree::Coordinates c) { out.segment(c.begin, c.size) += server_.segment(c.begin, c.size); });
}

void Engine::round_model(bool commit) {
  if (participants_.empty()) {
    average_ = server_;  // nobody reported: the server keeps its model (and its state)
    return;
  }
  if (server_step_.installs_aggregate()) {
    aggregate_into(average_);
    return;
  }
  aggregate_into(aggregate_);
  server_step_.apply(server_, aggregate_, step_size_ratio_, average_, commit);
}

// (1/K) Σ_{i∈S} ‖y_i − a_r‖² over the participants, summed in the tree order (sim/consensus.hpp);
// with everyone taking part and the plain average, (1/p) Σ_i ‖x_i − x̄‖².
double Engine::consensus() {
  if (participants_.empty()) return 0.0;
  const Vector& centre = server_step_.installs_aggregate() ? average_ : aggregate_;
  if (split_) {
    // consensus_distance's squared distances and tree-ordered sum, each rank over its workers.
    distances_.resize(workers_.size());
    for_each_worker(workers_.size(), workers_.size() * static_cast<std::size_t>(centre.size()),
                    [&](std::size_t i) { distances_[i] = (workers_[i].model - centre).squaredNorm(); });
    const double sum = split_->sum_scalars([&](std::size_t i) { return distances_[i - first_worker_]; });
    return sum / static_cast<double>(participants_.size());
  }
  return consensus_distance(
      participants_.size(),
      [this](std::size_t j) -> const Vector& { return worker(participants_[j]).model; },
      centre, distances_);
}

Evaluation Engine::evaluate(long step, int rounds, double time, double consensus_value) {
  Evaluation e;
  e.step = step;
  e.round = rounds;
  e.samples = local_steps_done_ * config_.batch;
  e.time = time;
  e.consensus = consensus_value;
  e.bytes = bytes_;
  if (split_ && split_->rank() != 0) {
    // Evaluated on rank 0 alone, which records the metrics; run() hears its divergence verdict.
    e.loss = e.gap = e.grad_norm_sq = std::numeric_limits<double>::quiet_NaN();
    return e;
  }
  const PointMetrics m = problem_.metrics(average_, gradient_);
  e.loss = m.loss;
  e.gap = m.gap;
  e.grad_norm_sq = m.grad_norm_sq;
  return e;
}

// Barrier and server step: every worker waits for the slowest participant (or for the deadline
// that cut someone's work), the participants' all-reduce takes the network model's time, and
// every worker's model (and, per the optimizer's rule, its state) is replaced by x_{r+1}, which
// round_model(false) has just previewed into average_.
std::optional<double> Engine::synchronise(long step, int round, std::span<Observer* const> observers) {
  double barrier = barrier_floor_;
  if (split_) {
    for (const Worker& w : workers_) barrier = std::max(barrier, w.clock);  // all of them take part
    barrier = split_->max(barrier);
  } else {
    for (int id : participants_) barrier = std::max(barrier, worker(id).clock);
  }
  const auto participants = static_cast<int>(participants_.size());
  const Index dim = problem_.dim();
  double communication = 0;
  double message_bytes = clock_.network.dense_bytes(dim);
  const long gossip_round = round - 1;  // W^(r) of this sync
  if (gossiping_) {
    communication = gossip_.round_seconds(clock_.network, gossip_round);
  } else if (participants > 0 && compressed_) {
    message_bytes = messages_.message_bytes();
    communication = clock_.network.allgather_seconds(participants, dim, message_bytes);
  } else if (participants > 0) {
    communication = clock_.network.allreduce_seconds(participants, dim);
  }
  const double done = barrier + communication;
  if (!std::isfinite(done)) return std::nullopt;

  const ModelsView view(workers_);
  for (Observer* o : observers) o->before_sync(step, view, average_);

  if (!participants_.empty() && !server_step_.installs_aggregate()) {
    server_step_.apply(server_, aggregate_, step_size_ratio_, average_, /*commit=*/true);  // same x_{r+1}
  }
  if (!participants_.empty()) committed_step_size_ = round_step_size_;
  if (compressed_) messages_.commit(participants_, workers_, server_);  // before x_r and the y_i change
  if (gossiping_) {
    // The nodes mix; x̄ (average_, computed before the step) is what the step keeps, as W is doubly
    // stochastic: it stays the evaluated model, and the workers keep their own models.
    gossip_.exchange(workers_, gossip_round, step, average_);
    bytes_ += gossip_.round_bytes(gossip_round);
  } else {
    bytes_ += participants * message_bytes;
  }
  if (!counts_.empty()) {
    for (std::size_t j = 0; j < participants_.size(); ++j) {
      WorkerCounts& c = counts_[static_cast<std::size_t>(participants_[j])];
      ++c.rounds;
      c.steps += participant_steps_[j];
    }
  }
  round_open_ = false;
  if (algorithm_.pipeline.correction.kind == round::CorrectionKind::scaffold && !participants_.empty()) {
    // SCAFFOLD (Karimireddy et al., ICML 2020, Alg. 1 line 12, option II):
    //   c_i⁺ = c_i − c + (x_r − y_i) / (K η_l), K η_l = the sum of the step sizes of the i's steps.
    // Line 17, c ← c + (1/N) Σ_{i∈S} (c_i⁺ − c_i), keeps c equal to the mean of all c_i (they start
    // at 0); it is recomputed as that mean, so that rounding cannot drift them apart (O(p d) per
    // sync, as much as the workers' model update below).
    const auto d = static_cast<std::size_t>(problem_.dim());
    for_each_worker(participants_.size(), participants_.size() * d, [&](std::size_t j) {
      const auto id = static_cast<std::size_t>(participants_[j]);
      // The round's steps t = start + 1, …, start + τ_i used η_{t−1} (run_local_steps).
      double step_size_sum = 0;
      for (long t = round_start_; t < round_start_ + participant_steps_[j]; ++t) {
        step_size_sum += algorithm_.step_size.at(t);
      }
      controls_[id] = (controls_[id] - control_mean_) + (server_ - workers_[id].model) * (1.0 / step_size_sum);
    });
    if (control_weights_.empty()) {
      deterministic_average(controls_.size(), [this](std::size_t i) -> const Vector& { return controls_[i]; },
                            control_mean_, averaging_scratch_);
    } else {
      // With shard-size weights the server minimises F = Σ (n_i/n) F_i, so c must be the same
      // mixture of the c_i (the paper's equal weights give the mean): c = Σ (n_i/n) c_i.
      parallel_sum_vectors(
          controls_.size(), [this](std::size_t i) { return control_weights_[i] * controls_[i]; }, control_mean_,
          averaging_scratch_);
    }

  }

  const StateAtSync state_rule = algorithm_.optimizer.state_at_sync();
  const auto state_count = static_cast<std::size_t>(algorithm_.optimizer.state_vectors());
  const bool average_state = state_rule == StateAtSync::average && state_count > 0 && !participants_.empty();
  if (average_state) state_averages_.resize(state_count, Vector::Zero(problem_.dim()));
  for (std::size_t k = 0; k < state_count && average_state && split_; ++k) {
    const double n = static_cast<double>(participants_.size());
    split_->sum_vectors([&](std::size_t j) -> const Vector& { return worker(participants_[j]).optimizer_state[k]; },
                        state_averages_[k], [&](tree::Coordinates c) { state_averages_[k].segment(c.begin, c.size) /= n; });
  }
  for (std::size_t k = 0; k < state_count && average_state && !split_; ++k) {
    deterministic_average(
        participants_.size(),
        [&](std::size_t j) -> const Vector& { return worker(participants_[j]).optimizer_state[k]; },
        state_averages_[k], averaging_scratch_);
  }
  // The averaged state continues the participants' histories: every worker takes the longest one's
  // age (the optimizer's bias corrections count from it). With everyone taking τ_r steps the ages
  // are equal already, so version 1's runs are unchanged.
  long age = 0;
  if (average_state && split_) {
    for (const Worker& w : workers_) age = std::max(age, w.optimizer_age);
    age = static_cast<long>(split_->max(static_cast<double>(age)));
  } else if (average_state) {
    for (int id : participants_) age = std::max(age, worker(id).optimizer_age);
  }
  server_ = average_;
  sync_time_ = done;
  // Every worker's own update: independent of the others, so in parallel when large.
  const std::size_t values = workers_.size() * static_cast<std::size_t>(problem_.dim()) * (1 + state_count);
  for_each_worker(workers_.size(), values, [&](std::size_t i) {
    Worker& w = workers_[i];
    if (!gossiping_) w.model = server_;
    if (average_state) {
      for (std::size_t k = 0; k < state_count; ++k) w.optimizer_state[k] = state_averages_[k];
      w.optimizer_age = age;
    }
    w.idle_seconds += barrier - w.clock;
    w.clock = done;
    if (state_rule == StateAtSync::reset) {
      for (Vector& s : w.optimizer_state) s.setZero();
      w.optimizer_age = 0;
    }
  });
  const SyncPoint point{step, round, done, view, server_, participants_, participant_steps_};
  for (Observer* o : observers) o->after_sync(point);
  return communication;
}

RunReport Engine::run(const Vector& x0, std::span<const long> eval_steps, std::span<Observer* const> observers) {
  const Index d = problem_.dim();
  if (x0.size() != d) throw std::invalid_argument("Engine::run: x0 has the wrong dimension");
  if (!std::is_sorted(eval_steps.begin(), eval_steps.end())) {
    throw std::invalid_argument("Engine::run: evaluation steps must be sorted");
  }
  const long total = config_.steps;

  const auto p = static_cast<std::size_t>(config_.workers);
  // A split run holds its own share of the workers (sim/worker_split.hpp); worker(id) finds them.
  split_.reset();
  if (config_.split_ranks != nullptr) split_.emplace(p, *config_.split_ranks);
  first_worker_ = split_ ? split_->first_worker() : 0;
  workers_.clear();
  workers_.resize(split_ ? split_->end_worker() - first_worker_ : p);
  steps_.begin_run(config_.seed, workers_, static_cast<int>(first_worker_), config_.workers);
  // Only rank 0 of a split run reports to observers (its evaluations are the run's).
  if (split_ && split_->rank() != 0) observers = {};
  const round::Pipeline& pipeline = algorithm_.pipeline;
  const bool scaffold = pipeline.correction.kind == round::CorrectionKind::scaffold;
  // n_i, for the draws and weights that use shard sizes (a stochastic oracle's workers are equal).
  shard_sizes_.clear();
  const bool needs_shards = pipeline.participation.kind == round::ParticipationKind::weighted ||
                            pipeline.aggregation != round::AggregationKind::uniform;
  const FiniteSum* finite_sum = problem_.finite_sum();
  if (needs_shards && finite_sum != nullptr) {
    for (int i = 0; i < config_.workers; ++i) shard_sizes_.push_back(static_cast<double>(finite_sum->shard(i).size()));
  }
  draw_.emplace(pipeline.participation, config_.workers, shard_sizes_, config_.seed);
  server_step_ = round::ServerStep(pipeline.server, d);
  local_work_key_ = purpose_key(config_.seed, StreamPurpose::local_work);
  participants_.reserve(p);
  multiplicity_.reserve(p);
  participant_steps_.reserve(p);
  if (needs_shards) weights_.reserve(p);
  aggregate_ = server_step_.installs_aggregate() ? Vector() : Vector::Zero(d);
  control_mean_ = scaffold ? Vector::Zero(d) : Vector();
  controls_.assign(scaffold ? p : 0, Vector::Zero(d));
  control_weights_.clear();
  const bool shard_weighted = pipeline.aggregation == round::AggregationKind::shard_size ||
                              pipeline.participation.kind == round::ParticipationKind::weighted;
  if (scaffold && shard_weighted && !shard_sizes_.empty()) {
    double samples = 0;
    for (double n : shard_sizes_) samples += n;
    for (double n : shard_sizes_) control_weights_.push_back(n / samples);
  }
  participants_.clear();
  multiplicity_.clear();
  participant_steps_.clear();
  // Counted only when someone may sit out a round or take other than τ_r steps.
  const bool counts = pipeline.participation.kind != round::ParticipationKind::full ||
                      pipeline.local_work.kind != round::LocalWorkKind::schedule;
  counts_.assign(counts ? p : 0, WorkerCounts{});
  round_open_ = false;
  for_each_worker(workers_.size(), workers_.size() * static_cast<std::size_t>(d), [&](std::size_t index) {
    Worker& w = workers_[index];
    w.model = x0;
    w.optimizer_state.assign(static_cast<std::size_t>(algorithm_.optimizer.state_vectors()), Vector::Zero(d));
  });
  average_ = x0;
  server_ = x0;
  sync_time_ = 0;
  local_steps_done_ = 0;
  round_step_size_ = 0;
  committed_step_size_ = 0;
  gradient_ = Vector::Zero(d);
  // Enough chunks for the scheduler to balance (8 per thread), never more than workers.
  const int chunks = std::min(config_.workers, 8 * tbb::this_task_arena::max_concurrency());
  chunks_.assign(static_cast<std::size_t>(chunks), steps_.scratch(d));
  // The identity operator sends the whole model: the exact average by all-reduce, bit for bit the
  // uncompressed run (whatever the feedback: its memory would stay 0, or equal to the change sent).
  gossiping_ = pipeline.gossip.enabled;
  if (gossiping_) gossip_.begin_run(pipeline, config_.workers, d, chunks, config_.seed, x0, clock_.network.dense_bytes(d));
  // With gossip the compressor is CHOCO's (sim/gossip.hpp), not the server's messages.
  compressed_ = pipeline.compression.enabled && !gossiping_ &&
                pipeline.compression.compressor.kind != compression::CompressorKind::identity;
  if (compressed_) messages_.begin_run(pipeline.compression, config_.workers, d, chunks, config_.seed);
  bytes_ = 0;
  state_averages_.clear();

  RunReport report;
  auto next_eval = eval_steps.begin();
  while (next_eval != eval_steps.end() && *next_eval < 0) ++next_eval;
  auto emit = [&](const Evaluation& e) {
    for (Observer* o : observers) o->on_evaluation(e);
  };

  if (next_eval != eval_steps.end() && *next_eval == 0) {
    emit(evaluate(0, 0, 0.0, consensus()));
    ++next_eval;
  }
  const long trace_every = config_.trace_every;
  const ModelsView models_view(workers_);
  if (trace_every > 0) {
    for (Observer* o : observers) o->on_trace(0, 0, models_view);
  }

  long t = 0;
  // A split run stops at the same segments on every rank (their stop requests are agreed there).
  const long max_segment = config_.stop != nullptr || split_ ? segment_steps(config_.batch, d) : total;
  const CurrentAverage current_average(problem_, average_);
  SyncContext context{total, config_.workers, config_.batch, 0, 0, 0.0, &current_average};
  while (t < total) {
    const long sync_at = std::clamp(algorithm_.schedule.next_sync(context), t + 1, total);
    begin_round(report.rounds, t, sync_at - t);
    while (t < sync_at) {
      bool stop = config_.stop != nullptr && config_.stop->load(std::memory_order_relaxed);
      if (split_) stop = split_->any(stop);
      if (stop) {
        report.termination = Termination::interrupted;
        report.steps_done = t;
        break;
      }
      // Workers run until the next sync or the next evaluation point, whichever comes first (and
      // at most one segment, so that a stop request is seen soon). Stopping only pauses the
      // workers; it changes no state.
      while (next_eval != eval_steps.end() && *next_eval <= t) ++next_eval;
      long stretch_end =
          std::min((next_eval != eval_steps.end()) ? std::min(sync_at, *next_eval) : sync_at, t + max_segment);
      if (trace_every > 0) stretch_end = std::min(stretch_end, (t / trace_every + 1) * trace_every);
      run_workers(t + 1, stretch_end);
      t = stretch_end;
      if (const auto [overflow_step, worker] = clock_overflow(); overflow_step > 0) {
        // No evaluation: its time would not be a number. The rows and target hits so far stand.
        report.termination = Termination::clock_overflow;
        report.steps_done = overflow_step;
        report.clock_overflow_worker = worker;
        break;
      }
      const bool is_sync = (t == sync_at);
      const bool is_eval = (next_eval != eval_steps.end() && *next_eval == t);
      if (trace_every > 0 && !is_sync && t % trace_every == 0) {
        for (Observer* o : observers) o->on_trace(t, report.rounds, models_view);
      }
      if (!is_sync && !is_eval) continue;

      round_model(/*commit=*/false);
      const bool finite = average_.allFinite();
      // Consensus is measured on the participants' models before the sync; the other metrics at
      // x_{r+1} (x̄_t for LUPA), which the sync below installs unchanged, and the evaluation's round
      // and time are those after it. Between syncs, x_{r+1} is a preview that changes no state.
      // A gossip step leaves the nodes apart: their consensus is taken after it, on the models
      // the next steps start from (the x_i^(t) of Koloskova et al. 2020, whose consensus distance
      // the spectral gap bounds); before it, it would add the step's fresh noise on every graph.
      const bool evaluating = is_eval || !finite;
      const bool consensus_after_gossip = gossiping_ && is_sync && finite;
      double consensus_value = evaluating && !consensus_after_gossip ? consensus() : 0.0;
      if (is_sync && finite) {
        const std::optional<double> communication = synchronise(t, report.rounds + 1, observers);
        if (!communication) {
          report.termination = Termination::clock_overflow;
          report.steps_done = t;
          break;
        }
        ++report.rounds;
        if (participants_.empty()) ++report.empty_rounds;
        report.communication_time += *communication;
        if (evaluating && consensus_after_gossip) consensus_value = consensus();
      }
      std::optional<Evaluation> evaluation;
      if (evaluating) {
        evaluation = evaluate(t, report.rounds, slowest_clock(), consensus_value);
        emit(*evaluation);
      }
      bool diverged = evaluation && !(std::isfinite(evaluation->loss) && evaluation->gap <= config_.divergence_gap);
      if (split_ && evaluation) diverged = split_->from_rank0(diverged ? 1.0 : 0.0) != 0;  // rank 0 evaluated
      if (!finite || diverged) {
        report.termination = Termination::diverged;
        report.steps_done = t;
        break;
      }
    }
    if (report.termination != Termination::completed) break;
    context.last_sync = t;
    context.rounds_done = report.rounds;
    context.virtual_time = slowest_clock();
  }
  if (report.termination == Termination::completed) report.steps_done = total;

  // After an overflow the workers' clocks may still be finite (the average overflowed), but the
  // run's time is not.
  report.virtual_time = report.termination == Termination::clock_overflow ? HUGE_VAL : slowest_clock();
  report.busy_seconds.assign(p, 0.0);
  report.idle_seconds.assign(p, 0.0);
  for (std::size_t i = 0; i < workers_.size(); ++i) {
    report.busy_seconds[first_worker_ + i] = workers_[i].busy_seconds;
    report.idle_seconds[first_worker_ + i] = workers_[i].idle_seconds;
  }
  if (split_) {
    split_->share_workers_values(report.busy_seconds);
    split_->share_workers_values(report.idle_seconds);
  }
  if (counts_.empty()) {  // everyone, every round, every step
    report.rounds_participated.assign(p, report.rounds);
    report.steps_run.assign(p, report.steps_done);
    report.dropped_steps.assign(p, 0);
  } else {
    if (round_open_) {  // a run that ended inside a round: the steps its participants ran
      for (std::size_t j = 0; j < participants_.size(); ++j) {
        counts_[static_cast<std::size_t>(participants_[j])].steps +=
            std::clamp(report.steps_done - round_start_, 0L, participant_steps_[j]);
      }
    }
    for (const WorkerCounts& c : counts_) {
      report.rounds_participated.push_back(c.rounds);
      report.steps_run.push_back(c.steps);
      report.dropped_steps.push_back(c.dropped);
    }
  }
  report.final_model = average_;
  report.bytes_sent = bytes_;
  return report;
}

}  // namespace localsgd
