#pragma once
// Whether this process was started by an MPI launcher (mpirun, or srun with PMI/PMIx), read from
// the environment the launcher sets before MPI_Init. Always compiled: a binary built without MPI
// uses it to refuse being started as several ranks (each would run the whole spec into the same
// folder) instead of silently doing so.
#include <optional>

namespace localsgd {

// True when this binary was built with MPI (CMake found it: LOCALSGD_HAVE_MPI).
bool built_with_mpi();

struct LaunchedRanks {
  std::optional<int> size;  // the number of ranks, when the launcher says (Open MPI, PMI-1/2)
  std::optional<int> rank;  // this process's rank, when the launcher says
};

// Nullopt when no launcher's variables are set (a plain process). Reads OMPI_COMM_WORLD_SIZE/RANK
// (mpirun of Open MPI), PMI_SIZE/PMI_RANK (PMI-1/2: MPICH's hydra, srun --mpi=pmi2) and PMIX_RANK
// (srun --mpi=pmix, whose size is known only after MPI_Init).
std::optional<LaunchedRanks> launched_ranks();

}  // namespace localsgd
