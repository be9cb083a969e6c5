// The gossip key in the spec language (experiments/catalog/catalog_gossip.cpp,
// experiments/spec/gossip_spec.hpp): every type and topology reads into the engine's options;
// absent, the configuration is as before; every rule's error names its JSON path and the rule,
// topologies that do not exist on p nodes included; sweeps and --set reach its parameters; a gossip
// run runs end to end and counts bytes; the complete graph with uniform weights is the run without
// gossip; explain gives the topology's degrees, spectral gap and what a round sends.
#include <catch2/catch.hpp>

#include <cmath>
#include <numbers>
#include <string>
#include <vector>

#include "experiments/cli/spec_overrides.hpp"
#include "experiments/language/spec_error.hpp"
#include "experiments/report/explain.hpp"
#include "experiments/run/outcome_record.hpp"
#include "experiments/run/runner.hpp"
#include "experiments/spec/spec.hpp"
#include "experiments/spec/spec_warnings.hpp"
#include "experiments/store/results.hpp"
#include "experiments/store/run_record.hpp"
#include "experiments/store/run_store.hpp"
#include "sim/engine.hpp"
#include "support/small_spec.hpp"

using namespace localsgd;
using test::base_spec;
using test::error_of;

namespace {

Json gossiping(const Json& gossip, const Json& keys = Json::object()) {
  Json spec = base_spec(keys);
  spec["gossip"] = gossip;
  return spec;
}

const Json kTopK = {{"type", "top_k"}, {"k", 2}};

Json choco(const Json& extra = Json::object()) {
  Json gossip = {{"type", "choco"}, {"topology", "ring"}, {"consensus_step", 0.5}};
  for (const auto& [key, value] : extra.items()) gossip[key] = value;
  return gossip;
}

round::GossipOptions options_of(const Json& spec) { return parse_spec(spec, "t").runs.at(0).pipeline().gossip; }

// The lines of a CSV text with the last column removed.
std::string without_last_column(const std::string& csv) {
  std::string out;
  std::size_t start = 0;
  while (start < csv.size()) {
    const std::size_t end = csv.find('\n', start);
    const std::string line = csv.substr(start, end - start);
    out += line.substr(0, line.rfind(',')) + "\n";
    start = end + 1;
  }
  return out;
}

Json explain_gossip(const Json& spec) {
  return explain_spec(parse_spec(spec, "t")).at("configurations").at(0).at("round").at("gossip");
}

}  // namespace

TEST_CASE("gossip: every type and topology reads into the engine's options, with its declared defaults") {
  using topology::MixingWeights;
  using topology::TopologyKind;
  CHECK_FALSE(parse_spec(base_spec(), "t").runs.at(0).pipeline().gossip.enabled);

  const auto ring = options_of(gossiping({{"type", "dsgd"}, {"topology", "ring"}}));
  CHECK(ring.enabled);
  CHECK(ring.algorithm == round::GossipAlgorithm::dsgd);
  CHECK(ring.topology.kind == TopologyKind::ring);
  CHECK(ring.topology.weights == MixingWeights::metropolis_hastings);

  const auto torus = options_of(gossiping({{"type", "dsgd"}, {"topology", "torus"}, {"weights", "uniform"}}));
  CHECK(torus.topology.kind == TopologyKind::torus);
  CHECK(torus.topology.rows == 0);  // the squarest torus, chosen by the topology
  CHECK(torus.topology.weights == MixingWeights::uniform);
  CHECK(options_of(gossiping({{"type", "dsgd"}, {"topology", "torus"}, {"rows", 4}})).topology.rows == 4);

  const auto regular = options_of(gossiping({{"type", "dsgd"}, {"topology", "random_regular"}, {"degree", 2}}));
  CHECK(regular.topology.kind == TopologyKind::random_regular);
  CHECK(regular.topology.degree == 2);
  CHECK(regular.topology.graph_seed == 1);
  CHECK(options_of(gossiping({{"type", "dsgd"}, {"topology", "random_regular"}, {"degree", 3}, {"graph_seed", 7}}))
            .topology.graph_seed == 7);
  for (const char* name : {"complete", "star", "exponential", "one_peer_exponential"}) {
    INFO(name);
    CHECK(std::string(topology::topology_name(
              options_of(gossiping({{"type", "dsgd"}, {"topology", name}})).topology.kind)) == name);
  }

  const auto c = options_of(gossiping(choco(), {{"compression", kTopK}}));
  CHECK(c.algorithm == round::GossipAlgorithm::choco);
  CHECK(c.consensus_step == 0.5);

  // The configuration holds every resolved parameter (conditional ones only where they apply).
  const RunSpec run = parse_spec(gossiping({{"type", "dsgd"}, {"topology", "ring"}}), "t").runs.at(0);
  CHECK(run.config.at("gossip") == Json({{"type", "dsgd"}, {"topology", "ring"}, {"weights", "metropolis_hastings"}}));
  CHECK(parse_spec(gossiping({{"type", "dsgd"}, {"topology", "random_regular"}, {"degree", 3}}), "t")
            .runs.at(0)
            .config.at("gossip") == Json({{"type", "dsgd"},
                                          {"topology", "random_regular"},
                                          {"weights", "metropolis_hastings"},
                                          {"degree", 3},
                                          {"graph_seed", 1}}));
  CHECK(parse_spec(gossiping({{"type", "dsgd"}, {"topology", "one_peer_exponential"}}), "t").runs.at(0).config.at(
            "gossip") == Json({{"type", "dsgd"}, {"topology", "one_peer_exponential"}}));
  CHECK(run.round.gossips());
  CHECK_FALSE(run.round.is_default());
  // The resolved spec reads back to the same configuration.
  const ExperimentSpec parsed = parse_spec(gossiping(choco(), {{"compression", kTopK}}), "t");
  CHECK(parse_spec(parsed.resolved, "t").runs.at(0).config == parsed.runs.at(0).config);
}

