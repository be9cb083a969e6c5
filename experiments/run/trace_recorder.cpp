#include "experiments/run/trace_recorder.hpp"

#include <fmt/format.h>

#include <iterator>

namespace localsgd {

TraceRecorder::TraceRecorder(const Problem& problem, std::vector<int> workers, long coordinates, long expected_points)
    : problem_(problem), workers_(std::move(workers)), coordinate_count_(coordinates), mean_(Vector::Zero(problem.dim())) {
  const auto points = static_cast<std::size_t>(std::max(expected_points, 1L));
  const std::size_t rows = points * workers_.size();
  steps_.reserve(points);
  rounds_.reserve(points);
  coordinates_.reserve(rows * static_cast<std::size_t>(coordinate_count_));
  losses_.reserve(rows);
  distances_.reserve(rows);
}

void TraceRecorder::average(const ModelsView& models) {
  deterministic_average(models.size(), [&models](std::size_t i) -> const Vector& { return models[i]; }, mean_, scratch_);
}

void TraceRecorder::record(long step, int round, const ModelsView& models, const Vector& mean) {
  steps_.push_back(step);
  rounds_.push_back(round);
  for (int id : workers_) {
    const Vector& x = models[static_cast<std::size_t>(id)];
    for (long c = 0; c < coordinate_count_; ++c) coordinates_.push_back(x[c]);
    losses_.push_back(problem_.loss(x));
    distances_.push_back((x - mean).norm());
  }
}

void TraceRecorder::on_trace(long step, int round, const ModelsView& models) {
  average(models);
  record(step, round, models, mean_);
}

void TraceRecorder::before_sync(long step, const ModelsView& models, const Vector& /*average*/) {
  average(models);
  record(step, rounds_done_, models, mean_);
}

void TraceRecorder::after_sync(const SyncPoint& sync) {
  rounds_done_ = sync.round;
  record(sync.step, sync.round, sync.models, sync.average);
}

std::string TraceRecorder::header() const {
  std::string text = "step,round,worker";
  for (long c = 0; c < coordinate_count_; ++c) text += fmt::format(",x{}", c);
  return text + ",loss,dist_to_mean\n";
}

std::string TraceRecorder::rows() const {
  std::string text;
  auto out = std::back_inserter(text);
  const std::size_t n = static_cast<std::size_t>(coordinate_count_);
  for (std::size_t k = 0; k < steps_.size(); ++k) {
    for (std::size_t j = 0; j < workers_.size(); ++j) {
      fmt::format_to(out, "{},{},{}", steps_[k], rounds_[k], workers_[j]);
      for (std::size_t c = 0; c < n; ++c) fmt::format_to(out, ",{}", coordinate(k, j, c));
      fmt::format_to(out, ",{},{}\n", loss(k, j), distance(k, j));
    }
  }
  return text;
}

}  // namespace localsgd
