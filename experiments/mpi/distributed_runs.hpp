#pragma once
// A sweep's runs divided among MPI ranks (DESIGN.md §5.6, docs/cluster.md). Rank 0 coordinates:
// it hands out run indices one at a time to whichever rank asks (so long and short runs balance),
// also executes runs itself, and receives every finished run's record, which it alone saves to
// the results folder and reports, as execute_runs does in one process (experiments/run/runner.hpp).
// A record travels as the run store's lossless JSON (record_to_json), so the files rank 0 writes
// are the bytes one process writes. Every rank runs up to its thread count of runs at once, each
// on oneTBB as usual. Compiled only with MPI.
//
// Messages (tags below): a lane of rank r asks rank 0 for a run, with the record of the run it
// just finished; rank 0 answers with a run index or -1 (none left). A lane reports a failure or
// an interrupted run instead. A rank whose lanes all ended says so; rank 0 ends the sweep with
// one message to every rank carrying the exit code (0, or the failure's, or 130).
#include <atomic>
#include <optional>

#include "experiments/mpi/agreement.hpp"
#include "experiments/mpi/communicator.hpp"
#include "experiments/run/runner.hpp"
#include "experiments/store/run_store.hpp"

namespace localsgd {

struct DistributedRuns {
  RunsResult result;                  // rank 0: as execute_runs returns it
  std::optional<RankStatus> failure;  // a run failed (on any rank): exit code and message
};

// Rank 0. Runs whose record `store` holds are reused (not handed out); every other run is
// executed here or on another rank, saved, and reported through `on_finished`, serialised.
// `stop` is set by a signal, and here when a run fails or another rank's run was interrupted: no
// run starts after that and the runs in flight end at their next segment of steps. Returns once
// every run finished, or, after a stop, once this rank's runs in flight ended (without waiting
// for the other ranks', which the exit code ends).
DistributedRuns coordinate_runs(const Communicator& world, const ExperimentSpec& spec, const RunStore& store,
                                const RunFinished& on_finished, std::atomic<bool>& stop);

// Every other rank: executes the runs rank 0 hands out until it ends the sweep; returns the exit
// code it sent (0: every run finished; else that of a failure, or 130 after an interrupt).
int serve_runs(const Communicator& world, const ExperimentSpec& spec, std::atomic<bool>& stop);

}  // namespace localsgd
