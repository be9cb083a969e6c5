#pragma once
// The rules a round pipeline must satisfy (algorithms/round/pipeline.hpp), in one place: the
// engine checks them when built, and the spec reader checks them first, so that a spec that
// validates is never refused by the engine. Each broken rule names the spec key it concerns.
#include <stdexcept>
#include <string>

#include "algorithms/round/pipeline.hpp"
#include "core/types.hpp"

namespace localsgd::round {

class PipelineRuleError : public std::invalid_argument {
 public:
  // key: the run-level spec key (and parameter) the rule concerns, e.g. "aggregation" or
  // "local_work.steps".
  PipelineRuleError(std::string key, const std::string& message)
      : std::invalid_argument(message), key_(std::move(key)) {}
  const std::string& key() const { return key_; }

 private:
  std::string key_;
};

// workers: p. optimizer_has_state: the local optimizer keeps state vectors (momentum, Adam),
// i.e. it is not plain SGD. Throws PipelineRuleError for the first rule broken:
//   - per-worker local work: one count per worker, each >= 1; random: min_steps >= 1;
//     time_budget: seconds > 0; deadline: seconds > 0; uniform/weighted: 1 <= clients <= p;
//     available: probabilities in [0, 1], one or one per worker; FedProx: mu >= 0;
//   - weighted participation draws by shard size already: aggregation must be uniform;
//   - FedNova's normalisation a_i = τ_i is that of plain local SGD (Wang et al. 2020, §4: FedProx
//     and momentum have other a_i): no correction, an optimizer without state;
//   - SCAFFOLD's option II control variate (x − y_i)/Σ η is the mean corrected gradient only for
//     plain local SGD, and its fixed point is the minimiser of F only with weights that sum to one:
//     an optimizer without state, and not with FedNova.
void check_pipeline(const Pipeline& pipeline, int workers, bool optimizer_has_state);

// Compression (Pipeline::compression) compresses the model change only, so nothing else may
// travel at a sync: not SCAFFOLD's control variates, not an optimizer state that is averaged
// (optimizer_averages_state: state_at_sync is average and there are state vectors). Throws
// PipelineRuleError naming "compression", or the operator's own error (make_compressor) for its
// parameters at dimension d.
void check_compression(const Pipeline& pipeline, bool optimizer_averages_state, Index dim);

// Gossip (Pipeline::gossip) replaces the server: every node takes part in every round with τ_r
// local steps, no correction, the uniform average, no server step, no averaged optimizer state
// (there is no average to install). D-SGD sends whole models (no compression); CHOCO-SGD needs the
// compression key (its Q) without error feedback (its public copies x̂ are its memory), and
// 0 < γ <= 1. The topology must exist on p nodes (e.g. a torus's rows divide p, uniform weights
// need a regular graph). Throws PipelineRuleError naming the key (e.g. "gossip.topology").
void check_gossip(const Pipeline& pipeline, int workers, bool optimizer_averages_state);

// A run split among ranks (split-workers mode, sim/worker_split.hpp) sums every worker's model in
// the tree of all workers, so every worker takes part in every round (participation full); a
// worker's local step count must not need another rank's clock (no time_budget); and the policies
// that keep per-worker state outside the engine's share (SCAFFOLD's c_i, compressed messages and
// their memory, gossip) are not split. Throws PipelineRuleError naming the key.
void check_split_workers(const Pipeline& pipeline);

}  // namespace localsgd::round
