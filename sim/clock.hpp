#pragma once
// The virtual clock's two interfaces (docs/design.md §6): how long a local step takes on a worker, and
// how long one average of d values among p workers takes. The models live in
// sim/compute_models.hpp and sim/network_models.hpp; docs/clock.md describes them. Virtual time
// never mixes with the simulator's own wall-clock time.
#include <optional>

#include "core/random.hpp"
#include "core/types.hpp"

namespace localsgd {

class ComputeModel {
 public:
  virtual ~ComputeModel() = default;
  // Seconds that worker `worker` spends on one local step. Random models draw from `rng`, the
  // draws at (seed, compute_time, worker, step), which never feed the optimisation.
  virtual double step_seconds(int worker, Rng& rng) const = 0;
  // For a model that draws nothing, worker `worker`'s step time, the same at every step: exactly
  // what step_seconds returns, whatever the draws. The engine then draws nothing for the step
  // and adds this value at every step. std::nullopt (the default) for models that draw.
  virtual std::optional<double> fixed_step_seconds(int /*worker*/) const { return std::nullopt; }
  // The expected seconds of worker `worker`'s step (inf if it overflows a double), if known: the
  // spec is refused when the expected virtual time of a run is not finite (experiments/clock_bound).
  virtual std::optional<double> mean_step_seconds(int /*worker*/) const { return std::nullopt; }
};

class NetworkModel {
 public:
  virtual ~NetworkModel() = default;
  // Seconds for one average (all-reduce) of `values` doubles among `workers` workers.
  virtual double allreduce_seconds(int workers, Index values) const = 0;
  // Seconds for one point-to-point message of `values` doubles between a worker and the server
  // (an asynchronous pull or push, sim/async_engine.hpp): a pull and a push together cost what
  // one worker's exchange with the server costs, without waiting for the others.
  virtual double message_seconds(Index values) const = 0;
  // Bytes of one uncompressed message of `values` model coordinates.
  virtual double dense_bytes(Index values) const { return 8.0 * static_cast<double>(values); }
  // Seconds for the all-gather of compressed messages (DESIGN.md §5.5): each of `workers` workers
  // contributes `message_bytes` bytes and ends with everyone's, to decode and add up itself
  // (compressed vectors cannot be summed on the way as an all-reduce does). `values` is d, for a
  // server that may return the dense sum instead. docs/clock.md gives every model's formula.
  virtual double allgather_seconds(int workers, Index values, double message_bytes) const = 0;
  // Seconds for one node's gossip exchange (DESIGN.md §5.5): it sends its message of
  // `message_bytes` bytes to each of its `degree` neighbours, one after the other, and receives
  // theirs at the same time (full-duplex links). docs/clock.md gives every model's formula.
  virtual double gossip_seconds(int degree, double message_bytes) const = 0;
};

}  // namespace localsgd
