#pragma once
// The rules of a run's `gossip` key that involve other keys or the number of nodes
// (experiments/catalog/catalog_gossip.cpp reads the key itself; read_round refuses asynchronous
// coordination with it). Checked while a spec is read, so that a spec that validates is not
// refused by the engine (round::check_gossip) and a topology that does not exist on p nodes is
// reported at the key to change, not when the run starts.
#include "experiments/catalog/catalog.hpp"
#include "experiments/spec/round_spec.hpp"

namespace localsgd {

// Refuses, with SpecError naming the JSON path and the rule, for a run with `gossip`: a round
// policy that needs a server (/participation/type, /local_work/type, /correction/type,
// /aggregation/type, /server/type), an optimizer state averaged at syncs
// (/optimizer/state_at_sync), compression with D-SGD (/compression), CHOCO-SGD without
// compression (/gossip/type) or with error feedback (/compression/feedback), and a topology that
// does not exist on the run's p nodes: a torus's rows not dividing p (/gossip/rows), a
// random-regular degree no connected simple graph has (/gossip/degree), uniform weights on a
// non-regular graph (/gossip/weights). Does nothing for a run without `gossip`. state_vectors:
// the optimizer's state vectors per worker.
void check_gossip_spec(const RoundSpec& round, const Configured<LocalOptimizer>& optimizer, int state_vectors,
                       const Location& root, const BuildContext& context);

}  // namespace localsgd
