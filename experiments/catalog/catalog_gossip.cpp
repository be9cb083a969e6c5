// Decentralised rounds (algorithms/round/pipeline.hpp, GossipOptions; algorithms/topology/): the
// run-level key `gossip`. No server: after its local steps every node mixes with its neighbours on
// the topology. Each type is one gossip algorithm with the topology's parameters; CHOCO-SGD takes
// its operator Q from the run's `compression` key. The rules that involve other keys or the
// number of nodes (the round's policies, coordination, compression, a torus's rows dividing p, a
// d-regular graph existing) are checked in experiments/spec/gossip_spec.cpp, so that no spec that
// validates is refused by the engine.
#include <fmt/format.h>

#include <cstdint>
#include <memory>
#include <optional>

#include "experiments/catalog/catalog.hpp"

namespace localsgd {

namespace {

using round::GossipAlgorithm;
using round::GossipOptions;
using topology::MixingWeights;
using topology::TopologyKind;

// The topologies with a static graph: every kind but the one-peer exponential graph, whose
// weights are fixed (1/2 and 1/2).
const std::vector<std::string> kStaticTopologies = {"complete",       "ring",       "torus", "star",
                                                    "random_regular", "exponential"};

// Every type: the topology and its parameters.
struct TopologyParams {
  TopologyKind topology{};
  MixingWeights weights{};
  std::optional<std::int64_t> rows;
  std::int64_t degree{};
  std::int64_t graph_seed{};
  static void fields(auto& f) {
    f.choice("topology", &TopologyParams::topology,
             {{"complete", TopologyKind::complete},
              {"ring", TopologyKind::ring},
              {"torus", TopologyKind::torus},
              {"star", TopologyKind::star},
              {"random_regular", TopologyKind::random_regular},
              {"exponential", TopologyKind::exponential},
              {"one_peer_exponential", TopologyKind::one_peer_exponential}})
        .doc("the graph: complete (every pair), ring (i ~ i +- 1), torus (rows x p/rows, wrap-around), star (node 0 ~ "
             "every node), random_regular (a random connected d-regular graph), exponential (i ~ i +- 2^k), "
             "one_peer_exponential (round r pairs i with i + 2^(r mod ceil(log2 p)), weights 1/2; Ying et al. 2021)");
    f.choice("weights", &TopologyParams::weights,
             {{"metropolis_hastings", MixingWeights::metropolis_hastings}, {"uniform", MixingWeights::uniform}})
        .defaults_to("metropolis_hastings")
        .when("topology", kStaticTopologies)
        .doc("w_ij on the edges: metropolis_hastings 1/(1 + max(deg_i, deg_j)) (any graph), uniform 1/(deg + 1) "
             "(regular graphs only: not the star); w_ii = 1 - sum of the row");
    f.integer("rows", &TopologyParams::rows)
        .at_least(1)
        .at_most(1e7)
        .optional()
        .when("topology", {"torus"})
        .doc("the torus's rows, a divisor of p (absent: the largest divisor <= sqrt(p), the squarest torus)");
    f.integer("degree", &TopologyParams::degree)
        .at_least(1)
        .at_most(1e7)
        .when("topology", {"random_regular"})
        .doc("d: every node's neighbours (1 <= d < p, p d even; d >= 2 for p > 2)");
    f.integer("graph_seed", &TopologyParams::graph_seed)
        .at_least(0)
        .defaults_to(1)
        .when("topology", {"random_regular"})
        .doc("the random graph's seed: the same graph for every run seed");
  }
  std::shared_ptr<GossipOptions> options(GossipAlgorithm algorithm) const {
    auto out = std::make_shared<GossipOptions>();
    out->enabled = true;
    out->algorithm = algorithm;
    out->topology.kind = topology;
    out->topology.weights = topology == TopologyKind::one_peer_exponential ? MixingWeights::metropolis_hastings
                                                                            : weights;
    out->topology.rows = static_cast<int>(rows.value_or(0));
    out->topology.degree = static_cast<int>(degree);
    out->topology.graph_seed = static_cast<std::uint64_t>(graph_seed);
    return out;
  }
};

struct ChocoParams : TopologyParams {
  double consensus_step{};
  static void fields(auto& f) {
    TopologyParams::fields(f);
    f.number("consensus_step", &ChocoParams::consensus_step)
        .greater_than(0)
        .at_most(1)
        .doc("gamma: x_i <- x_i + gamma sum_j w_ij (xhat_j - xhat_i) (Koloskova et al. 2019 tune it per compressor; "
             "smaller for coarser Q)");
  }
};

}  // namespace

const Registry<GossipOptions>& gossip_registry() {
  static const Registry<GossipOptions> registry{
      "gossip",
      "decentralised rounds: no server; after its local steps every node mixes with its neighbours on the topology, "
      "x_i <- sum_j w_ij x_j, and the run is evaluated at the nodes' mean; absent: a server averages",
      {
          bound_entry<TopologyParams, GossipOptions>(
              "dsgd",
              "D-SGD (Lian et al., NeurIPS 2017; with tau local steps, Koloskova et al., ICML 2020): x_i <- sum_j w_ij "
              "x_j, whole models (d values) to every neighbour; no compression",
              [](const TopologyParams& o, const BuildContext&) { return o.options(GossipAlgorithm::dsgd); }, nullptr,
              Json{{"type", "dsgd"}, {"topology", "ring"}}),
          bound_entry<ChocoParams, GossipOptions>(
              "choco",
              "CHOCO-SGD (Koloskova, Stich, Jaggi, ICML 2019, Alg. 2): send q_i = Q(x_i - xhat_i), every holder adds "
              "xhat_i += q_i, then x_i += gamma sum_j w_ij (xhat_j - xhat_i); Q is the run's compression (feedback "
              "none), an unbiased one rescaled to Q/(1 + omega) (a contraction, the paper's section 3)",
              [](const ChocoParams& o, const BuildContext&) {
                auto out = o.options(GossipAlgorithm::choco);
                out->consensus_step = o.consensus_step;
                return out;
              },
              nullptr, Json{{"type", "choco"}, {"topology", "ring"}, {"consensus_step", 0.5}}),
      }};
  return registry;
}

}  // namespace localsgd
