#include "sim/async_engine.hpp"

#include <tbb/task_arena.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "algorithms/round/participation.hpp"
#include "sim/averaging.hpp"
#include "sim/consensus.hpp"
#include "sim/heap_block.hpp"
#include "sim/parallel.hpp"

namespace localsgd {

namespace {

// The optimizer's state rule without a barrier: there is no average to take, so `average` keeps
// the worker's own state (as `keep`); `reset` restarts it at every pull.
bool resets_state_at_pull(const LocalOptimizer& optimizer) { return optimizer.state_at_sync() == StateAtSync::reset; }

// Whether worker i is ever present under `available` participation (q_i > 0, or a diurnal swing).
bool ever_present(const round::ParticipationOptions& options, int worker) {
  if (options.kind != round::ParticipationKind::available) return true;
  const auto& q = options.probability;
  const double base = q.size() == 1 ? q[0] : q[static_cast<std::size_t>(worker)];
  return base > 0 || (options.period_rounds > 0 && options.amplitude > 0);
}

}  // namespace

double AsyncReport::mean_staleness() const {
  double pushes_seen = 0;
  double total = 0;
  for (std::size_t s = 0; s < staleness_counts.size(); ++s) {
    pushes_seen += static_cast<double>(staleness_counts[s]);
    total += static_cast<double>(s) * static_cast<double>(staleness_counts[s]);
  }
  return pushes_seen > 0 ? total / pushes_seen : 0.0;
}

bool AsyncEngine::Event::operator>(const Event& other) const {
  if (time != other.time) return time > other.time;
  if (kind != other.kind) return kind > other.kind;
  return worker > other.worker;
}

AsyncEngine::AsyncEngine(const Problem& problem, EngineConfig config, AsyncAlgorithm algorithm, ClockModels clock)
    : problem_(problem),
      config_(config),
      algorithm_(algorithm),
      clock_(clock),
      steps_(problem, config.batch, algorithm.step_size, algorithm.optimizer, clock.compute) {
  if (config_.workers < 1 || config_.steps < 1 || config_.batch < 1) {
    throw std::invalid_argument("AsyncEngine: workers, steps and batch must be >= 1");
  }
  if (config_.split_ranks != nullptr) {
    throw std::invalid_argument("AsyncEngine: an asynchronous run is not split among ranks (it has no barrier)");
  }
  if (problem_.workers() != config_.workers) {
    throw std::invalid_argument("AsyncEngine: the problem was partitioned for a different number of workers");
  }
  round::check_async_pipeline(algorithm_.pipeline, algorithm_.coordination, config_.workers, algorithm_.local_steps);
}

double AsyncEngine::estimate_bytes(const EngineShape& shape, const round::CoordinationOptions& coordination) {
  const double d = static_cast<double>(shape.dim);
  const double p = shape.workers;
  const double vector = heap_block(8.0 * d);
  const double states = shape.optimizer_state_vectors;
  const bool fedbuff = coordination.kind == round::CoordinationKind::fedbuff;
  const bool keeps_pulled = fedbuff || shape.pipeline.correction.kind == round::CorrectionKind::fedprox;
  double per_worker = static_cast<double>(sizeof(Worker)) + vector + static_cast<double>(sizeof(Job)) +
                      4 * 8.0 +  // step counter, attempts, busy and communication seconds
                      static_cast<double>(sizeof(Event)) + 4.0;  // its event, its place among the pending
  if (states > 0) per_worker += heap_block(states * static_cast<double>(sizeof(Vector))) + states * vector;
  if (keeps_pulled) per_worker += static_cast<double>(sizeof(Vector)) + vector;
  const int threads = shape.threads > 0 ? shape.threads : tbb::this_task_arena::max_concurrency();
  const double chunks = std::min(p, 8.0 * threads);
  double per_chunk = static_cast<double>(sizeof(StepScratch)) + vector;
  if (shape.finite_sum) {
    per_chunk += 2 * heap_block(8.0 * static_cast<double>((LocalSteps::lookahead(shape.batch) + 1) * shape.batch));
  }
  double shared = 8 * heap_block(0) +              // the per-worker arrays' blocks
                  3 * vector +                      // server, aggregate, next
                  chunks * per_chunk +              //
                  heap_block(8.0 * p) +             // distances
                  heap_block(8.0 * p) +             // pushes per worker
                  heap_block(8.0 * 1024);           // the staleness histogram (grows with the largest staleness)
  shared += round::ServerStep::state_vectors(shape.pipeline.server) * vector;
  if (fedbuff) {
    const double k = coordination.buffer;
    shared += heap_block(k * static_cast<double>(sizeof(Vector))) + k * vector + heap_block(8.0 * k);
  }
  return p * per_worker + shared;
}

void AsyncEngine::pull(int id, double time) {
  const auto i = static_cast<std::size_t>(id);
  const round::ParticipationOptions& participation = algorithm_.pipeline.participation;
  if (participation.kind == round::ParticipationKind::available) {
    // Attempt a of worker i draws its presence at (seed, participation, i, a), with q_i(a): the
    // barrier run's draw of round a. Absent, it tries again one expected job later.
    const long attempt = attempts_[i]++;
    Rng rng(participation_key_, static_cast<std::uint64_t>(id), static_cast<std::uint64_t>(attempt));
    if (!(uniform01(rng) < presence_->presence_probability(id, attempt))) {
      if (std::isfinite(time + retry_seconds_[i])) events_.push(Event{time + retry_seconds_[i], EventKind::pull, id});
      return;
    }
  }
  const long tau = algorithm_.local_steps;
  const double message = clock_.network.message_seconds(problem_.dim());
  Worker& w = workers_[i];
  Job& job = jobs_[i];
  job.version = version_;
  job.first_step = local_steps_done_by_[i] + 1;
  local_steps_done_by_[i] += tau;
  job.pull_time = time;
  job.compute_start = time + message;
  // The job's step times, added in the order LocalSteps::run adds them to the worker's clock.
  double end = job.compute_start;
  double seconds = 0;
  for (long t = job.first_step; t < job.first_step + tau; ++t) {
    const double step = steps_.step_seconds(w, id, t);
    end += step;
    seconds += step;
  }
  job.compute_end = end;
  job.compute_seconds = seconds;
  job.computed = false;
  job.in_flight = true;
  w.model = server_;
  w.clock = job.compute_start;
  if (!pulled_.empty()) pulled_[i] = server_;
  if (resets_state_at_pull(algorithm_.optimizer)) {
    for (Vector& s : w.optimizer_state) s.setZero();
    w.optimizer_age = 0;
  }
  pending_.push_back(id);
  const double arrival = end + message;
  if (!std::isfinite(arrival)) {
    if (overflow_worker_ < 0) overflow_worker_ = id;
    return;
  }
  events_.push(Event{arrival, EventKind::push, id});
}

void AsyncEngine::compute_pending() {
  std::sort(pending_.begin(), pending_.end());
  const auto count = static_cast<int>(pending_.size());
  const long tau = algorithm_.local_steps;
  const round::CorrectionOptions& correction = algorithm_.pipeline.correction;
  auto run_range = [&](int begin, int end, StepScratch& scratch) {
    for (int j = begin; j != end; ++j) {
      const int id = pending_[static_cast<std::size_t>(j)];
      const auto i = static_cast<std::size_t>(id);
      const long first = jobs_[i].first_step;
      const StepCorrection step_correction{correction.kind, correction.mu, pulled_.empty() ? nullptr : &pulled_[i],
                                           nullptr, nullptr};
      steps_.draw_first_rows(id, first, first + tau - 1, scratch.rows);
      steps_.run(workers_[i], id, first, first + tau - 1, scratch, step_correction);
    }
  };
  if (!Engine::runs_in_parallel(count, tau, config_.batch, problem_.dim())) {
    run_range(0, count, chunks_.front());
  } else {
    // Fixed chunks of consecutive pending workers, each a task with its own scratch: each job
    // touches only its worker, so the split changes no bit.
    const auto chunks = std::min(count, static_cast<int>(chunks_.size()));
    parallel_for_index(0, chunks, [&](int c) {
      run_range(chunk_begin(count, c, chunks), chunk_begin(count, c + 1, chunks), chunks_[static_cast<std::size_t>(c)]);
    });
  }
  for (int id : pending_) jobs_[static_cast<std::size_t>(id)].computed = true;
  pending_.clear();
}

bool AsyncEngine::push(int id, double /*time*/) {
  const auto i = static_cast<std::size_t>(id);
  Job& job = jobs_[i];
  const Vector& y = workers_[i].model;
  job.in_flight = false;
  finished_seconds_[i] += job.compute_seconds;
  communication_[i] += 2 * clock_.network.message_seconds(problem_.dim());
  const long staleness = version_ - job.version;
  auto& counts = stats_.staleness_counts;
  if (static_cast<std::size_t>(staleness) >= counts.size()) counts.resize(static_cast<std::size_t>(staleness) + 1, 0);
  ++counts[static_cast<std::size_t>(staleness)];
  ++stats_.pushes;
  ++stats_.pushes_per_worker[i];
  const double weight = round::staleness_weight(algorithm_.coordination.staleness, staleness);
  const long tau = algorithm_.local_steps;

  if (algorithm_.coordination.kind == round::CoordinationKind::fedasync) {
    // Xie et al., Algorithm 1 (server): x_t = (1 − α_t) x_{t−1} + α_t x_new, α_t = α s(t − τ).
    const double alpha = algorithm_.coordination.mixing * weight;
    if (alpha == 1.0) {
      server_ = y;  // exactly the pushed model (p = 1, α = 1: serial SGD)
    } else {
      server_ = (1.0 - alpha) * server_ + alpha * y;
    }
    last_consensus_ = (y - server_).squaredNorm();
    ++version_;
    applied_steps_ += tau;
    return true;
  }

  // FedBuff (Nguyen et al. 2022, Algorithm 1): buffer s·Δ_i, Δ_i = x_{v_i} − y_i, kept as the model
  // x − s·Δ_i on the current server model (unchanged until the buffer is full), so that their mean
  // is x − Δ̄: with no staleness, the pushed model itself, bit for bit.
  const auto slot = static_cast<std::size_t>(buffered_);
  Vector& entry = buffer_[slot];
  if (staleness == 0) {
    entry = y;
  } else {
    entry = server_ + weight * (y - pulled_[i]);
  }
  buffer_order_.emplace_back(id, buffered_);
  ++buffered_;
  buffered_steps_ += tau;
  if (buffered_ < algorithm_.coordination.buffer) return false;
  flush_buffer();
  return true;
}

void AsyncEngine::flush_buffer() {
  // In worker order (arrival order for a worker's repeated pushes), as a barrier round sums its
  // participants: with K = p pushes of one version, FedAvg's aggregate bit for bit.
  std::sort(buffer_order_.begin(), buffer_order_.end());
  const std::size_t count = buffer_order_.size();
  auto model = [this](std::size_t j) -> const Vector& {
    return buffer_[static_cast<std::size_t>(buffer_order_[j].second)];
  };
  if (server_step_.installs_aggregate()) {
    deterministic_average(count, model, server_, averaging_scratch_);
    last_consensus_ = consensus_distance(count, model, server_, distances_);
  } else {
    deterministic_average(count, model, aggregate_, averaging_scratch_);
    last_consensus_ = consensus_distance(count, model, aggregate_, distances_);
    // SlowMo's step-size ratio is 1: an asynchronous server step has no round step size.
    server_step_.apply(server_, aggregate_, 1.0, next_, /*commit=*/true);
    server_.swap(next_);
  }
  ++version_;
  applied_steps_ += buffered_steps_;
  buffered_ = 0;
  buffered_steps_ = 0;
  buffer_order_.clear();
}

Evaluation AsyncEngine::evaluate(double time, double consensus_value) {
  Evaluation e;
  e.step = applied_steps_ / config_.workers;
  e.round = static_cast<int>(version_);
  e.samples = applied_steps_ * config_.batch;
  e.time = time;
  const PointMetrics m = problem_.metrics(server_, gradient_);
  e.loss = m.loss;
  e.gap = m.gap;
  e.grad_norm_sq = m.grad_norm_sq;
  e.consensus = consensus_value;
  return e;
}

RunReport AsyncEngine::run(const Vector& x0, std::span<const long> eval_steps, std::span<Observer* const> observers) {
  const Index d = problem_.dim();
  if (x0.size() != d) throw std::invalid_argument("AsyncEngine::run: x0 has the wrong dimension");
  if (!std::is_sorted(eval_steps.begin(), eval_steps.end())) {
    throw std::invalid_argument("AsyncEngine::run: evaluation steps must be sorted");
  }
  const int p = config_.workers;
  const auto workers = static_cast<std::size_t>(p);
  const round::Pipeline& pipeline = algorithm_.pipeline;
  const bool fedbuff = algorithm_.coordination.kind == round::CoordinationKind::fedbuff;

  workers_.clear();
  workers_.resize(workers);
  steps_.begin_run(config_.seed, workers_);
  for (Worker& w : workers_) {
    w.model = x0;
    w.optimizer_state.assign(static_cast<std::size_t>(algorithm_.optimizer.state_vectors()), Vector::Zero(d));
  }
  jobs_.assign(workers, Job{});
  const bool keeps_pulled = fedbuff || pipeline.correction.kind == round::CorrectionKind::fedprox;
  pulled_.assign(keeps_pulled ? workers : 0, x0);
  local_steps_done_by_.assign(workers, 0);
  attempts_.assign(workers, 0);
  finished_seconds_.assign(workers, 0.0);
  communication_.assign(workers, 0.0);
  pending_.clear();
  pending_.reserve(workers);
  std::vector<Event> storage;
  storage.reserve(workers + 1);  // each worker has exactly one event ahead of it
  events_ = decltype(events_)(std::greater<>(), std::move(storage));
  const int chunks = std::min(p, 8 * tbb::this_task_arena::max_concurrency());
  chunks_.assign(static_cast<std::size_t>(chunks), steps_.scratch(d));
  server_step_ = round::ServerStep(pipeline.server, d);
  server_ = x0;
  aggregate_ = server_step_.installs_aggregate() ? Vector() : Vector::Zero(d);
  next_ = server_step_.installs_aggregate() ? Vector() : Vector::Zero(d);
  gradient_ = Vector::Zero(d);
  version_ = 0;
  applied_steps_ = 0;
  buffer_.assign(fedbuff ? static_cast<std::size_t>(algorithm_.coordination.buffer) : 0, Vector::Zero(d));
  buffer_order_.clear();
  buffer_order_.reserve(buffer_.size());
  buffered_ = 0;
  buffered_steps_ = 0;
  last_consensus_ = 0;
  overflow_worker_ = -1;
  stats_ = AsyncReport{};
  stats_.pushes_per_worker.assign(workers, 0);
  stats_.staleness_counts.reserve(64);

  presence_.emplace(pipeline.participation, p, std::span<const double>{}, config_.seed);
  participation_key_ = purpose_key(config_.seed, StreamPurpose::participation);
  retry_seconds_.assign(workers, 0.0);
  bool anyone = false;
  for (int i = 0; i < p; ++i) anyone = anyone || ever_present(pipeline.participation, i);
  if (!anyone) throw std::invalid_argument("AsyncEngine: no worker is ever available (every q_i is 0)");
  if (pipeline.participation.kind == round::ParticipationKind::available) {
    for (int i = 0; i < p; ++i) {
      const std::optional<double> mean = clock_.compute.mean_step_seconds(i);
      if (!mean) throw std::invalid_argument("AsyncEngine: available participation needs compute models with a known mean");
      retry_seconds_[static_cast<std::size_t>(i)] = static_cast<double>(algorithm_.local_steps) * *mean;
    }
  }

  RunReport report;
  auto next_eval = eval_steps.begin();
  while (next_eval != eval_steps.end() && *next_eval < 0) ++next_eval;
  auto emit = [&](const Evaluation& e) {
    for (Observer* o : observers) o->on_evaluation(e);
  };
  if (next_eval != eval_steps.end() && *next_eval == 0) {
    emit(evaluate(0.0, 0.0));
    ++next_eval;
  }

  for (int i = 0; i < p; ++i) {
    if (ever_present(pipeline.participation, i)) pull(i, 0.0);
  }
  const long budget = static_cast<long>(p) * config_.steps;
  const ModelsView models_view(workers_);
  double now = 0;
  while (true) {
    if (events_.empty()) throw std::logic_error("AsyncEngine: no event ahead (some worker is always available)");
    if (overflow_worker_ >= 0) {
      report.termination = Termination::clock_overflow;
      report.clock_overflow_worker = overflow_worker_;
      break;
    }
    if (config_.stop != nullptr && config_.stop->load(std::memory_order_relaxed)) {
      report.termination = Termination::interrupted;
      break;
    }
    const Event event = events_.top();
    events_.pop();
    now = event.time;
    if (event.kind == EventKind::pull) {
      pull(event.worker, event.time);
      continue;
    }
    if (!jobs_[static_cast<std::size_t>(event.worker)].computed) compute_pending();
    const bool updated = push(event.worker, event.time);
    events_.push(Event{event.time, EventKind::pull, event.worker});  // after every push at this time
    if (!updated) continue;

    const bool finite = server_.allFinite();
    const bool done = applied_steps_ >= budget;
    const long step = applied_steps_ / p;
    if (finite) {
      // Every server update is a sync point (targets are checked there, as at a barrier's syncs).
      SyncPoint point{step, static_cast<int>(version_), event.time, models_view, server_};
      point.samples = applied_steps_ * config_.batch;
      for (Observer* o : observers) o->after_sync(point);
    }
    bool evaluating = !finite || done;
    while (next_eval != eval_steps.end() && *next_eval <= step) {
      evaluating = true;
      ++next_eval;
    }
    std::optional<Evaluation> evaluation;
    if (evaluating) {
      evaluation = evaluate(event.time, last_consensus_);
      emit(*evaluation);
    }
    if (!finite || (evaluation && !(std::isfinite(evaluation->loss) && evaluation->gap <= config_.divergence_gap))) {
      report.termination = Termination::diverged;
      break;
    }
    if (done) break;
  }
  report.steps_done = applied_steps_ / p;
  report.rounds = static_cast<int>(version_);
  report.virtual_time = report.termination == Termination::clock_overflow ? HUGE_VAL : now;

  // Every worker's time up to the end: finished jobs, and the part of the current one done by then.
  const double message = clock_.network.message_seconds(d);
  const double end = now;
  double communication_total = 0;
  for (std::size_t i = 0; i < workers; ++i) {
    double busy = finished_seconds_[i];
    double communication = communication_[i];
    const Job& job = jobs_[i];
    if (job.in_flight && std::isfinite(end)) {
      communication += std::clamp(end - job.pull_time, 0.0, message);
      busy += end >= job.compute_end ? job.compute_seconds : std::max(0.0, end - job.compute_start);
      if (end > job.compute_end) communication += std::min(message, end - job.compute_end);
    }
    report.busy_seconds.push_back(busy);
    report.idle_seconds.push_back(std::max(0.0, end - busy - communication));
    stats_.communication_seconds.push_back(communication);
    communication_total += communication;
    report.rounds_participated.push_back(stats_.pushes_per_worker[i]);
    report.steps_run.push_back(stats_.pushes_per_worker[i] * algorithm_.local_steps);
    report.dropped_steps.push_back(0);
  }
  report.communication_time = communication_total / static_cast<double>(p);
  report.final_model = server_;
  report.asynchrony = std::move(stats_);
  return report;
}

}  // namespace localsgd
