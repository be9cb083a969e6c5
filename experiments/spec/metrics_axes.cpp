#include "experiments/spec/metrics_axes.hpp"

namespace localsgd {

double value_at(const Evaluation& e, Metric metric) {
  switch (metric) {
    case Metric::loss: return e.loss;
    case Metric::gap: return e.gap;
    case Metric::grad_norm_sq: return e.grad_norm_sq;
    case Metric::consensus: return e.consensus;
  }
  return e.consensus;
}

double value_at(const Evaluation& e, Axis axis) {
  switch (axis) {
    case Axis::step: return static_cast<double>(e.step);
    case Axis::round: return e.round;
    case Axis::samples: return static_cast<double>(e.samples);
    case Axis::time: return e.time;
    case Axis::bytes: return e.bytes;
  }
  return e.time;
}

Metric metric_of(TargetMetric metric) {
  switch (metric) {
    case TargetMetric::loss: return Metric::loss;
    case TargetMetric::gap: return Metric::gap;
    case TargetMetric::grad_norm_sq: return Metric::grad_norm_sq;
  }
  return Metric::gap;
}

}  // namespace localsgd
