#pragma once
// Finished runs in a results folder: DIR/runs/<key>.json, one file per run, written atomically
// when the run finishes. The key is a hash of everything that determines the run's numbers: its
// resolved configuration, its seed, the SHA-256 of every data file its problem was built from and
// the results format of this binary. Rerunning a spec into the same folder reuses every finished
// run and computes only the rest; relabelling a variant reuses its runs too; a data file whose
// bytes changed gives new keys, so no run computed from the old bytes is reused.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "experiments/catalog/input_files.hpp"
#include "experiments/store/run_record.hpp"
#include "experiments/spec/spec.hpp"

namespace localsgd {

// The version of what a run record means. Bump it whenever a change to the binary changes any
// number or field a run of an unchanged spec would produce, so that older records are not reused
// (and a results folder written by another format counts as a different spec).
// 1: the first format; 2: run identities cover the data files' contents.
constexpr int kResultsFormat = 2;

// The data files `run` reads, with their hashes: its problem is built (normally: found in the
// problem cache, filled while the spec was validated) inside an InputRecording. So within one
// process the hashes are those of the bytes the spec was validated and the runs are computed
// with, even if a file changes on disk meanwhile.
std::vector<InputFile> run_inputs(const RunSpec& run);

// 16 hex digits: FNV-1a (64 bit) of the canonical JSON of {format, config, seed, inputs}. The
// stored record repeats the whole identity, so a collision of keys is detected when loading.
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
