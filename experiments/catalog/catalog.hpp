#pragma once
// The registries of every named type a spec can choose: problems, sync schedules, step sizes,
// local optimizers, the round's policies and clock models. Adding a variant = its class in problems/, algorithms/ or
// sim/, plus one entry (an options struct with its `fields` and a builder) in the matching
// catalog_*.cpp file (see docs/adding-a-variant.md).
#include "algorithms/local_optimizer.hpp"
#include "algorithms/round/coordination.hpp"
#include "algorithms/round/pipeline.hpp"
#include "algorithms/step_size.hpp"
#include "algorithms/sync_schedule.hpp"
#include "experiments/catalog/memory.hpp"
#include "experiments/catalog/problem_cache.hpp"
#include "experiments/language/registry.hpp"
#include "problems/problem.hpp"
#include "sim/compute_models.hpp"
#include "sim/network_models.hpp"
#include "sim/worker_slowdown.hpp"

namespace localsgd {

// A problem is built through the cache of the spec it belongs to; while the spec is checked, it
// first reserves its memory in the spec's budget.
struct ProblemNeeds {
  struct Check {
    ProblemCache& cache;
    MemoryBudget& memory;
  };
  struct Build {
    ProblemCache& cache;
  };
};
template <>
struct NeedsOf<Problem> {
  using type = ProblemNeeds;
};

// A step-size rule may depend on the schedule (pl_theory's tau) and, when built, on the problem
// (pl_theory's mu).
struct StepSizeNeeds {
  struct Check {
    const SyncSchedule& schedule;
  };
  struct Build {
    const SyncSchedule& schedule;
    const Problem& problem;
  };
};
template <>
struct NeedsOf<StepSize> {
  using type = StepSizeNeeds;
};

const Registry<Problem>& problem_registry();
// The common starting point x_0 of a run's workers, from the problem's `init` parameters.
Vector starting_point(const Configured<Problem>& problem_spec, const Problem& problem);
const Registry<SyncSchedule>& schedule_registry();
const Registry<StepSize>& step_size_registry();
const Registry<LocalOptimizer>& optimizer_registry();
// The round's policies (algorithms/round/pipeline.hpp; catalog_round.cpp): each type builds its
// family's options. A run that names none of them runs LUPA-SGD's round.
const Registry<round::ParticipationOptions>& participation_registry();
const Registry<round::LocalWorkOptions>& local_work_registry();
const Registry<round::CorrectionOptions>& correction_registry();
const Registry<round::AggregationKind>& aggregation_registry();
const Registry<round::ServerOptions>& server_registry();
// The coordination of the workers (algorithms/round/coordination.hpp; catalog_coordination.cpp):
// the barrier round, or asynchronous FedAsync / FedBuff.
const Registry<round::CoordinationOptions>& coordination_registry();
// What a participant sends at a sync (algorithms/compression/; catalog_compression.cpp): absent,
// models are averaged exactly.
const Registry<round::CompressionOptions>& compression_registry();
// Decentralised rounds (algorithms/round/pipeline.hpp, GossipOptions; algorithms/topology/;
// catalog_gossip.cpp): absent, a server averages.
const Registry<round::GossipOptions>& gossip_registry();
const Registry<ComputeModel>& compute_registry();
const Registry<NetworkModel>& network_registry();
const Registry<WorkerSlowdowns>& slowdown_registry();

}  // namespace localsgd
