#pragma once
// The observer behind trace.csv: at every trace step (Observer::on_trace) and on both sides of
// every sync it copies the traced workers' first n coordinates, F(x_i) and ‖x_i − x̄‖ into
// buffers reserved before the run; the text is formed after the run (rows()). Nothing here
// changes the run.
#include <string>
#include <vector>

#include "problems/problem.hpp"
#include "sim/averaging.hpp"
#include "sim/observer.hpp"
#include "sim/worker.hpp"  // ModelsView's accessors

namespace localsgd {

class TraceRecorder final : public Observer {
 public:
  // `workers`: the traced ids (increasing); `expected_points`: how many trace points (steps
  // recorded, counting both sides of a sync as two) to reserve room for. More points still
  // work (the buffers grow), fewer waste nothing but the reservation.
  TraceRecorder(const Problem& problem, std::vector<int> workers, long coordinates, long expected_points);

  void on_trace(long step, int round, const ModelsView& models) override;
  void before_sync(long step, const ModelsView& models, const Vector& average) override;
  void after_sync(const SyncPoint& sync) override;

  // One row per (point, traced worker), in the order recorded:
  //   step,round,worker,x0,…,x{n−1},loss,dist_to_mean
  // loss = F(x_i), the global objective at the worker's model; dist_to_mean = ‖x_i − x̄‖ with x̄
  // the plain mean of all p workers' models (tree order, sim/averaging.hpp), and after a sync
  // the synchronised model itself (so every distance is exactly 0 there).
  std::string header() const;
  std::string rows() const;

  // The recorded values, for tests: point k's step and round, and traced worker j's values.
  std::size_t points() const { return steps_.size(); }
  long step(std::size_t k) const { return steps_[k]; }
  int round(std::size_t k) const { return rounds_[k]; }
  double coordinate(std::size_t k, std::size_t j, std::size_t c) const {
    return coordinates_[(k * workers_.size() + j) * static_cast<std::size_t>(coordinate_count_) + c];
  }
  double loss(std::size_t k, std::size_t j) const { return losses_[k * workers_.size() + j]; }
  double distance(std::size_t k, std::size_t j) const { return distances_[k * workers_.size() + j]; }

 private:
  // Records the traced workers' models with x̄ = `mean`.
  void record(long step, int round, const ModelsView& models, const Vector& mean);
  // x̄ of all workers' current models into mean_.
  void average(const ModelsView& models);

  const Problem& problem_;
  std::vector<int> workers_;
  long coordinate_count_;
  int rounds_done_ = 0;  // syncs completed, as the last after_sync said
  Vector mean_;
  AveragingScratch scratch_;
  std::vector<long> steps_;
  std::vector<int> rounds_;
  std::vector<double> coordinates_, losses_, distances_;
};

}  // namespace localsgd
