#pragma once
// A random d-regular simple connected graph on n nodes, the same for the same key.
//
// Construction (the pairing model with restarts at dead ends, as in Steger & Wormald, "Generating
// random regular graphs quickly", Combinatorics, Probability and Computing 8, 1999, in the
// round-based form of networkx's random_regular_graph): every node has d stubs; shuffle the
// unpaired stubs (Fisher–Yates), pair them two by two, keep each pair that joins two different
// nodes not yet adjacent, and repeat on the stubs left over; when no left-over pair is suitable,
// or the finished graph is not connected, start again. Attempt a draws from the address
// (key, worker slot a, step 0), so the result depends only on (n, d, key). The distribution is
// close to, not exactly, uniform over d-regular graphs.
//
// The key is the first key word of the draws (core/random.hpp, purpose_key): the engine gives the
// topology its own purpose when it builds graphs from a spec.
#include <cstdint>

#include "algorithms/topology/graph.hpp"

namespace localsgd::topology {

// Needs 1 <= d < n and n·d even (and d >= 2 for n > 2, else no connected graph exists); throws
// std::invalid_argument naming the rule, or std::runtime_error after `max_attempts` failures.
Graph random_regular(int nodes, int degree, std::uint64_t key, int max_attempts = 1000);

}  // namespace localsgd::topology
