// The coordination key in the spec language (experiments/catalog/catalog_coordination.cpp,
// experiments/spec/round_spec.hpp): each type reads into the engine's options with its declared
// defaults; the barrier, given or not, leaves the configuration and run key as they were; every
// rule's error names its JSON path; τ is the schedule's constant period; the memory estimate is
// the asynchronous engine's; the period warning does not apply; the default plots add the
// staleness plot.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "experiments/language/spec_error.hpp"
#include "experiments/spec/spec.hpp"
#include "experiments/spec/spec_warnings.hpp"
#include "experiments/store/run_store.hpp"
#include "support/small_spec.hpp"

using namespace localsgd;
using test::base_spec;
using test::error_of;

namespace {

Json fedasync(const Json& extra = Json::object()) {
  Json c = {{"type", "fedasync"}};
  for (const auto& [key, value] : extra.items()) c[key] = value;
  return c;
}

}  // namespace

TEST_CASE("coordination: each type reads into the engine's options, with its declared defaults") {
  using namespace round;
  const RunSpec plain = parse_spec(base_spec(), "t").runs.at(0);
  CHECK_FALSE(plain.round.asynchronous());
  CHECK(plain.round.coordination_options(plain.context()).kind == CoordinationKind::barrier);
  CHECK(plain.round.local_steps == 0);

  const RunSpec a = parse_spec(base_spec({{"coordination", fedasync()}}), "t").runs.at(0);
  REQUIRE(a.round.asynchronous());
  const CoordinationOptions async = a.round.coordination_options(a.context());
  CHECK(async.kind == CoordinationKind::fedasync);
  CHECK(async.mixing == 0.6);
  CHECK(async.staleness.kind == StalenessKind::constant);
  CHECK(a.round.local_steps == 10);
  CHECK(a.config.at("coordination") == Json({{"type", "fedasync"}, {"mixing", 0.6}, {"staleness", "constant"}}));

  const RunSpec poly = parse_spec(base_spec({{"coordination", fedasync({{"staleness", "polynomial"}})}}), "t").runs.at(0);
  CHECK(poly.round.coordination_options(poly.context()).staleness.a == 0.5);
  CHECK(poly.config.at("coordination").at("a") == 0.5);
  const RunSpec hinge = parse_spec(base_spec({{"coordination", fedasync({{"staleness", "hinge"}, {"b", 2}})}}), "t").runs.at(0);
  const StalenessOptions h = hinge.round.coordination_options(hinge.context()).staleness;
  CHECK(h.kind == StalenessKind::hinge);
  CHECK(h.a == 10);
  CHECK(h.b == 2);

  const RunSpec buff = parse_spec(base_spec({{"coordination", {{"type", "fedbuff"}, {"buffer", 3}}},
                                             {"server", {{"type", "momentum"}, {"momentum", 0.5}}}}),
                                  "t")
                           .runs.at(0);
  const CoordinationOptions b = buff.round.coordination_options(buff.context());
  CHECK(b.kind == CoordinationKind::fedbuff);
  CHECK(b.buffer == 3);
  CHECK(buff.pipeline().server.kind == ServerKind::momentum);
}

TEST_CASE("coordination: the barrier, given or not, has the configuration and run key of a spec without the key") {
  const ExperimentSpec plain = parse_spec(base_spec(), "t");
  const ExperimentSpec barrier = parse_spec(base_spec({{"coordination", {{"type", "barrier"}}}}), "t");
  CHECK_FALSE(plain.runs.at(0).config.contains("coordination"));
  CHECK(barrier.runs.at(0).config == plain.runs.at(0).config);
  CHECK(run_key(barrier.runs.at(0)) == run_key(plain.runs.at(0)));
  CHECK(barrier.resolved == plain.resolved);
  CHECK(barrier.runs.at(0).round.is_default());
  const ExperimentSpec async = parse_spec(base_spec({{"coordination", fedasync()}}), "t");
  CHECK(run_key(async.runs.at(0)) != run_key(plain.runs.at(0)));  // the comparison can fail
  // The resolved spec reads back as the same configuration.
  CHECK(parse_spec(async.resolved, "t").runs.at(0).config == async.runs.at(0).config);
}

TEST_CASE("coordination: tau is the schedule's constant period") {
  const auto tau = [](const Json& schedule) {
    return parse_spec(base_spec({{"schedule", schedule}, {"coordination", fedasync()}}), "t").runs.at(0).round.local_steps;
  };
  CHECK(tau({{"type", "sync"}}) == 1);
  CHECK(tau({{"type", "fixed"}, {"period", 7}}) == 7);
  CHECK(tau({{"type", "one_shot"}}) == 200);
  // lupa_theory: round(T^(2/3) / (pB)^(1/3)) = round(34.2 / 1.587) = 22; stich: round(sqrt(200 / 4)) = 7.
  CHECK(tau({{"type", "lupa_theory"}}) == 22);
  CHECK(tau({{"type", "stich"}}) == 7);
}

