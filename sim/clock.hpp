#pragma once
// Virtual clock models (DESIGN.md §3): how long a local step takes on a worker, and how long one
// average of d values among p workers takes. Virtual time never mixes with the simulator's own
// wall-clock time.
#include "core/random.hpp"
#include "core/types.hpp"

namespace localsgd {

class ComputeModel {
 public:
  virtual ~ComputeModel() = default;
  // Seconds that worker `worker` spends on one local step. Random models draw from `rng`, the
  // worker's own compute-time stream, which never feeds the optimisation.
  virtual double step_seconds(int worker, Rng& rng) const = 0;
};

class NetworkModel {
 public:
  virtual ~NetworkModel() = default;
  // Seconds for one average (all-reduce) of `values` doubles among `workers` workers.
  virtual double allreduce_seconds(int workers, Index values) const = 0;
};

class ConstantCompute final : public ComputeModel {
 public:
  explicit ConstantCompute(double seconds) : seconds_(seconds) {}
  double step_seconds(int /*worker*/, Rng& /*rng*/) const override { return seconds_; }

 private:
  double seconds_;
};

class ConstantNetwork final : public NetworkModel {
 public:
  explicit ConstantNetwork(double seconds) : seconds_(seconds) {}
  double allreduce_seconds(int /*workers*/, Index /*values*/) const override { return seconds_; }

 private:
  double seconds_;
};

// Ring all-reduce under the latency-bandwidth (α-β) model: a reduce-scatter and an all-gather of
// p − 1 steps each, every step moving S/p bytes:  2(p − 1)α + 2((p − 1)/p)·S/β,  S = d · bytes
// per value (Patarasuk & Yuan, "Bandwidth optimal all-reduce algorithms for clusters of
// workstations", JPDC 2009; Thakur, Rabenseifner & Gropp, IJHPCA 2005). Zero for p = 1.
class RingAllReduce final : public NetworkModel {
 public:
  RingAllReduce(double latency_seconds, double bandwidth_bytes_per_second, double bytes_per_value)
      : latency_(latency_seconds), bandwidth_(bandwidth_bytes_per_second), bytes_per_value_(bytes_per_value) {}
  double allreduce_seconds(int workers, Index values) const override {
    const double p = workers;
    const double bytes = static_cast<double>(values) * bytes_per_value_;
    return 2.0 * (p - 1.0) * latency_ + 2.0 * ((p - 1.0) / p) * bytes / bandwidth_;
  }

 private:
  double latency_;
  double bandwidth_;
  double bytes_per_value_;
};

}  // namespace localsgd