TEST_CASE("gossip: absent, the configuration and run key are as before; present, a different run") {
  const ExperimentSpec plain = parse_spec(base_spec(), "t");
  CHECK_FALSE(plain.runs.at(0).config.contains("gossip"));
  CHECK_FALSE(plain.counts_bytes());
  CHECK(plain.resolved.dump().find("gossip") == std::string::npos);
  const ExperimentSpec gossip = parse_spec(gossiping({{"type", "dsgd"}, {"topology", "complete"}}), "t");
  CHECK(gossip.counts_bytes());
  CHECK_FALSE(gossip.compressed());
  CHECK(run_key(gossip.runs.at(0)) != run_key(plain.runs.at(0)));
}

TEST_CASE("gossip: each rule's error names the JSON path and the rule") {
  struct Case {
    Json spec;
    std::string message;  // expected at the start of the error
  };
  const Json dsgd_ring = {{"type", "dsgd"}, {"topology", "ring"}};
  const auto dsgd = [](const Json& extra) {
    Json gossip = {{"type", "dsgd"}};
    for (const auto& [key, value] : extra.items()) gossip[key] = value;
    return gossip;
  };
  const std::vector<Case> cases = {
      // The key itself.
      {gossiping({{"type", "dsgx"}, {"topology", "ring"}}), "/gossip/type: unknown gossip type \"dsgx\" (valid: dsgd or "
                                                            "choco); did you mean \"dsgd\"?"},
      {gossiping({{"topology", "ring"}}), "/gossip: missing required key \"type\" (gossip type: one of dsgd or choco)"},
      {gossiping({{"type", "dsgd"}}), "/gossip: missing required key \"topology\""},
      {gossiping(dsgd({{"topology", "hypercube"}})), "/gossip/topology: must be one of"},
      {gossiping(dsgd({{"topology", "ring"}, {"fanout", 2}})), "/gossip/fanout: unknown key \"fanout\" in gossip type "
                                                               "\"dsgd\""},
      {gossiping(dsgd({{"topology", "ring"}, {"weights", "max_degree"}})), "/gossip/weights: must be one of"},
      {gossiping(dsgd({{"topology", "one_peer_exponential"}, {"weights", "uniform"}})),
       "/gossip/weights: \"weights\" applies only when topology is"},
      {gossiping(dsgd({{"topology", "ring"}, {"rows", 2}})),
       "/gossip/rows: \"rows\" applies only when topology is \"torus\" (here topology is \"ring\")"},
      {gossiping(dsgd({{"topology", "torus"}, {"rows", 0}})), "/gossip/rows: must be integer >= 1"},
      {gossiping(dsgd({{"topology", "random_regular"}})), "/gossip: missing required key \"degree\""},
      {gossiping(dsgd({{"topology", "ring"}, {"degree", 2}})),
       "/gossip/degree: \"degree\" applies only when topology is \"random_regular\""},
      {gossiping(dsgd({{"topology", "ring"}, {"graph_seed", 2}})),
       "/gossip/graph_seed: \"graph_seed\" applies only when topology is \"random_regular\""},
      {gossiping(dsgd({{"topology", "ring"}, {"consensus_step", 0.5}})),
       "/gossip/consensus_step: unknown key \"consensus_step\" in gossip type \"dsgd\""},
      {gossiping({{"type", "choco"}, {"topology", "ring"}}, {{"compression", kTopK}}),
       "/gossip: missing required key \"consensus_step\""},
      {gossiping(choco({{"consensus_step", 0}}), {{"compression", kTopK}}),
       "/gossip/consensus_step: must be number > 0 and <= 1"},
      {gossiping(choco({{"consensus_step", 1.5}}), {{"compression", kTopK}}),
       "/gossip/consensus_step: must be number > 0 and <= 1, got 1.5"},
      // Topologies that do not exist on the run's p = 4 nodes, at the key to change.
      {gossiping(dsgd({{"topology", "torus"}, {"rows", 3}})),
       "/gossip/rows: topology: a torus's rows must divide the 4 nodes (rows = 3)"},
      {gossiping(dsgd({{"topology", "random_regular"}, {"degree", 4}})),
       "/gossip/degree: topology: random_regular(n = 4, d = 4): needs 1 <= d < n (n: the run's 4 workers)"},
      {gossiping(dsgd({{"topology", "random_regular"}, {"degree", 1}})),
       "/gossip/degree: topology: random_regular(n = 4, d = 1): a 1-regular graph on more than 2 nodes is not "
       "connected"},
      {gossiping(dsgd({{"topology", "random_regular"}, {"degree", 3}}), {{"workers", 5}}),
       "/gossip/degree: topology: random_regular(n = 5, d = 3): needs n·d even"},
      {gossiping(dsgd({{"topology", "star"}, {"weights", "uniform"}})),
       "/gossip/weights: topology: uniform weights 1/(deg + 1) need a regular graph (node 0 has degree 3, node 1 has "
       "1): use metropolis_hastings (topology \"star\" on 4 nodes)"},
      // Other keys.
      {gossiping(dsgd_ring, {{"coordination", {{"type", "fedasync"}}}}),
       "/coordination/type: must be \"barrier\" with gossip (\"dsgd\"), got \"fedasync\": asynchronous coordination "
       "mixes pushes into a server's model and gossip has no server"},
      {gossiping(dsgd_ring, {{"compression", kTopK}}),
       "/compression: must be absent with gossip \"dsgd\" (got compression \"top_k\"): D-SGD gossips whole models"},
      {gossiping(choco()), "/gossip/type: \"choco\" needs the run's \"compression\" key (CHOCO-SGD's operator Q"},
      {gossiping(choco(), {{"compression", {{"type", "top_k"}, {"k", 2}, {"feedback", "ef"}}}}),
       "/compression/feedback: must be \"none\" with gossip \"choco\", got \"ef\": CHOCO-SGD's public copies xhat are "
       "its error memory"},
      {gossiping(choco(), {{"compression", {{"type", "top_k"}, {"k", 6}}}}),
       "/compression/k: compression options: top_k needs 1 <= k <= d (k = 6, d = 5)"},
      {gossiping(dsgd_ring, {{"participation", {{"type", "uniform"}, {"clients", 2}}}}),
       "/participation/type: must be \"full\" with gossip (\"dsgd\"), got \"uniform\": gossip has no server; every node "
       "takes part in every round"},
      {gossiping(dsgd_ring, {{"local_work", {{"type", "random"}}}}),
       "/local_work/type: must be \"schedule\" with gossip (\"dsgd\"), got \"random\""},
      {gossiping(dsgd_ring, {{"correction", {{"type", "scaffold"}}}}),
       "/correction/type: must be \"none\" with gossip (\"dsgd\"), got \"scaffold\""},
      {gossiping(choco(), {{"compression", kTopK}, {"correction", {{"type", "fedprox"}, {"mu", 0.1}}}}),
       "/correction/type: must be \"none\" with gossip (\"choco\"), got \"fedprox\""},
      {gossiping(dsgd_ring, {{"aggregation", {{"type", "shard_size"}}}}),
       "/aggregation/type: must be \"uniform\" with gossip (\"dsgd\"), got \"shard_size\""},
      {gossiping(dsgd_ring, {{"server", {{"type", "momentum"}, {"momentum", 0.5}}}}),
       "/server/type: must be \"plain\" with gossip (\"dsgd\"), got \"momentum\": gossip has no server; there is no "
       "server step"},
      {gossiping(dsgd_ring, {{"optimizer", {{"type", "momentum"}, {"state_at_sync", "average"}}}}),
       "/optimizer/state_at_sync: must be \"keep\" or \"reset\" with gossip (\"dsgd\"), got \"average\""},
  };
  for (const Case& c : cases) {
    INFO(c.spec.dump());
    CHECK_THAT(error_of(c.spec), Catch::StartsWith(c.message));
  }
  // What gossip allows: a plain server SGD step of 1, kept or reset optimizer state, sizes that fit.
  CHECK(error_of(gossiping(dsgd_ring, {{"server", {{"type", "sgd"}, {"learning_rate", 1}}}})) == "");
  CHECK(error_of(gossiping(dsgd_ring, {{"optimizer", {{"type", "momentum"}, {"state_at_sync", "keep"}}}})) == "");
  CHECK(error_of(gossiping(dsgd({{"topology", "torus"}, {"rows", 2}}))) == "");
  CHECK(error_of(gossiping(dsgd({{"topology", "star"}}))) == "");
  CHECK(error_of(gossiping(dsgd({{"topology", "complete"}, {"weights", "uniform"}}))) == "");
  CHECK(error_of(gossiping(dsgd({{"topology", "random_regular"}, {"degree", 2}, {"graph_seed", 0}}))) == "");
  CHECK(error_of(gossiping(dsgd({{"topology", "exponential"}, {"weights", "uniform"}}))) == "");
  CHECK(error_of(gossiping(choco({{"topology", "one_peer_exponential"}}), {{"compression", {{"type", "qsgd"}, {"levels", 4}}}})) ==
        "");
  CHECK(error_of(gossiping(dsgd_ring, {{"workers", 1}})) == "");  // a single node gossips with nobody
  // In a variant, the path points into it.
  Json spec = base_spec();
  spec["variants"] = Json::parse(
      R"([{"label": "a"}, {"label": "b", "gossip": {"type": "dsgd", "topology": "torus", "rows": 3}}])");
  CHECK_THAT(error_of(spec), Catch::StartsWith("/variants/1/gossip/rows: topology: a torus's rows must divide"));
}

