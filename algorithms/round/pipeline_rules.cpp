#include "algorithms/round/pipeline_rules.hpp"

#include <fmt/format.h>

#include <exception>

namespace localsgd::round {

void check_pipeline(const Pipeline& pipeline, int workers, bool optimizer_has_state) {
  const ParticipationOptions& who = pipeline.participation;
  switch (who.kind) {
    case ParticipationKind::full: break;
    case ParticipationKind::uniform:
    case ParticipationKind::weighted:
      if (who.clients < 1 || who.clients > workers) {
        throw PipelineRuleError("participation.clients",
                                fmt::format("must be between 1 and the {} workers, got {}", workers, who.clients));
      }
      break;
    case ParticipationKind::available:
      if (who.probability.size() != 1 && who.probability.size() != static_cast<std::size_t>(workers)) {
        throw PipelineRuleError("participation.probability",
                                fmt::format("needs one probability or one per worker ({}), got {}", workers,
                                            who.probability.size()));
      }
      for (double q : who.probability) {
        if (!(q >= 0 && q <= 1)) throw PipelineRuleError("participation.probability", "each must be in [0, 1]");
      }
      if (!(who.amplitude >= 0) || who.period_rounds < 0) {
        throw PipelineRuleError("participation.amplitude", "amplitude and period_rounds must be >= 0");
      }
      break;
    case ParticipationKind::deadline:
      if (!(who.deadline_seconds > 0)) throw PipelineRuleError("participation.seconds", "a deadline must be > 0 seconds");
      break;
  }
  const LocalWorkOptions& work = pipeline.local_work;
  if (work.kind == LocalWorkKind::per_worker) {
    if (work.steps.size() != static_cast<std::size_t>(workers)) {
      throw PipelineRuleError("local_work.steps", fmt::format("needs one step count per worker ({}), got {}", workers,
                                                              work.steps.size()));
    }
    for (long n : work.steps) {
      if (n < 1) throw PipelineRuleError("local_work.steps", "each step count must be >= 1");
    }
  }
  if (work.kind == LocalWorkKind::random && work.min_steps < 1) {
    throw PipelineRuleError("local_work.min_steps", "must be >= 1");
  }
  if (work.kind == LocalWorkKind::time_budget && !(work.seconds > 0)) {
    throw PipelineRuleError("local_work.seconds", "a local time budget must be > 0 seconds");
  }
  const CorrectionKind correction = pipeline.correction.kind;
  if (correction == CorrectionKind::fedprox && !(pipeline.correction.mu >= 0)) {
    throw PipelineRuleError("correction.mu", "FedProx's mu must be >= 0");
  }
  if (who.kind == ParticipationKind::weighted && pipeline.aggregation != AggregationKind::uniform) {
    throw PipelineRuleError("aggregation",
                            "weighted participation already draws workers in proportion to their shard sizes: use "
                            "\"uniform\" aggregation (the draws' multiplicities are the weights)");
  }
  if (pipeline.aggregation == AggregationKind::fednova) {
    if (correction != CorrectionKind::none) {
      throw PipelineRuleError("aggregation", "FedNova's normalisation (a_i = local steps) holds for plain local SGD "
                                             "only: it cannot be combined with a correction (FedProx, SCAFFOLD)");
    }
    if (optimizer_has_state) {
      throw PipelineRuleError("aggregation", "FedNova's normalisation (a_i = local steps) holds for plain local SGD "
                                             "only: use the \"sgd\" optimizer");
    }
  }
  if (correction == CorrectionKind::scaffold && optimizer_has_state) {
    throw PipelineRuleError("correction", "SCAFFOLD's control variates (option II) assume plain local SGD steps: use "
                                          "the \"sgd\" optimizer");
  }
}

void check_compression(const Pipeline& pipeline, bool optimizer_averages_state, Index dim) {
  if (!pipeline.compression.enabled) return;
  if (pipeline.correction.kind == CorrectionKind::scaffold) {
    throw PipelineRuleError("compression", "SCAFFOLD's control variates would travel uncompressed: not with compression");
  }
  if (optimizer_averages_state) {
    throw PipelineRuleError("compression",
                            "the optimizer's state is averaged at every sync and would travel uncompressed: use "
                            "state_at_sync keep or reset with compression");
  }
  try {
    (void)compression::make_compressor(pipeline.compression.compressor, dim);
  } catch (const std::invalid_argument& e) {
    throw PipelineRuleError("compression", e.what());
  }
}

void check_gossip(const Pipeline& pipeline, int workers, bool optimizer_averages_state) {
  const GossipOptions& gossip = pipeline.gossip;
  if (!gossip.enabled) return;
  const std::string why = "gossip has no server: ";
  if (pipeline.participation.kind != ParticipationKind::full) {
    throw PipelineRuleError("participation", why + "every node takes part in every round (participation must be full)");
  }
  if (pipeline.local_work.kind != LocalWorkKind::schedule) {
    throw PipelineRuleError("local_work", why + "every node takes the schedule's tau steps between gossip steps");
  }
  if (pipeline.correction.kind != CorrectionKind::none) {
    throw PipelineRuleError("correction", why + "FedProx and SCAFFOLD correct towards the server's model");
  }
  if (pipeline.aggregation != AggregationKind::uniform) {
    throw PipelineRuleError("aggregation", why + "the mixing weights replace the aggregation weights (use uniform)");
  }
  const bool plain_server = pipeline.server.kind == ServerKind::plain ||
                            (pipeline.server.kind == ServerKind::sgd && pipeline.server.learning_rate == 1);
  if (!plain_server) throw PipelineRuleError("server", why + "no server step");
  if (optimizer_averages_state) {
    throw PipelineRuleError("optimizer", why + "an optimizer state averaged at syncs has no average to take: use "
                                               "state_at_sync keep or reset with gossip");
  }
  if (gossip.algorithm == GossipAlgorithm::dsgd && pipeline.compression.enabled) {
    throw PipelineRuleError("compression", "D-SGD gossips whole models: compressed gossip is gossip algorithm \"choco\"");
  }
  if (gossip.algorithm == GossipAlgorithm::choco) {
    if (!pipeline.compression.enabled) {
      throw PipelineRuleError("gossip.algorithm", "CHOCO-SGD compresses what it gossips: it needs the compression key "
                                                  "(its operator Q)");
    }
    if (pipeline.compression.feedback != compression::Feedback::none) {
      throw PipelineRuleError("compression.feedback", "CHOCO-SGD's public copies x̂ are its error memory: feedback "
                                                      "must be none");
    }
    if (!(gossip.consensus_step > 0 && gossip.consensus_step <= 1)) {
      throw PipelineRuleError("gossip.consensus_step", "CHOCO-SGD's consensus step gamma must be in (0, 1]");
    }
  }
  // Any n >= 1 has these; the complete graph's p(p − 1) entries are not built to find that out.
  if (gossip.topology.kind == topology::TopologyKind::one_peer_exponential ||
      gossip.topology.kind == topology::TopologyKind::complete) {
    return;
  }
  topology::Graph graph;
  try {
    graph = topology::topology_graph(gossip.topology, workers);
  } catch (const std::exception& e) {
    throw PipelineRuleError("gossip.topology", e.what());
  }
  try {
    (void)topology::mixing_matrix(graph, gossip.topology.weights);
  } catch (const std::exception& e) {
    throw PipelineRuleError("gossip.weights", e.what());
  }
}

std::string_view gossip_algorithm_name(GossipAlgorithm algorithm) {
  return algorithm == GossipAlgorithm::choco ? "choco" : "dsgd";
}

void check_split_workers(const Pipeline& pipeline) {
  const std::string why = "a run split among ranks (split-workers) ";
  if (pipeline.participation.kind != ParticipationKind::full) {
    throw PipelineRuleError("participation", why + "needs every worker in every round (participation must be full)");
  }
  if (pipeline.local_work.kind == LocalWorkKind::time_budget) {
    throw PipelineRuleError("local_work", why + "does not take time_budget local work (a worker's steps would "
                                                "depend on step times another rank draws)");
  }
  if (pipeline.correction.kind == CorrectionKind::scaffold) {
    throw PipelineRuleError("correction", why + "does not take SCAFFOLD (its control variates are not split)");
  }
  if (pipeline.compression.enabled && pipeline.compression.compressor.kind != compression::CompressorKind::identity) {
    throw PipelineRuleError("compression", why + "sends whole partial sums: compressed messages are not split");
  }
  if (pipeline.gossip.enabled) throw PipelineRuleError("gossip", why + "has a server: gossip is not split");
}

}  // namespace localsgd::round
