#pragma once
// Compute models: the virtual seconds of one local step. Each random model draws once per step
// from the worker's own compute-time stream (StreamPurpose::compute_time), so the draws of one
// worker do not depend on the others, on the thread count, or on anything the optimiser does.
// Moments are stated for each model; tests/sim_compute_models_test.cpp checks them.
#include <memory>
#include <vector>

#include "sim/clock.hpp"

namespace localsgd {

// Every step takes `seconds`.
class ConstantCompute final : public ComputeModel {
 public:
  explicit ConstantCompute(double seconds) : seconds_(seconds) {}
  double step_seconds(int /*worker*/, Rng& /*rng*/) const override { return seconds_; }
  std::optional<double> fixed_step_seconds(int /*worker*/) const override { return seconds_; }
  std::optional<double> mean_step_seconds(int /*worker*/) const override { return seconds_; }

 private:
  double seconds_;
};

// Exponential with mean m: E = m, Var = m². Memoryless; the classic model of a step whose
// duration is dominated by random delays.
class ExponentialCompute final : public ComputeModel {
 public:
  explicit ExponentialCompute(double mean) : mean_(mean) {}
  double step_seconds(int worker, Rng& rng) const override;
  std::optional<double> mean_step_seconds(int /*worker*/) const override { return mean_; }

 private:
  double mean_;
};

// shift + Exponential(mean m): E = shift + m, Var = m². The straggler model of Lee et al.,
// "Speeding up distributed machine learning using codes", IEEE Trans. Inf. Theory 2018, and
// Dutta et al., "Slow and stale gradients can win the race", AISTATS 2018: a minimum time for
// the work plus a random delay.
class ShiftedExponentialCompute final : public ComputeModel {
 public:
  ShiftedExponentialCompute(double shift, double excess_mean) : shift_(shift), excess_mean_(excess_mean) {}
  double step_seconds(int worker, Rng& rng) const override;
  std::optional<double> mean_step_seconds(int /*worker*/) const override { return shift_ + excess_mean_; }

 private:
  double shift_;
  double excess_mean_;
};

// Log-normal with mean m and log-scale σ: exp(μ + σZ), μ = log m − σ²/2, so that E = m whatever σ;
// Var = m²(exp(σ²) − 1). Parametrised by the mean so that σ changes the spread, not the average.
class LognormalCompute final : public ComputeModel {
 public:
  LognormalCompute(double mean, double sigma);
  double step_seconds(int worker, Rng& rng) const override;
  std::optional<double> mean_step_seconds(int /*worker*/) const override { return mean_; }

 private:
  double mean_;
  double log_location_;  // μ
  double sigma_;
};

// Pareto with minimum x_m and shape α (heavy-tailed stragglers): x_m·U^(−1/α), U uniform in (0, 1].
// E = α x_m / (α − 1) for α > 1 (the spec requires it); Var = α x_m² / ((α − 1)²(α − 2)) for α > 2.
class ParetoCompute final : public ComputeModel {
 public:
  ParetoCompute(double minimum, double shape) : minimum_(minimum), shape_(shape) {}
  double step_seconds(int worker, Rng& rng) const override;
  // α x_m / (α − 1), written so that x_m near the largest double does not overflow needlessly.
  std::optional<double> mean_step_seconds(int /*worker*/) const override {
    return minimum_ * (shape_ / (shape_ - 1.0));
  }

 private:
  double minimum_;
  double shape_;
};

// With probability q a step takes k·s seconds, otherwise s: E = s(1 + q(k − 1)),
// Var = s²(k − 1)² q(1 − q). One uniform draw per step, whatever q.
class BernoulliStragglerCompute final : public ComputeModel {
 public:
  BernoulliStragglerCompute(double seconds, double probability, double factor)
      : seconds_(seconds), probability_(probability), factor_(factor) {}
  double step_seconds(int worker, Rng& rng) const override;
  // s (1 + q (k − 1)), as s + q (k − 1) s: finite whenever every step time is.
  std::optional<double> mean_step_seconds(int /*worker*/) const override {
    return seconds_ + probability_ * (factor_ - 1.0) * seconds_;
  }

 private:
  double seconds_;
  double probability_;
  double factor_;
};

// What a worker's step really takes: its slowdown factor times (the base model's draw plus the
// batch's cost), i.e.  slowdown_i · (X + per_sample·B).  The batch term is fixed per run, the
// slowdown per worker (sim/worker_slowdown.hpp); X is the base model's per-step draw.
class ScaledCompute final : public ComputeModel {
 public:
  ScaledCompute(std::shared_ptr<const ComputeModel> base, double batch_seconds, std::vector<double> slowdown);
  double step_seconds(int worker, Rng& rng) const override {
    return slowdown_[static_cast<std::size_t>(worker)] * (base_->step_seconds(worker, rng) + batch_seconds_);
  }
  // Fixed when the base model is: the same expression, so the same bits.
  std::optional<double> fixed_step_seconds(int worker) const override {
    const std::optional<double> base = base_->fixed_step_seconds(worker);
    if (!base) return std::nullopt;
    return slowdown_[static_cast<std::size_t>(worker)] * (*base + batch_seconds_);
  }
  std::optional<double> mean_step_seconds(int worker) const override {
    const std::optional<double> base = base_->mean_step_seconds(worker);
    if (!base) return std::nullopt;
    return slowdown_[static_cast<std::size_t>(worker)] * (*base + batch_seconds_);
  }

 private:
  std::shared_ptr<const ComputeModel> base_;
  double batch_seconds_;
  std::vector<double> slowdown_;
};

}  // namespace localsgd