TEST_CASE("coordination: each rule's error names the JSON path") {
  struct Case {
    Json keys;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{{"coordination", fedasync({{"mixing", 0}})}}, "/coordination/mixing: must be number > 0 and <= 1"},
      {{{"coordination", fedasync({{"mixing", 1.5}})}}, "/coordination/mixing: must be number > 0 and <= 1"},
      {{{"coordination", fedasync({{"staleness", "linear"}})}}, "/coordination/staleness: must be one of"},
      {{{"coordination", fedasync({{"staleness", "polynomial"}, {"a", 0}})}}, "/coordination/a: must be number > 0"},
      {{{"coordination", fedasync({{"staleness", "hinge"}, {"b", -1}})}}, "/coordination/b: must be number >= 0"},
      {{{"coordination", fedasync({{"a", 1}})}}, "/coordination/a: \"a\" applies only when staleness is"},
      {{{"coordination", fedasync({{"staleness", "polynomial"}, {"b", 1}})}},
       "/coordination/b: \"b\" applies only when staleness is \"hinge\""},
      {{{"coordination", {{"type", "fedbuff"}}}}, "/coordination: missing required key \"buffer\""},
      {{{"coordination", {{"type", "fedbuff"}, {"buffer", 0}}}}, "/coordination/buffer: must be integer >= 1"},
      {{{"coordination", {{"type", "fedbuff"}, {"buffer", 5}}}}, "/coordination/buffer: must be <= workers (4), got 5"},
      {{{"coordination", {{"type", "fedbuf"}}}}, "/coordination/type: unknown coordination type \"fedbuf\""},
      {{{"coordination", fedasync()}, {"schedule", {{"type", "post_local"}, {"switch_step", 10}, {"period", 5}}}},
       "/schedule/type: must have a constant period with coordination \"fedasync\", got \"post_local\": asynchronous "
       "workers run τ local steps per job; the schedule must have a constant period"},
      {{{"coordination", fedasync()}, {"schedule", {{"type", "explicit"}, {"steps", {5, 50}}}}},
       "/schedule/type: must have a constant period"},
      {{{"coordination", fedasync()}, {"participation", {{"type", "uniform"}, {"clients", 2}}}},
       "/participation/type: with coordination \"fedasync\", must be \"full\" or \"available\""},
      {{{"coordination", fedasync()}, {"participation", {{"type", "deadline"}, {"seconds", 1}}}},
       "/participation/type: with coordination \"fedasync\", must be \"full\" or \"available\""},
      {{{"coordination", fedasync()}, {"participation", {{"type", "available"}, {"probability", 0}}}},
       "/participation/probability: with coordination \"fedasync\", some worker must be available"},
      {{{"coordination", fedasync()}, {"local_work", {{"type", "random"}}}},
       "/local_work/type: with coordination \"fedasync\", must be \"schedule\""},
      {{{"coordination", {{"type", "fedbuff"}, {"buffer", 2}}}, {"correction", {{"type", "scaffold"}}}},
       "/correction/type: with coordination \"fedbuff\", must be \"none\" or \"fedprox\", got \"scaffold\""},
      {{{"coordination", fedasync()}, {"aggregation", {{"type", "shard_size"}}}},
       "/aggregation/type: with coordination \"fedasync\", must be \"uniform\", got \"shard_size\""},
      {{{"coordination", fedasync()}, {"server", {{"type", "sgd"}, {"learning_rate", 0.5}}}},
       "/server/type: with coordination \"fedasync\", must be \"plain\", got \"sgd\""},
      {{{"coordination", fedasync()}, {"trace", {{"every", 10}}}},
       "/trace: is not available with coordination \"fedasync\" (not implemented yet)"},
  };
  for (const Case& c : cases) {
    INFO(c.keys.dump());
    CHECK_THAT(error_of(base_spec(c.keys)), Catch::StartsWith(c.message));
  }
  // In a variant, the path is the variant's.
  Json spec = base_spec();
  spec["variants"] = Json::parse(R"([{"label": "sync"}, {"label": "a", "coordination": {"type": "fedasync"}},
                                     {"label": "b", "coordination": {"type": "fedbuff", "buffer": 9}}])");
  CHECK_THAT(error_of(spec), Catch::StartsWith("/variants/2/coordination/buffer: must be <= workers (4), got 9"));
  // What is allowed: FedBuff with a server step, FedAsync with server sgd at eta_g = 1 (plain),
  // FedProx, available participation.
  for (const Json& keys : {Json{{"coordination", {{"type", "fedbuff"}, {"buffer", 4}}}, {"server", {{"type", "adam"}, {"learning_rate", 0.1}}}},
                           Json{{"coordination", fedasync()}, {"server", {{"type", "sgd"}, {"learning_rate", 1}}}},
                           Json{{"coordination", fedasync()}, {"correction", {{"type", "fedprox"}, {"mu", 0.1}}}},
                           Json{{"coordination", fedasync()}, {"participation", {{"type", "available"}, {"probability", 0.5}}}}}) {
    INFO(keys.dump());
    CHECK(error_of(base_spec(keys)).empty());
  }
}

