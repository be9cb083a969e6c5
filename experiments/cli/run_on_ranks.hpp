#pragma once
// `localsgd run` on R > 1 MPI ranks (docs/cluster.md): a sweep's runs divided among the ranks, or
// in split-workers mode every run's workers. Compiled only with MPI.
#include <string>
#include <vector>

#include "experiments/cli/spec_overrides.hpp"
#include "experiments/mpi/communicator.hpp"
#include "experiments/spec/spec.hpp"

namespace localsgd::cli {

int command_run_ranks(const Communicator& world, const std::string& spec_file,
                      const std::vector<SpecOverride>& overrides, const std::string& out, int threads, bool quiet,
                      bool force, const SpecOptions& options);

}  // namespace localsgd::cli
