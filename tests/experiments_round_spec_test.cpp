// experiments/spec/round_spec.hpp and experiments/catalog/catalog_round.cpp: the round's policies
// in the spec language. Every type reads into the engine's options; every rule's error names its
// JSON path; defaults stay out of a run's configuration (so run keys and outputs of specs without
// the keys do not change); sweeps reach the policies' parameters; the memory estimate counts their
// state; and the warning for periods that cannot matter (experiments/spec/period_independence.hpp).
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "experiments/language/spec_error.hpp"
#include "experiments/spec/period_independence.hpp"
#include "experiments/spec/spec.hpp"
#include "experiments/store/run_store.hpp"
#include "sim/engine.hpp"
#include "support/small_spec.hpp"

using namespace localsgd;
using test::base_spec;
using test::error_of;

namespace {

round::Pipeline pipeline_of(const Json& keys) {
  const ExperimentSpec spec = parse_spec(base_spec(keys), "t");
  return spec.runs.at(0).pipeline();
}

}  // namespace

TEST_CASE("round policies: every type reads into the engine's options") {
  using namespace round;
  const Pipeline none = pipeline_of({});
  CHECK(none.participation.kind == ParticipationKind::full);
  CHECK(none.local_work.kind == LocalWorkKind::schedule);
  CHECK(none.correction.kind == CorrectionKind::none);
  CHECK(none.aggregation == AggregationKind::uniform);
  CHECK(none.server.kind == ServerKind::plain);
  CHECK(none.is_plain_averaging());

  const auto uniform = pipeline_of({{"participation", {{"type", "uniform"}, {"clients", 2}}}}).participation;
  CHECK(uniform.kind == ParticipationKind::uniform);
  CHECK(uniform.clients == 2);
  const auto weighted = pipeline_of({{"participation", {{"type", "weighted"}, {"clients", 3}}}}).participation;
  CHECK(weighted.kind == ParticipationKind::weighted);
  CHECK(weighted.clients == 3);
  const auto one_q = pipeline_of({{"participation", {{"type", "available"}, {"probability", 0.25}}}}).participation;
  CHECK(one_q.kind == ParticipationKind::available);
  CHECK(one_q.probability == std::vector<double>{0.25});
  CHECK(one_q.period_rounds == 0);
  CHECK(one_q.amplitude == 0);
  const auto diurnal = pipeline_of({{"participation",
                                     {{"type", "available"},
                                      {"probability", {0.1, 0.2, 0.3, 1}},
                                      {"period_rounds", 5},
                                      {"amplitude", 0.5}}}})
                           .participation;
  CHECK(diurnal.probability == std::vector<double>{0.1, 0.2, 0.3, 1.0});
  CHECK(diurnal.period_rounds == 5);
  CHECK(diurnal.amplitude == 0.5);
  const auto deadline =
      pipeline_of({{"participation", {{"type", "deadline"}, {"seconds", 0.5}, {"keep_partial", true}}}}).participation;
  CHECK(deadline.kind == ParticipationKind::deadline);
  CHECK(deadline.deadline_seconds == 0.5);
  CHECK(deadline.keep_partial);
  CHECK_FALSE(pipeline_of({{"participation", {{"type", "deadline"}, {"seconds", 1}}}}).participation.keep_partial);

  const auto per_worker = pipeline_of({{"local_work", {{"type", "per_worker"}, {"steps", {1, 2, 5, 10}}}}}).local_work;
  CHECK(per_worker.kind == LocalWorkKind::per_worker);
  CHECK(per_worker.steps == std::vector<long>{1, 2, 5, 10});
  const auto random = pipeline_of({{"local_work", {{"type", "random"}, {"min_steps", 3}}}}).local_work;
  CHECK(random.kind == LocalWorkKind::random);
  CHECK(random.min_steps == 3);
  CHECK(pipeline_of({{"local_work", {{"type", "random"}}}}).local_work.min_steps == 1);
  const auto budget = pipeline_of({{"local_work", {{"type", "time_budget"}, {"seconds", 0.035}}}}).local_work;
  CHECK(budget.kind == LocalWorkKind::time_budget);
  CHECK(budget.seconds == 0.035);

  const auto prox = pipeline_of({{"correction", {{"type", "fedprox"}, {"mu", 0.1}}}}).correction;
  CHECK(prox.kind == CorrectionKind::fedprox);
  CHECK(prox.mu == 0.1);
  CHECK(pipeline_of({{"correction", {{"type", "scaffold"}}}}).correction.kind == CorrectionKind::scaffold);

  CHECK(pipeline_of({{"aggregation", {{"type", "shard_size"}}}}).aggregation == AggregationKind::shard_size);
  CHECK(pipeline_of({{"aggregation", {{"type", "fednova"}}}}).aggregation == AggregationKind::fednova);

  const auto sgd = pipeline_of({{"server", {{"type", "sgd"}, {"learning_rate", 0.5}}}}).server;
  CHECK(sgd.kind == ServerKind::sgd);
  CHECK(sgd.learning_rate == 0.5);
  const auto slowmo = pipeline_of({{"server", {{"type", "momentum"}, {"momentum", 0.6}}}}).server;
  CHECK(slowmo.kind == ServerKind::momentum);
  CHECK(slowmo.learning_rate == 1.0);
  CHECK(slowmo.momentum == 0.6);
  const auto diloco =
      pipeline_of({{"server", {{"type", "nesterov"}, {"learning_rate", 0.7}, {"momentum", 0.9}}}}).server;
  CHECK(diloco.kind == ServerKind::nesterov);
  CHECK(diloco.learning_rate == 0.7);
  CHECK(diloco.momentum == 0.9);
  for (const auto& [name, kind] : std::vector<std::pair<std::string, ServerKind>>{
           {"adam", ServerKind::adam}, {"yogi", ServerKind::yogi}, {"adagrad", ServerKind::adagrad}}) {
    INFO(name);
    const auto fedopt = pipeline_of({{"server", {{"type", name}, {"learning_rate", 0.1}}}}).server;
    CHECK(fedopt.kind == kind);
    CHECK(fedopt.learning_rate == 0.1);
    CHECK(fedopt.beta1 == 0.9);
    CHECK(fedopt.beta2 == 0.99);
    CHECK(fedopt.epsilon == 1e-3);
  }
  const auto adam = pipeline_of(
                        {{"server", {{"type", "adam"}, {"learning_rate", 0.1}, {"beta1", 0}, {"beta2", 0.5}, {"epsilon", 1e-6}}}})
                        .server;
  CHECK(adam.beta1 == 0);
  CHECK(adam.beta2 == 0.5);
  CHECK(adam.epsilon == 1e-6);
}

