#include "sim/engine.hpp"

#include <tbb/blocked_range.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <stdexcept>

#include "sim/averaging.hpp"
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

}  // namespace

Engine::Engine(const Problem& problem, EngineConfig config, Algorithm algorithm, ClockModels clock)
    : problem_(problem), config_(config), algorithm_(algorithm), clock_(clock) {
  if (config_.workers < 1 || config_.steps < 1 || config_.batch < 1) {
    throw std::invalid_argument("Engine: workers, steps and batch must be >= 1");
  }
  if (problem_.workers() != config_.workers) {
    throw std::invalid_argument("Engine: the problem was partitioned for a different number of workers");
  }
}

void Engine::run_local_steps(Worker& worker, int id, long first, long last) const {
  for (long t = first; t <= last; ++t) {
    const double eta = algorithm_.step_size.at(t - 1);  // step t uses η_{t−1}
    problem_.stochastic_gradient(id, worker.model, config_.batch, worker.sampling, worker.gradient);
    ++worker.optimizer_age;
    algorithm_.optimizer.step(worker.optimizer_age, eta, worker.model, worker.gradient, worker.optimizer_state);
    const double seconds = clock_.compute.step_seconds(id, worker.compute_time);
    worker.clock += seconds;
    worker.busy_seconds += seconds;
  }
}

void Engine::average_workers() {
  deterministic_average(workers_.size(), [this](std::size_t i) -> const Vector& { return workers_[i].model; },
                        average_);
}

double Engine::consensus() const {
  double sum = 0;
  for (const Worker& w : workers_) sum += (w.model - average_).squaredNorm();
  return sum / static_cast<double>(workers_.size());
}

Evaluation Engine::evaluate(long step, int rounds, double time, bool with_consensus) {
  Evaluation e;
  e.step = step;
  e.round = rounds;
  e.samples = static_cast<long>(config_.workers) * config_.batch * step;
  e.time = time;
  e.loss = problem_.loss(average_);
  e.gap = problem_.gap(average_);
  problem_.gradient(average_, gradient_);
  e.grad_norm_sq = gradient_.squaredNorm();
  e.consensus = with_consensus ? consensus() : 0.0;
  return e;
}

// Barrier and average: every worker waits for the slowest, the all-reduce takes the network
// model's time, and all models (and, per the optimizer's rule, its state) are replaced.
double Engine::synchronise(long step, int round, std::span<Observer* const> observers) {
  const ModelsView view(workers_);
  for (Observer* o : observers) o->before_sync(step, view, average_);

  double barrier = 0;
  for (const Worker& w : workers_) barrier = std::max(barrier, w.clock);
  const double communication = clock_.network.allreduce_seconds(config_.workers, problem_.dim());
  const double done = barrier + communication;

  const StateAtSync state_rule = algorithm_.optimizer.state_at_sync();
  const auto state_count = static_cast<std::size_t>(algorithm_.optimizer.state_vectors());
  for (std::size_t k = 0; k < state_count && state_rule == StateAtSync::average; ++k) {
    deterministic_average(workers_.size(),
                          [&](std::size_t i) -> const Vector& { return workers_[i].optimizer_state[k]; },
                          state_average_);
    for (Worker& w : workers_) w.optimizer_state[k] = state_average_;
  }
  for (Worker& w : workers_) {
    w.model = average_;
    w.idle_seconds += barrier - w.clock;
    w.clock = done;
    if (state_rule == StateAtSync::reset) {
      for (Vector& s : w.optimizer_state) s.setZero();
      w.optimizer_age = 0;
    }
  }
  const SyncPoint point{step, round, done, view, average_};
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

  workers_.clear();
  workers_.resize(static_cast<std::size_t>(config_.workers));
  for (int i = 0; i < config_.workers; ++i) {
    Worker& w = workers_[static_cast<std::size_t>(i)];
    w.model = x0;
    w.gradient = Vector::Zero(d);
    w.optimizer_state.assign(static_cast<std::size_t>(algorithm_.optimizer.state_vectors()), Vector::Zero(d));
    w.sampling = make_stream(config_.seed, StreamPurpose::sampling, static_cast<std::uint64_t>(i));
    w.compute_time = make_stream(config_.seed, StreamPurpose::compute_time, static_cast<std::uint64_t>(i));
  }
  average_ = x0;
  gradient_ = Vector::Zero(d);
  state_average_ = Vector::Zero(d);

  RunReport report;
  auto next_eval = eval_steps.begin();
  while (next_eval != eval_steps.end() && *next_eval < 0) ++next_eval;
  auto emit = [&](const Evaluation& e) {
    for (Observer* o : observers) o->on_evaluation(e);
  };
  auto slowest_clock = [&] {
    double latest = 0;
    for (const Worker& w : workers_) latest = std::max(latest, w.clock);
    return latest;
  };

  if (next_eval != eval_steps.end() && *next_eval == 0) {
    emit(evaluate(0, 0, 0.0, true));
    ++next_eval;
  }

  long t = 0;
  const long max_segment = config_.stop != nullptr ? segment_steps(config_.batch, d) : total;
  const CurrentAverage current_average(problem_, average_);
  SyncContext context{total, config_.workers, config_.batch, 0, 0, 0.0, &current_average};
  while (t < total) {
    const long sync_at = std::clamp(algorithm_.schedule.next_sync(context), t + 1, total);
    while (t < sync_at) {
      if (config_.stop != nullptr && config_.stop->load(std::memory_order_relaxed)) {
        report.termination = Termination::interrupted;
        report.steps_done = t;
        break;
      }
      // Workers run until the next sync or the next evaluation point, whichever comes first (and
      // at most one segment, so that a stop request is seen soon). Stopping only pauses the
      // workers; it changes no state.
      while (next_eval != eval_steps.end() && *next_eval <= t) ++next_eval;
      const long stop = std::min((next_eval != eval_steps.end()) ? std::min(sync_at, *next_eval) : sync_at,
                                 t + max_segment);
      parallel_for_range(tbb::blocked_range<int>(0, config_.workers), [&](const tbb::blocked_range<int>& r) {
        for (int i = r.begin(); i != r.end(); ++i) {
          run_local_steps(workers_[static_cast<std::size_t>(i)], i, t + 1, stop);
        }
      });
      t = stop;
      const bool is_sync = (t == sync_at);
      const bool is_eval = (next_eval != eval_steps.end() && *next_eval == t);
      if (!is_sync && !is_eval) continue;

      average_workers();
      const bool finite = average_.allFinite();
      std::optional<Evaluation> evaluation;
      if (is_eval || !finite) {
        // Consensus is measured on the pre-sync models; the other metrics at x̄_t, which the
        // sync below installs unchanged.
        evaluation = evaluate(t, report.rounds, 0.0, true);
      }
      if (is_sync && finite) {
        ++report.rounds;
        report.communication_time += synchronise(t, report.rounds, observers);
      }
      if (evaluation) {
        evaluation->round = report.rounds;
        evaluation->time = slowest_clock();
        emit(*evaluation);
      }
      if (!finite || (evaluation && !(std::isfinite(evaluation->loss) && evaluation->gap <= config_.divergence_gap))) {
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

  report.virtual_time = slowest_clock();
  for (const Worker& w : workers_) {
    report.busy_seconds.push_back(w.busy_seconds);
    report.idle_seconds.push_back(w.idle_seconds);
  }
  report.final_model = average_;
  return report;
}

}  // namespace localsgd