TEST_CASE("coordination: sweeps reach its parameters and a barrier variant does not take them") {
  Json spec = base_spec();
  spec["variants"] = Json::parse(R"([{"label": "barrier", "coordination": {"type": "barrier"}}, {"label": "fedbuff", "coordination": {"type": "fedbuff", "buffer": 1}}])");
  spec["sweep"] = Json::parse(R"({"coordination.buffer": [1, 2, 4]})");
  const ExperimentSpec parsed = parse_spec(spec, "t");
  REQUIRE(parsed.runs.size() == 4);  // the barrier once, FedBuff for each K
  CHECK(parsed.runs[0].swept.at("coordination.buffer").is_null());
  for (std::size_t i = 1; i < 4; ++i) {
    CHECK(parsed.runs[i].round.coordination_options(parsed.runs[i].context()).buffer ==
          parsed.runs[i].swept.at("coordination.buffer").get<int>());
  }
}

TEST_CASE("coordination: the memory estimate is the asynchronous engine's and FedBuff's buffer counts") {
  const double barrier = parse_spec(base_spec(), "t").runs.at(0).memory_bytes;
  const double k1 = parse_spec(base_spec({{"coordination", {{"type", "fedbuff"}, {"buffer", 1}}}}), "t").runs.at(0).memory_bytes;
  const double k4 = parse_spec(base_spec({{"coordination", {{"type", "fedbuff"}, {"buffer", 4}}}}), "t").runs.at(0).memory_bytes;
  CHECK(k1 != barrier);
  CHECK(k4 > k1);  // three more buffered models
}

TEST_CASE("coordination: the period warning is the barrier's and the default plots add the staleness plot") {
  // τ = 100 is far above T^(2/3)/(pB)^(1/3) = 22: the barrier run is warned, the asynchronous one not.
  const Json period = {{"type", "fixed"}, {"period", 100}};
  const auto has_period_warning = [](const RunSpec& run) {
    for (const auto& w : configuration_warnings(run)) {
      if (w.kind == "period") return true;
    }
    return false;
  };
  CHECK(has_period_warning(parse_spec(base_spec({{"schedule", period}}), "t").runs.at(0)));
  CHECK_FALSE(has_period_warning(parse_spec(base_spec({{"schedule", period}, {"coordination", fedasync()}}), "t").runs.at(0)));

  const ExperimentSpec plain = parse_spec(base_spec(), "t");
  const ExperimentSpec async = parse_spec(base_spec({{"coordination", fedasync()}}), "t");
  REQUIRE(async.plots.size() == plain.plots.size() + 1);
  CHECK(async.plots.back().kind == PlotKind::staleness);
  CHECK(async.plots.back().file_name() == "staleness.png");
  for (const PlotSpec& p : plain.plots) CHECK(p.kind != PlotKind::staleness);
  // Read back from the resolved spec (as `localsgd plot` does).
  const auto again = read_spec_plots(async.resolved);
  REQUIRE(again.size() == async.plots.size());
  CHECK(again.back().kind == PlotKind::staleness);
  CHECK_FALSE(again.back().log_y);
  // Declared: log_y and a facet.
  Json declared = base_spec({{"coordination", fedasync()}});
  declared["plots"] = Json::parse(R"([{"kind": "staleness", "log_y": true, "facet": "variant"}])");
  const ExperimentSpec with_plot = parse_spec(declared, "t");
  REQUIRE(with_plot.plots.size() == 1);
  CHECK(with_plot.plots[0].log_y);
  CHECK(with_plot.plots[0].file_stem() == "staleness_by_variant");
  declared["plots"] = Json::parse(R"([{"kind": "staleness", "x": "step"}])");
  CHECK_THAT(error_of(declared), Catch::StartsWith("/plots/0/x: unknown key"));
}