TEST_CASE("round policies: set at the top level for every variant, or per variant") {
  Json spec = base_spec({{"participation", {{"type", "uniform"}, {"clients", 2}}}});
  spec["variants"] = Json::parse(R"([{"label": "K=2"}, {"label": "all", "participation": {"type": "full"}},
                                     {"label": "scaffold", "correction": {"type": "scaffold"}}])");
  const ExperimentSpec parsed = parse_spec(spec, "t");
  REQUIRE(parsed.runs.size() == 3);
  CHECK(parsed.runs[0].pipeline().participation.clients == 2);
  CHECK(parsed.runs[1].pipeline().participation.kind == round::ParticipationKind::full);
  CHECK(parsed.runs[2].pipeline().participation.clients == 2);
  CHECK(parsed.runs[2].pipeline().correction.kind == round::CorrectionKind::scaffold);
  CHECK(parsed.runs[1].round.is_default());
  CHECK_FALSE(parsed.runs[2].round.is_default());
  // The resolved spec reads back as the same configurations.
  const ExperimentSpec again = parse_spec(parsed.resolved, "t");
  for (std::size_t i = 0; i < 3; ++i) CHECK(again.runs[i].config == parsed.runs[i].config);
}

TEST_CASE("round policies: defaults stay out of the configuration, so run keys do not change") {
  const ExperimentSpec plain = parse_spec(base_spec(), "t");
  const ExperimentSpec spelled_out = parse_spec(base_spec(Json::parse(R"({
    "participation": {"type": "full"}, "local_work": {"type": "schedule"}, "correction": {"type": "none"},
    "aggregation": {"type": "uniform"}, "server": {"type": "plain"}})")),
                                                "t");
  const RunSpec& run = plain.runs.at(0);
  for (const auto& key : round_keys()) CHECK_FALSE(run.config.contains(key));
  CHECK(spelled_out.runs.at(0).config == run.config);
  CHECK(run_key(spelled_out.runs.at(0)) == run_key(run));
  CHECK(spelled_out.resolved == plain.resolved);

  const ExperimentSpec sampled = parse_spec(base_spec({{"participation", {{"type", "uniform"}, {"clients", 2}}}}), "t");
  CHECK(sampled.runs.at(0).config.at("participation") == Json({{"type", "uniform"}, {"clients", 2}}));
  CHECK(run_key(sampled.runs.at(0)) != run_key(run));
  // Declared defaults are filled in.
  const ExperimentSpec adam = parse_spec(base_spec({{"server", {{"type", "adam"}, {"learning_rate", 0.1}}}}), "t");
  CHECK(adam.runs.at(0).config.at("server") ==
        Json({{"type", "adam"}, {"learning_rate", 0.1}, {"beta1", 0.9}, {"beta2", 0.99}, {"epsilon", 1e-3}}));
}

