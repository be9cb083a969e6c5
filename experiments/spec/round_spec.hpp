#pragma once
// The round's policies of one run (docs/experiments.md, "The round"): the run-level keys
// `participation`, `local_work`, `correction`, `aggregation`, `server` and `coordination`, each a
// registered family (experiments/catalog/catalog_round.cpp, catalog_coordination.cpp). A run that
// gives none of them, or gives each family's default type, runs LUPA-SGD's round: its
// configuration (and so its run key and every output) is the same as before these keys existed.
#include <string>
#include <vector>

#include "algorithms/round/pipeline.hpp"
#include "experiments/catalog/catalog.hpp"

namespace localsgd {

struct RoundSpec {
  Configured<round::ParticipationOptions> participation;
  Configured<round::LocalWorkOptions> local_work;
  Configured<round::CorrectionOptions> correction;
  Configured<round::AggregationKind> aggregation;
  Configured<round::ServerOptions> server;
  Configured<round::CoordinationOptions> coordination;  // barrier (default), fedasync or fedbuff
  // What a participant sends (experiments/catalog/catalog_compression.cpp). Not read (no entry)
  // when the run has no `compression` key: models are averaged exactly. Every type given, identity
  // included, is kept in the configuration: its messages are gathered and counted in bytes.
  Configured<round::CompressionOptions> compression;
  // Decentralised gossip instead of a server (experiments/catalog/catalog_gossip.cpp). Not read
  // (no entry) when the run has no `gossip` key. CHOCO-SGD's operator is `compression`'s.
  Configured<round::GossipOptions> gossip;
  // Asynchronous coordination: τ, the local steps of every job (the schedule's constant period);
  // 0 with the barrier.
  long local_steps = 0;

  // The engine's options (algorithms/round/pipeline.hpp). A policy that was not read (a RunSpec
  // built in code) counts as its family's default, here and below.
  round::Pipeline pipeline(const BuildContext& context) const;
  // The coordination's options (the barrier when not read).
  round::CoordinationOptions coordination_options(const BuildContext& context) const;
  // The run has no barrier: it runs on the asynchronous engine (sim/async_engine.hpp).
  bool asynchronous() const;
  // The run has a `compression` key (whatever its type).
  bool compressed() const;
  // The run has a `gossip` key: no server, the nodes mix with their neighbours.
  bool gossips() const;
  // Its outputs count bytes (metrics.csv's `bytes`): it compresses or gossips.
  bool counts_bytes() const { return compressed() || gossips(); }
  // Every policy is its family's default type: the round of version 1.
  bool is_default() const;
  // Adds the policies that are not their family's default to a run's configuration, as run-level
  // keys with every parameter resolved (defaults stay out, so that they do not change run keys).
  void add_to_config(Json& config) const;
};

// The run-level keys of the round's policies, in the order `list` and the docs give them.
const std::vector<std::string>& round_keys();

// Reads the round's keys of an assembled run (a missing key is its family's default) and checks
// the rules that involve two families (weighted participation needs uniform aggregation) and the
// engine's own rules, so that no spec that validates is refused by the engine. Throws SpecError
// naming the JSON path and the rule.
// optimizer_has_state: the run's local optimizer is not plain SGD (FedNova and SCAFFOLD need SGD).
// schedule: the run's schedule, read; asynchronous coordination needs a constant period (its τ).
RoundSpec read_round(const Json& run, const Location& root, const BuildContext& context, bool optimizer_has_state,
                     const Configured<SyncSchedule>& schedule);

// Fails at the JSON path of the key an engine rule names (round::PipelineRuleError::key(), e.g.
// "gossip.topology" is root/gossip/topology), with the rule's message.
[[noreturn]] void fail_at_rule_key(const Location& root, const std::string& key, const std::string& message);

// The schedule types with a constant period τ, the only ones asynchronous coordination takes.
const std::vector<std::string>& constant_period_schedules();

}  // namespace localsgd
