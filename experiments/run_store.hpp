#pragma once
// Finished runs in a results folder: DIR/runs/<key>.json, one file per run, written atomically
// when the run finishes. The key is a hash of everything that determines the run's numbers (its
// resolved configuration and seed), so rerunning a spec into the same folder reuses every
// finished run and computes only the rest; relabelling a variant reuses its runs too.
#include <filesystem>
#include <optional>
#include <string>

#include "experiments/run_record.hpp"
#include "experiments/spec.hpp"

namespace localsgd {

// 16 hex digits: FNV-1a (64 bit) of the canonical JSON of {format, config, seed}.
std::string run_key(const RunSpec& run);

class RunStore {
 public:
  explicit RunStore(std::filesystem::path dir) : dir_(std::move(dir)) {}
  std::optional<RunRecord> load(const RunSpec& run) const;
  void save(const RunSpec& run, const RunRecord& record) const;
  std::filesystem::path path_of(const RunSpec& run) const { return dir_ / "runs" / (run_key(run) + ".json"); }

 private:
  std::filesystem::path dir_;
};

}  // namespace localsgd