TEST_CASE("round policies: each rule's error names the JSON path") {
  struct Case {
    Json keys;
    std::string message;  // expected in the error, starting with the JSON pointer
  };
  const std::vector<Case> cases = {
      {{{"participation", {{"type", "uniform"}, {"clients", 5}}}}, "/participation/clients: must be <= workers (4), got 5"},
      {{{"participation", {{"type", "weighted"}, {"clients", 0}}}}, "/participation/clients: must be integer >= 1"},
      {{{"participation", {{"type", "uniform"}}}}, "/participation: missing required key \"clients\""},
      {{{"participation", {{"type", "available"}, {"probability", 1.5}}}}, "/participation/probability: must be number >= 0 and <= 1"},
      {{{"participation", {{"type", "available"}, {"probability", {0.5, -0.1, 0.5, 0.5}}}}},
       "/participation/probability/1: must be number >= 0 and <= 1"},
      {{{"participation", {{"type", "available"}, {"probability", {0.5, 0.5}}}}},
       "/participation/probability: must have one value per worker (4), got 2"},
      {{{"participation", {{"type", "available"}, {"probability", "half"}}}},
       "/participation/probability: must be a number or list of numbers"},
      {{{"participation", {{"type", "available"}, {"probability", 0.5}, {"amplitude", 0.2}}}},
       "/participation/amplitude: applies only with period_rounds > 0"},
      {{{"participation", {{"type", "deadline"}, {"seconds", 0}}}}, "/participation/seconds: must be number > 0"},
      {{{"participation", {{"type", "everyone"}}}}, "/participation/type: unknown participation type \"everyone\""},
      {{{"local_work", {{"type", "per_worker"}, {"steps", {1, 2, 3}}}}},
       "/local_work/steps: must have one count per worker (4), got 3"},
      {{{"local_work", {{"type", "per_worker"}, {"steps", {1, 2, 0, 4}}}}}, "/local_work/steps/2: must be integer >= 1"},
      {{{"local_work", {{"type", "random"}, {"min_steps", 0}}}}, "/local_work/min_steps: must be integer >= 1"},
      {{{"local_work", {{"type", "time_budget"}, {"seconds", -1}}}}, "/local_work/seconds: must be number > 0"},
      {{{"correction", {{"type", "fedprox"}, {"mu", -0.5}}}}, "/correction/mu: must be number >= 0"},
      {{{"correction", {{"type", "scaffold"}, {"mu", 1}}}}, "/correction/mu: unknown key \"mu\""},
      {{{"aggregation", {{"type", "fednova"}}}, {"participation", {{"type", "weighted"}, {"clients", 2}}}},
       "/aggregation/type: must be \"uniform\" with participation \"weighted\", got \"fednova\""},
      {{{"server", {{"type", "sgd"}, {"learning_rate", 0}}}}, "/server/learning_rate: must be number > 0"},
      {{{"server", {{"type", "momentum"}, {"momentum", 1}}}}, "/server/momentum: must be number >= 0 and < 1"},
      {{{"server", {{"type", "nesterov"}, {"momentum", -0.1}}}}, "/server/momentum: must be number >= 0 and < 1"},
      {{{"server", {{"type", "adam"}, {"learning_rate", 0.1}, {"beta1", 1}}}}, "/server/beta1: must be number >= 0 and < 1"},
      {{{"server", {{"type", "yogi"}, {"learning_rate", 0.1}, {"beta2", 1}}}}, "/server/beta2: must be number >= 0 and < 1"},
      {{{"server", {{"type", "adam"}, {"learning_rate", 0.1}, {"epsilon", 0}}}}, "/server/epsilon: must be number > 0"},
      {{{"server", {{"type", "adagrad"}, {"learning_rate", 0.1}, {"beta2", 0.9}}}}, "/server/beta2: unknown key \"beta2\""},
  };
  for (const Case& c : cases) {
    INFO(c.keys.dump());
    CHECK_THAT(error_of(base_spec(c.keys)), Catch::StartsWith(c.message));
  }
  // In a variant, the path points into it.
  Json spec = base_spec();
  spec["variants"] = Json::parse(R"([{"label": "a"}, {"label": "b", "participation": {"type": "uniform", "clients": 9}}])");
  CHECK_THAT(error_of(spec), Catch::StartsWith("/variants/1/participation/clients: must be <= workers (4), got 9"));
}

