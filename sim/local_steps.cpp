#include "sim/local_steps.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "sim/minibatch.hpp"

namespace localsgd {

LocalSteps::LocalSteps(const Problem& problem, int batch, const StepSize& step_size, const LocalOptimizer& optimizer,
                       const ComputeModel& compute)
    : problem_(problem),
      finite_sum_(problem.finite_sum()),
      oracle_(problem.stochastic_oracle()),
      batch_(batch),
      lookahead_(lookahead(batch)),
      step_size_(step_size),
      optimizer_(optimizer),
      compute_(compute) {
  if ((finite_sum_ == nullptr) == (oracle_ == nullptr)) {
    throw std::invalid_argument("Engine: a problem must be either a finite sum or a stochastic oracle");
  }
}

void LocalSteps::begin_run(std::uint64_t seed, std::vector<Worker>& workers, int first_id, int total) {
  sampling_key_ = purpose_key(seed, StreamPurpose::sampling);
  compute_key_ = purpose_key(seed, StreamPurpose::compute_time);
  // Step times are drawn (at (seed, compute_time, worker, step)) only if some worker's is random.
  draws_compute_times_ = false;
  const int p = total >= 0 ? total : static_cast<int>(workers.size());
  for (int i = 0; i < p && !draws_compute_times_; ++i) {
    draws_compute_times_ = !compute_.fixed_step_seconds(i).has_value();
  }
  for (std::size_t i = 0; i < workers.size(); ++i) {
    workers[i].step_seconds = draws_compute_times_ ? 0.0 : *compute_.fixed_step_seconds(first_id + static_cast<int>(i));
  }
}

StepScratch LocalSteps::scratch(Index d) const {
  const std::size_t ring = finite_sum_ != nullptr ? static_cast<std::size_t>((lookahead_ + 1) * batch_) : 0;
  return StepScratch{Vector::Zero(d), std::vector<Index>(ring, 0), std::vector<Index>(ring, 0)};
}

void LocalSteps::draw_rows(int id, long t, std::vector<Index>& ring) const {
  Rng draws(sampling_key_, static_cast<std::uint64_t>(id), static_cast<std::uint64_t>(t));
  Index* rows = ring.data() + slot(t);
  draw_minibatch(finite_sum_->shard(id), batch_, draws, rows);
  finite_sum_->prefetch_rows(rows, batch_);
}

void LocalSteps::draw_first_rows(int id, long first, long last, std::vector<Index>& ring) const {
  if (finite_sum_ == nullptr) return;
  for (long t = first; t <= std::min(first + lookahead_, last); ++t) draw_rows(id, t, ring);
}

void LocalSteps::run(Worker& worker, int id, long first, long last, StepScratch& scratch,
                     const StepCorrection& correction) const {
  Vector& gradient = scratch.gradient;
  for (long t = first; t <= last; ++t) {
    const double eta = step_size_.at(t - 1);  // step t uses η_{t−1}
    if (finite_sum_ != nullptr) {
      // The rows of step t + lookahead are drawn (and asked from memory) before step t computes,
      // so that they arrive in time; they take the slot of step t − 1, which is done. Draws are
      // addressed by (worker, step), so drawing ahead changes no value.
      if (t > first && t + lookahead_ <= last) draw_rows(id, t + lookahead_, scratch.rows);
      finite_sum_->batch_gradient(worker.model, scratch.rows.data() + slot(t), batch_, gradient);
    } else {
      Rng draws(sampling_key_, static_cast<std::uint64_t>(id), static_cast<std::uint64_t>(t));
      oracle_->stochastic_gradient(id, worker.model, batch_, draws, gradient);
    }
    switch (correction.kind) {
      case round::CorrectionKind::none: break;
      case round::CorrectionKind::fedprox:
        // FedProx (Li et al., MLSys 2020, eq. (2)): ∇ of F_i(y) + (μ/2)‖y − x_r‖².
        gradient.noalias() += correction.mu * (worker.model - *correction.centre);
        break;
      case round::CorrectionKind::scaffold:
        // SCAFFOLD (Karimireddy et al., ICML 2020, Alg. 1 line 10): y ← y − η_l (g_i(y) − c_i + c).
        // c − c_i is formed first, so that it is exactly 0 when they are equal (p = 1: plain SGD).
        gradient.noalias() += *correction.control_mean - *correction.control;
        break;
    }
    ++worker.optimizer_age;
    optimizer_.step(worker.optimizer_age, eta, worker.model, gradient, worker.optimizer_state);
    const double seconds = step_seconds(worker, id, t);
    worker.clock += seconds;
    worker.busy_seconds += seconds;
    // Step-exact and independent of how the steps are split into stretches; the engine ends the
    // run after the stretch.
    if (!std::isfinite(worker.clock) && worker.clock_overflow_step == 0) worker.clock_overflow_step = t;
  }
}

void LocalSteps::prefetch(const Worker& w) {
  __builtin_prefetch(&w);
  const auto* model = reinterpret_cast<const char*>(w.model.data());
  const auto length = std::min<std::size_t>(static_cast<std::size_t>(w.model.size()) * sizeof(double), 512);
  for (std::size_t offset = 0; offset < length; offset += 64) __builtin_prefetch(model + offset);
}

}  // namespace localsgd
