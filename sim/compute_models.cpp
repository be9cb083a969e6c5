#include "sim/compute_models.hpp"

#include <cmath>
#include <stdexcept>

namespace localsgd {

double ExponentialCompute::step_seconds(int /*worker*/, Rng& rng) const { return mean_ * standard_exponential(rng); }

double ShiftedExponentialCompute::step_seconds(int /*worker*/, Rng& rng) const {
  return shift_ + excess_mean_ * standard_exponential(rng);
}

LognormalCompute::LognormalCompute(double mean, double sigma)
    : mean_(mean), log_location_(std::log(mean) - 0.5 * sigma * sigma), sigma_(sigma) {}

double LognormalCompute::step_seconds(int /*worker*/, Rng& rng) const {
  return std::exp(log_location_ + sigma_ * standard_normal(rng));
}

double ParetoCompute::step_seconds(int /*worker*/, Rng& rng) const {
  const double u = 1.0 - uniform01(rng);  // (0, 1]: the power is finite
  return minimum_ * std::pow(u, -1.0 / shape_);
}

double BernoulliStragglerCompute::step_seconds(int /*worker*/, Rng& rng) const {
  return uniform01(rng) < probability_ ? factor_ * seconds_ : seconds_;
}

ScaledCompute::ScaledCompute(std::shared_ptr<const ComputeModel> base, double batch_seconds,
                             std::vector<double> slowdown)
    : base_(std::move(base)), batch_seconds_(batch_seconds), slowdown_(std::move(slowdown)) {
  if (!base_) throw std::invalid_argument("ScaledCompute: no base model");
}

}  // namespace localsgd
