#pragma once
// One verdict for all ranks at the steps where any of them may fail on its own (reading the spec
// and its data files, claiming the results folder): every rank passes its status, and every rank
// gets back the same one, that of the lowest rank that failed, so that all ranks end together
// with one message (printed by rank 0) and the same exit code instead of some waiting forever.
#include <string>

#include "experiments/mpi/communicator.hpp"
#include "experiments/spec/spec.hpp"

namespace localsgd {

struct RankStatus {
  int exit_code = 0;    // 0: this rank may go on
  std::string message;  // why not, without "error: "
};

// Collective. The message of a failure on a rank other than 0 is prefixed with "rank R of N: ".
RankStatus agree(const Communicator& world, const RankStatus& mine);

// A fingerprint of what the runs of a spec compute: every run's key (its configuration, seed and
// the SHA-256 of its data files, experiments/store/run_store.hpp), in run order. Ranks with
// different fingerprints would compute different runs under the same key.
std::string runs_fingerprint(const ExperimentSpec& spec);

}  // namespace localsgd
