#include "experiments/spec/gossip_spec.hpp"

#include <fmt/format.h>

#include <exception>

#include "algorithms/round/pipeline_rules.hpp"
#include "algorithms/topology/topology.hpp"

namespace localsgd {

namespace {

using topology::TopologyKind;

// The topology's own rules on p nodes, each at the key that breaks it. The complete graph exists
// and is regular on every p >= 1 (and has p(p - 1) edges: not built here); the one-peer
// exponential graph exists on every p.
void check_topology(const round::GossipOptions& gossip, int workers, const Location& at) {
  const topology::TopologyOptions& t = gossip.topology;
  if (t.kind == TopologyKind::complete || t.kind == TopologyKind::one_peer_exponential) return;
  topology::Graph graph;
  try {
    graph = topology::topology_graph(t, workers);
  } catch (const std::exception& e) {
    const char* key = t.kind == TopologyKind::torus && t.rows != 0 ? "rows"
                      : t.kind == TopologyKind::random_regular     ? "degree"
                                                                   : "topology";
    // The torus's message names the nodes; the random graph's gives them as n.
    at.child(key).fail(t.kind == TopologyKind::random_regular
                           ? fmt::format("{} (n: the run's {} workers)", e.what(), workers)
                           : std::string(e.what()));
  }
  try {
    (void)topology::mixing_matrix(graph, t.weights);
  } catch (const std::exception& e) {
    at.child("weights").fail(fmt::format("{} (topology \"{}\" on {} nodes)", e.what(),
                                         topology::topology_name(t.kind), workers));
  }
}

}  // namespace

void check_gossip_spec(const RoundSpec& round, const Configured<LocalOptimizer>& optimizer, int state_vectors,
                       const Location& root, const BuildContext& context) {
  if (!round.gossips()) return;
  const std::string type = round.gossip.type();
  const round::Pipeline pipeline = round.pipeline(context);
  // The round's policies that belong to a server: each must be its family's default.
  const auto refuse = [&](const char* key, const std::string& expected, const std::string& got,
                          const std::string& why) {
    root.child(key).child("type").fail(fmt::format("must be {} with gossip (\"{}\"), got \"{}\": gossip has no server; {}",
                                                   expected, type, got, why));
  };
  if (pipeline.participation.kind != round::ParticipationKind::full) {
    refuse("participation", "\"full\"", round.participation.type(), "every node takes part in every round");
  }
  if (pipeline.local_work.kind != round::LocalWorkKind::schedule) {
    refuse("local_work", "\"schedule\"", round.local_work.type(),
           "every node takes the schedule's tau local steps between gossip steps");
  }
  if (pipeline.correction.kind != round::CorrectionKind::none) {
    refuse("correction", "\"none\"", round.correction.type(), "FedProx and SCAFFOLD correct towards a server's model");
  }
  if (pipeline.aggregation != round::AggregationKind::uniform) {
    refuse("aggregation", "\"uniform\"", round.aggregation.type(), "the mixing weights w_ij replace the aggregation weights");
  }
  const bool plain_server = pipeline.server.kind == round::ServerKind::plain ||
                            (pipeline.server.kind == round::ServerKind::sgd && pipeline.server.learning_rate == 1);
  if (!plain_server) refuse("server", "\"plain\"", round.server.type(), "there is no server step");
  const bool averages_state = state_vectors > 0 && optimizer.params.has("state_at_sync") &&
                              optimizer.params.text("state_at_sync") == "average";
  if (averages_state) {
    root.child("optimizer").child("state_at_sync").fail(fmt::format(
        "must be \"keep\" or \"reset\" with gossip (\"{}\"), got \"average\": gossip has no server, so the {} "
        "optimizer's state has no average to install",
        type, optimizer.type()));
  }
  const Location at = root.child("gossip");
  if (pipeline.gossip.algorithm == round::GossipAlgorithm::dsgd && round.compressed()) {
    root.child("compression").fail(fmt::format(
        "must be absent with gossip \"dsgd\" (got compression \"{}\"): D-SGD gossips whole models; compressed gossip "
        "is gossip type \"choco\", whose operator Q is the compression's",
        round.compression.type()));
  }
  if (pipeline.gossip.algorithm == round::GossipAlgorithm::choco) {
    if (!round.compressed()) {
      at.child("type").fail("\"choco\" needs the run's \"compression\" key (CHOCO-SGD's operator Q, e.g. {\"type\": "
                            "\"top_k\", \"ratio\": 0.1}); without compression use gossip type \"dsgd\"");
    }
    if (pipeline.compression.feedback != compression::Feedback::none) {
      root.child("compression").child("feedback").fail(fmt::format(
          "must be \"none\" with gossip \"choco\", got \"{}\": CHOCO-SGD's public copies xhat are its error memory",
          compression::feedback_name(pipeline.compression.feedback)));
    }
  }
  check_topology(pipeline.gossip, context.workers, at);
  // The engine's own check, on the same options: a rule missed above is still refused here, at the
  // key it names. The complete graph is checked as a ring (both exist and are regular on every p)
  // so that p(p - 1) edges are not built while the spec is read.
  round::Pipeline checked = pipeline;
  if (checked.gossip.topology.kind == TopologyKind::complete) checked.gossip.topology.kind = TopologyKind::ring;
  try {
    round::check_gossip(checked, context.workers, averages_state);
  } catch (const round::PipelineRuleError& e) {
    fail_at_rule_key(root, e.key(), e.what());
  }
}

}  // namespace localsgd
