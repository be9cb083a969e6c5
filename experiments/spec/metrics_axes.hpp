#pragma once
// The metrics an evaluation reports and the axes it is placed on, as spec files, plots,
// expectations and records name them.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "experiments/spec/enum_names.hpp"
#include "sim/observer.hpp"
#include "sim/targets.hpp"

namespace localsgd {

enum class Metric { loss, gap, grad_norm_sq, consensus };
// bytes: cumulative bytes all workers have sent (Evaluation::bytes); an axis only for specs where
// some run sets `compression` or `gossip` (the outputs carry bytes only then).
enum class Axis { step, round, samples, time, bytes };

inline constexpr EnumNames<Metric, 4> kMetricNames{{"loss", "gap", "grad_norm_sq", "consensus"}};
inline constexpr EnumNames<Axis, 5> kAxisNames{{"step", "round", "samples", "time", "bytes"}};

inline std::string to_string(Metric metric) { return kMetricNames.name(metric); }
inline std::string to_string(Axis axis) { return kAxisNames.name(axis); }

// The metric's or axis's value at one evaluation point.
double value_at(const Evaluation& e, Metric metric);
double value_at(const Evaluation& e, Axis axis);

// A target's metric (loss, gap or grad_norm_sq) as an evaluation metric.
Metric metric_of(TargetMetric metric);

}  // namespace localsgd