TEST_CASE("gossip: a sweep and --set reach its parameters") {
  Json spec = gossiping(choco(), {{"compression", kTopK}});
  spec["sweep"] = {{"gossip.consensus_step", {0.2, 0.6}}, {"gossip.topology", {"ring", "complete", "exponential"}}};
  const ExperimentSpec parsed = parse_spec(spec, "t");
  REQUIRE(parsed.runs.size() == 6);
  int complete = 0;
  int small_step = 0;
  for (const RunSpec& run : parsed.runs) {
    complete += run.pipeline().gossip.topology.kind == topology::TopologyKind::complete ? 1 : 0;
    small_step += run.pipeline().gossip.consensus_step == 0.2 ? 1 : 0;
  }
  CHECK(complete == 2);
  CHECK(small_step == 3);
  spec["sweep"] = {{"gossip.consensus_step", {0.5, 2}}};
  CHECK_THAT(error_of(spec), Catch::StartsWith("/sweep/gossip.consensus_step/1: must be number > 0 and <= 1, got 2"));
  // A swept topology that does not exist on p nodes is refused at the swept value's path.
  Json rows = gossiping({{"type", "dsgd"}, {"topology", "torus"}, {"rows", 2}});
  rows["sweep"] = {{"gossip.rows", {1, 2, 3}}};
  CHECK_THAT(error_of(rows), Catch::StartsWith("/sweep/gossip.rows/2: topology: a torus's rows must divide the 4 nodes "
                                               "(rows = 3)"));

  Json set = gossiping({{"type", "dsgd"}, {"topology", "ring"}});
  SpecOverride override_ = parse_override("gossip.topology=complete");
  apply_override(set, override_);
  CHECK(options_of(set).topology.kind == topology::TopologyKind::complete);
}

