#pragma once
// The rules of a run's `compression` key that involve other keys or the problem
// (experiments/catalog/catalog_compression.cpp reads the key itself). Checked while a spec is read,
// so that a spec that validates is not refused by the engine and no state travels uncompressed
// unnoticed.
#include "core/types.hpp"
#include "experiments/catalog/catalog.hpp"
#include "experiments/spec/plot_spec.hpp"
#include "experiments/spec/round_spec.hpp"

namespace localsgd {

// Refuses, with SpecError naming the JSON path and the rule: compression with a coordination other
// than the barrier (at /coordination/type), with SCAFFOLD (/correction/type: its control variates
// would travel uncompressed), with an optimizer whose state is averaged at syncs
// (/optimizer/state_at_sync: the state would travel uncompressed; keep or reset it), and an
// operator that does not fit the problem's dimension d (k > d, at /compression/k). Does nothing
// for a run without `compression`. state_vectors: the optimizer's state vectors per worker.
void check_compression(const RoundSpec& round, const Configured<LocalOptimizer>& optimizer, int state_vectors,
                       Index dim, const Location& root, const BuildContext& context);

// Refuses a plot of `plots` (read from /plots, in order) that puts bytes on its x axis (curve) or
// measures its first hit in bytes (time_to) when no run sets `compression` or `gossip`
// (`counts_bytes` false): metrics.csv then has no bytes column.
void check_bytes_plots(const std::vector<PlotSpec>& plots, bool counts_bytes);

}  // namespace localsgd
