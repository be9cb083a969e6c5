#include "experiments/run/rounds_recorder.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>

namespace localsgd {

RoundsRecorder::RoundsRecorder(std::vector<int> workers, int worker_count, long expected_rounds)
    : workers_(std::move(workers)),
      busy_before_(workers_.size(), 0.0),
      idle_before_(workers_.size(), 0.0),
      steps_this_round_(static_cast<std::size_t>(worker_count), 0) {
  const auto rounds = static_cast<std::size_t>(std::max(expected_rounds, 1L));
  sync_steps_.reserve(rounds);
  rounds_.reserve(rounds);
  compute_.reserve(rounds * workers_.size());
  idle_.reserve(rounds * workers_.size());
  steps_.reserve(rounds * workers_.size());
}

void RoundsRecorder::after_sync(const SyncPoint& sync) {
  sync_steps_.push_back(sync.step);
  rounds_.push_back(sync.round);
  std::fill(steps_this_round_.begin(), steps_this_round_.end(), 0L);
  for (std::size_t j = 0; j < sync.participants.size(); ++j) {
    steps_this_round_[static_cast<std::size_t>(sync.participants[j])] = sync.participant_steps[j];
  }
  for (std::size_t j = 0; j < workers_.size(); ++j) {
    const auto id = static_cast<std::size_t>(workers_[j]);
    const double busy = sync.models.busy_seconds(id);
    const double idle = sync.models.idle_seconds(id);
    compute_.push_back(busy - busy_before_[j]);
    idle_.push_back(idle - idle_before_[j]);
    steps_.push_back(steps_this_round_[id]);
    busy_before_[j] = busy;
    idle_before_[j] = idle;
  }
}

std::string RoundsRecorder::rows() const {
  std::string text;
  auto out = std::back_inserter(text);
  for (std::size_t k = 0; k < rounds_.size(); ++k) {
    for (std::size_t j = 0; j < workers_.size(); ++j) {
      const std::size_t at = k * workers_.size() + j;
      fmt::format_to(out, "{},{},{},{},{}\n", rounds_[k], workers_[j], compute_[at], idle_[at], steps_[at]);
    }
  }
  return text;
}

}  // namespace localsgd