namespace {

// The records with the consensus set to 0 at every sync (every `period` steps).
std::vector<RunRecord> consensus_zeroed_at_syncs(std::vector<RunRecord> records, long period) {
  for (RunRecord& record : records) {
    for (Evaluation& e : record.rows) {
      if (e.step > 0 && e.step % period == 0) e.consensus = 0.0;
    }
  }
  return records;
}

}  // namespace

TEST_CASE("gossip: a run through the runner counts bytes; the complete graph with uniform weights is the run "
          "without gossip") {
  // p = 4, d = 5, 200 steps, τ = 10: 20 gossip steps. The default network is `constant`, whose
  // gossip step costs what an average costs, so the clock is the same too.
  Json plain = base_spec({{"seeds", 2}, {"eval", {{"points", 12}}}});
  Json exact = plain;
  exact["gossip"] = {{"type", "dsgd"}, {"topology", "complete"}, {"weights", "uniform"}};
  const ExperimentSpec plain_spec = parse_spec(plain, "t");
  const ExperimentSpec exact_spec = parse_spec(exact, "t");
  const RunsResult plain_runs = execute_runs(plain_spec, nullptr, [](auto&&...) {});
  const RunsResult exact_runs = execute_runs(exact_spec, nullptr, [](auto&&...) {});
  REQUIRE(exact_runs.finished == 2);
  const std::string plain_csv = metrics_csv(plain_spec, plain_runs.records);
  const std::string exact_csv = metrics_csv(exact_spec, exact_runs.records);
  CHECK(exact_csv.substr(0, exact_csv.find('\n')).ends_with(",consensus,bytes"));
  CHECK(plain_csv.find("bytes") == std::string::npos);
  // Bit for bit the same metrics; only the bytes column is new, and the consensus at a sync is
  // taken after the gossip step, where every node holds the exact average (0).
  CHECK(without_last_column(exact_csv) == metrics_csv(plain_spec, consensus_zeroed_at_syncs(plain_runs.records, 10)));
  CHECK(plain_csv != metrics_csv(plain_spec, consensus_zeroed_at_syncs(plain_runs.records, 10)));
  // Bytes: every node sends its whole model (d = 5 doubles, 40 bytes) to its 3 neighbours per round.
  const RunRecord& record = exact_runs.records.at(0);
  CHECK(record.summary.bytes_sent == 20 * 4 * 3 * 40.0);
  CHECK(record.rows.back().bytes == 20 * 4 * 3 * 40.0);
  CHECK(summary_json(exact_spec, exact_runs.records).at("runs").at(0).at("bytes_sent") == 20 * 4 * 3 * 40.0);

  // p = 5 too, although the complete graph's self weight 1 − 4 · (1/5) is not 1/5 in doubles: the
  // engine recognises W = (1/p)11ᵀ up to that rounding and installs the mean.
  plain["workers"] = 5;
  exact["workers"] = 5;
  const ExperimentSpec plain5 = parse_spec(plain, "t");
  const ExperimentSpec exact5 = parse_spec(exact, "t");
  const RunsResult plain5_runs = execute_runs(plain5, nullptr, [](auto&&...) {});
  const RunsResult exact5_runs = execute_runs(exact5, nullptr, [](auto&&...) {});
  CHECK(without_last_column(metrics_csv(exact5, exact5_runs.records)) ==
        metrics_csv(plain5, consensus_zeroed_at_syncs(plain5_runs.records, 10)));

  // A ring with CHOCO and top-2: each node sends its 2 values and 2 indices (24 bytes) to 2 neighbours.
  const ExperimentSpec ring = parse_spec(gossiping(choco(), {{"compression", kTopK}}), "t");
  const RunsResult ring_runs = execute_runs(ring, nullptr, [](auto&&...) {});
  REQUIRE(ring_runs.finished == 1);
  CHECK(ring_runs.records.at(0).summary.bytes_sent == 20 * 4 * 2 * 24.0);
  CHECK(std::isfinite(ring_runs.records.at(0).rows.back().gap));
  CHECK(ring_runs.records.at(0).rows.back().gap < ring_runs.records.at(0).rows.front().gap);
}