TEST_CASE("round policies: a sweep reaches their parameters") {
  Json spec = base_spec({{"participation", {{"type", "uniform"}, {"clients", 1}}}});
  spec["sweep"] = {{"participation.clients", {1, 2, 4}}};
  const ExperimentSpec parsed = parse_spec(spec, "t");
  REQUIRE(parsed.runs.size() == 3);
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(parsed.runs[i].pipeline().participation.clients == std::vector<int>{1, 2, 4}[i]);
    CHECK(parsed.runs[i].swept.at("participation.clients") == std::vector<int>{1, 2, 4}[i]);
  }
  spec["sweep"] = {{"participation.clients", {2, 5}}};
  CHECK_THAT(error_of(spec), Catch::StartsWith("/sweep/participation.clients/1: must be <= workers (4), got 5"));
}

TEST_CASE("round policies: the memory estimate counts their state") {
  const ExperimentSpec plain = parse_spec(base_spec(), "t");
  const ExperimentSpec scaffold =
      parse_spec(base_spec({{"correction", {{"type", "scaffold"}}}, {"server", {{"type", "adam"}, {"learning_rate", 0.1}}}}),
                 "t");
  EngineShape shape;
  shape.workers = 4;
  shape.dim = 5;
  shape.batch = 1;
  shape.finite_sum = true;
  shape.draws_compute_times = true;
  const double without = Engine::estimate_bytes(shape);
  shape.pipeline = scaffold.runs.at(0).pipeline();
  const double with = Engine::estimate_bytes(shape);
  REQUIRE(with > without);
  CHECK(scaffold.runs.at(0).memory_bytes - plain.runs.at(0).memory_bytes == with - without);
}

