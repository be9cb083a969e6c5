#pragma once
// The run-level `trace` key (docs/experiments.md, "Traces"): which workers' models to record, every
// how many steps, and how many of their coordinates. A run with a trace writes its rows of
// trace.csv and rounds.csv and lists its sync steps in summary.json; without one, nothing changes.
#include <optional>
#include <vector>

#include "experiments/language/params.hpp"

namespace localsgd {

// At most this many coordinates per traced model (the default is min(d, this)).
constexpr long kMaxTraceCoordinates = 64;
// At most this many trace rows per run: traced workers × (T/k + 1 + 2 × syncs), the every-k
// steps and both sides of every sync (for a schedule that adapts to the run, every step counts as
// a possible sync).
constexpr double kMaxTraceRows = 1e7;
// More syncs than this put any trace above the cap: counting planned syncs can stop there.
constexpr std::size_t kMaxTracedSyncs = static_cast<std::size_t>(kMaxTraceRows / 2) + 2;

struct TraceSpec {
  bool all_workers = false;  // "workers": "all"
  std::vector<int> workers;  // the traced worker ids, increasing (every id when all_workers)
  long every = 1;            // k: steps 0, k, 2k, … (and both sides of every sync)
  long coordinates = 0;      // the first n coordinates of each model
  double most_rows = 0;      // the rows a run may record (the bound above)

  // What recording them may hold at its peak: the recorder's numbers, then their text.
  double memory_bytes() const;
};

// Reads `run["trace"]` (absent: no trace) for a run of `workers` workers, `steps` steps, at most
// `most_syncs` syncs and dimension `dim`. Throws SpecError naming the JSON path and the rule broken.
std::optional<TraceSpec> read_trace(const Json& run, const Location& root, int workers, long steps, long most_syncs,
                                    long dim);

// The resolved form, as read_trace accepts it back.
Json trace_json(const TraceSpec& trace);

}  // namespace localsgd