TEST_CASE("gossip: the bytes axis is accepted with gossip") {
  const Json curve = Json::parse(R"([{"x": "bytes", "y": "gap"}])");
  const Json reaches = Json::parse(R"([{"type": "reaches", "value": 0.1, "by": "bytes", "before": 1e9}])");
  const Json ring = {{"type", "dsgd"}, {"topology", "ring"}};
  CHECK(error_of(gossiping(ring, {{"plots", curve}})) == "");
  CHECK(error_of(gossiping(ring, {{"expect", reaches}})) == "");
  CHECK_THAT(error_of(base_spec({{"plots", curve}})),
             Catch::StartsWith("/plots/0/x: \"bytes\" is an axis only when some run sets \"compression\" or \"gossip\""));
  CHECK_THAT(error_of(base_spec({{"expect", reaches}})),
             Catch::StartsWith("/expect/0/by: \"bytes\" is an axis only when some run sets \"compression\" or "
                               "\"gossip\""));
}

TEST_CASE("gossip: explain gives the topology, degrees, spectral gap and what a round sends") {
  // A ring of 8 with Metropolis–Hastings weights 1/3: eigenvalues (1 + 2 cos(2πk/8))/3, so
  // |λ₂| = (1 + 2 cos(2π/8))/3 (the smallest, −1/3, is smaller in modulus).
  const Json ring8 = gossiping({{"type", "dsgd"}, {"topology", "ring"}}, {{"workers", 8}});
  const Json g = explain_gossip(ring8);
  CHECK(g.at("algorithm") == "dsgd");
  CHECK(g.at("topology") == "ring");
  CHECK(g.at("weights") == "metropolis_hastings");
  CHECK(g.at("degree") == Json({{"min", 2}, {"max", 2}}));
  CHECK(g.at("spectral_gap").get<double>() ==
        Approx(1 - (1 + 2 * std::cos(2 * std::numbers::pi / 8)) / 3).margin(1e-12));
  CHECK(g.at("time_varying") == false);
  CHECK(g.at("exact_averaging_after_period") == false);
  CHECK(g.at("message_bytes") == 40.0);                // d = 5 doubles
  CHECK(g.at("messages_per_round") == 16.0);            // 8 nodes x 2 neighbours
  CHECK(g.at("bytes_per_round") == 640.0);
  // The default network model charges a gossip step what an average costs.
  const RunSpec run = parse_spec(ring8, "t").runs.at(0);
  CHECK(g.at("seconds_per_round") == run.network.build(run.context())->gossip_seconds(2, 40.0));
  const std::string text = explain_text(explain_spec(parse_spec(ring8, "t")));
  CHECK(text.find("    gossip dsgd (topology = \"ring\", weights = \"metropolis_hastings\"): D-SGD") != std::string::npos);
  CHECK(text.find("      topology ring on 8 nodes, weights metropolis_hastings: degree 2; spectral gap 1 - "
                  "|lambda_2(W)| = 0.195262\n") != std::string::npos);
  CHECK(text.find("      message 40 bytes (a dense model, d values); 640 bytes per round (sum of degrees 16 x "
                  "message); ") != std::string::npos);

  // CHOCO: the compressor's message; an α-β network: the busiest node's degree x (α + S/β).
  Json star = gossiping(choco({{"topology", "star"}}),
                        {{"compression", kTopK},
                         {"clock", {{"network", {{"type", "ring"}, {"latency", 0.001}, {"bandwidth", 1e6}}}}}});
  const Json s = explain_gossip(star);
  CHECK(s.at("degree") == Json({{"min", 1}, {"max", 3}}));
  CHECK(s.at("message_bytes") == 24.0);  // 2 values of 8 bytes, 2 indices of 4
  CHECK(s.at("bytes_per_round") == 6 * 24.0);
  CHECK(s.at("seconds_per_round").get<double>() == Approx(3 * (0.001 + 24 / 1e6)));
  CHECK(s.at("consensus_step") == 0.5);
  CHECK(s.at("message") == "the compressor's message, top_k");

  // The complete graph averages exactly: gap 1.
  const Json complete = explain_gossip(gossiping({{"type", "dsgd"}, {"topology", "complete"}}));
  CHECK(complete.at("spectral_gap").get<double>() == Approx(1.0).margin(1e-12));
  CHECK(complete.at("exact_averaging_after_period") == true);
  CHECK(complete.at("degree") == Json({{"min", 3}, {"max", 3}}));

  // A torus without `rows`: the sides chosen (the squarest), in the JSON and the text.
  const Json torus_spec = gossiping({{"type", "dsgd"}, {"topology", "torus"}}, {{"workers", 12}});
  const Json torus = explain_gossip(torus_spec);
  CHECK(torus.at("rows") == 3);
  CHECK(torus.at("columns") == 4);
  CHECK(explain_text(explain_spec(parse_spec(torus_spec, "t"))).find("      topology torus (3 x 4) on 12 nodes") !=
        std::string::npos);
  CHECK_FALSE(g.contains("rows"));  // only a torus has sides

  // The one-peer exponential graph is time-varying: no gap, its period and exact averaging.
  const Json one_peer = explain_gossip(gossiping({{"type", "dsgd"}, {"topology", "one_peer_exponential"}},
                                                 {{"workers", 8}}));
  CHECK(one_peer.at("time_varying") == true);
  CHECK(one_peer.at("period") == 3);
  CHECK(one_peer.at("exact_averaging_after_period") == true);
  CHECK(one_peer.at("spectral_gap").is_null());
  CHECK(one_peer.at("weights").is_null());
  CHECK(one_peer.at("degree") == Json({{"min", 1}, {"max", 1}}));
  CHECK_THAT(one_peer.at("spectral_gap_note").get<std::string>(), Catch::Contains("period ceil(log2 p) = 3"));
  const Json six = explain_gossip(gossiping({{"type", "dsgd"}, {"topology", "one_peer_exponential"}},
                                            {{"workers", 6}}));
  CHECK(six.at("exact_averaging_after_period") == false);
  CHECK_THAT(six.at("spectral_gap_note").get<std::string>(), Catch::Contains("not a power of 2"));

  // Beyond 2000 nodes the dense W is not built.
  Json large = gossiping({{"type", "dsgd"}, {"topology", "ring"}}, {{"workers", 2001}, {"steps", 10}});
  large["problem"]["samples"] = 4002;
  const Json big = explain_gossip(large);
  CHECK(big.at("spectral_gap").is_null());
  CHECK(big.at("spectral_gap_note") == "not computed (p > 2000)");
  CHECK(explain_text(explain_spec(parse_spec(large, "t"))).find("spectral gap not computed (p > 2000)") !=
        std::string::npos);

  // Without gossip the explanation has no gossip entry.
  CHECK_FALSE(explain_spec(parse_spec(base_spec(), "t")).at("configurations").at(0).at("round").contains("gossip"));
}