TEST_CASE("period independence: warned for a shared-Hessian quadratic with additive noise, not otherwise") {
  const Json quadratic = Json::parse(R"({
    "problem": {"type": "quadratic", "dim": 5, "sigma2": 1},
    "workers": 4, "steps": 200,
    "step_size": {"type": "constant", "value": 0.05},
    "variants": [{"label": "tau=1", "schedule": {"type": "sync"}},
                 {"label": "tau=10", "schedule": {"type": "fixed", "period": 10}}]
  })");
  auto warnings_of = [](const Json& keys) {
    Json spec = Json::parse(R"({
      "problem": {"type": "quadratic", "dim": 5, "sigma2": 1},
      "workers": 4, "steps": 200, "schedule": {"type": "fixed", "period": 10},
      "step_size": {"type": "constant", "value": 0.05}})");
    for (const auto& [key, value] : keys.items()) spec[key] = value;
    return period_independence_warnings(parse_spec(spec, "t"));
  };
  const std::vector<std::string> both = period_independence_warnings(parse_spec(quadratic, "t"));
  REQUIRE(both.size() == 2);
  CHECK_THAT(both[0], Catch::StartsWith("variant \"tau=1\": x̄ does not depend on the period here"));
  CHECK_THAT(both[1], Catch::Contains("set problem.hessian_heterogeneity > 0 to compare periods"));
  CHECK(warnings_of({}).size() == 1);
  CHECK(warnings_of({{"optimizer", {{"type", "momentum"}}}}).size() == 1);
  CHECK(warnings_of({{"optimizer", {{"type", "momentum"}, {"state_at_sync", "keep"}}}}).size() == 1);
  CHECK(warnings_of({{"problem", {{"type", "quadratic"}, {"dim", 5}, {"heterogeneity", 1}}}}).size() == 1);

  CHECK(warnings_of({{"problem", {{"type", "quadratic"}, {"dim", 5}, {"c1", 0.5}}}}).empty());
  CHECK(warnings_of({{"optimizer", {{"type", "adam"}}}}).empty());
  CHECK(warnings_of({{"optimizer", {{"type", "momentum"}, {"state_at_sync", "reset"}}}}).empty());
  CHECK(warnings_of({{"participation", {{"type", "uniform"}, {"clients", 2}}}}).empty());
  CHECK(warnings_of({{"correction", {{"type", "scaffold"}}}}).empty());
  CHECK(warnings_of({{"server", {{"type", "momentum"}, {"momentum", 0.5}}}}).empty());
  CHECK(warnings_of({{"problem", {{"type", "least_squares"}, {"samples", 400}, {"dim", 5}}}}).empty());

  // hessian_heterogeneity > 0 (read from the resolved problem parameters; missing counts as 0).
  ExperimentSpec parsed = parse_spec(quadratic, "t");
  RunSpec run = parsed.runs.at(0);
  CHECK(period_independence_warning(run).has_value());
  Json params = run.problem.params.json();
  params["hessian_heterogeneity"] = 0.0;
  run.problem.params = Params(params);
  CHECK(period_independence_warning(run).has_value());
  params["hessian_heterogeneity"] = 0.5;
  run.problem.params = Params(params);
  CHECK_FALSE(period_independence_warning(run).has_value());

  // A sweep that warns at some points only says how many.
  Json swept = quadratic;
  swept.erase("variants");
  swept["schedule"] = {{"type", "fixed"}, {"period", 10}};
  swept["sweep"] = {{"problem.c1", {0, 0.5}}};
  const auto some = period_independence_warnings(parse_spec(swept, "t"));
  REQUIRE(some.size() == 1);
  CHECK_THAT(some[0], Catch::StartsWith("variant \"fixed\" (at 1 of its 2 sweep points): x̄ does not depend"));
}