TEST_CASE("gossip: the memory estimate asks the engine with the gossip pipeline") {
  const ExperimentSpec plain = parse_spec(base_spec(), "t");
  const ExperimentSpec ring = parse_spec(gossiping({{"type", "dsgd"}, {"topology", "ring"}}), "t");
  EngineShape shape;
  shape.workers = 4;
  shape.dim = 5;
  shape.batch = 1;
  shape.finite_sum = true;
  shape.draws_compute_times = true;
  const double without = Engine::estimate_bytes(shape);
  shape.pipeline = ring.runs.at(0).pipeline();
  const double with = Engine::estimate_bytes(shape);
  CHECK(with > without);
  CHECK(ring.runs.at(0).memory_bytes - plain.runs.at(0).memory_bytes == with - without);
}

TEST_CASE("gossip: unequal shards warn without suggesting an aggregation gossip refuses") {
  Json spec = gossiping({{"type", "dsgd"}, {"topology", "ring"}});
  spec["problem"] = {{"type", "logistic"}, {"data", "epsilon_like"}, {"samples", 800}, {"dim", 5},
                     {"partition", "dirichlet"}, {"alpha", 0.5}};
  const auto warnings = configuration_warnings(parse_spec(spec, "t").runs.at(0));
  std::string shards;
  for (const ConfigurationWarning& w : warnings) {
    if (w.kind == "shards") shards = w.text;
  }
  CHECK_THAT(shards, Catch::Contains("gossip keeps the nodes' unweighted mean"));
  CHECK(shards.find("aggregation") == std::string::npos);
}
