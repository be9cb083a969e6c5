// algorithms/round/pipeline_rules.hpp: each rule refuses what it must, naming the spec key, and
// the engine refuses the same pipelines.
#include "algorithms/round/pipeline_rules.hpp"

#include <catch2/catch.hpp>

#include "algorithms/optimizers/momentum.hpp"
#include "support/fixtures.hpp"

using namespace localsgd;
using namespace localsgd::round;

namespace {

std::string broken_key(const Pipeline& pipeline, bool optimizer_has_state = false) {
  try {
    check_pipeline(pipeline, 4, optimizer_has_state);
  } catch (const PipelineRuleError& e) {
    return e.key();
  }
  return "";
}

}  // namespace

TEST_CASE("pipeline rules: every rule names its key; defaults and sound combinations pass") {
  CHECK(broken_key({}).empty());
  CHECK(broken_key({}, true).empty());
  Pipeline p;
  p.participation = {.kind = ParticipationKind::uniform, .clients = 5};
  CHECK(broken_key(p) == "participation.clients");
  p.participation.clients = 0;
  CHECK(broken_key(p) == "participation.clients");
  p.participation = {.kind = ParticipationKind::available, .probability = {0.5, 0.5}};
  CHECK(broken_key(p) == "participation.probability");
  p.participation = {.kind = ParticipationKind::available, .probability = {1.5}};
  CHECK(broken_key(p) == "participation.probability");
  p.participation = {.kind = ParticipationKind::deadline};
  CHECK(broken_key(p) == "participation.seconds");
  p = {};
  p.local_work = {.kind = LocalWorkKind::per_worker, .steps = {1, 2, 3}};
  CHECK(broken_key(p) == "local_work.steps");
  p.local_work.steps = {1, 2, 3, 0};
  CHECK(broken_key(p) == "local_work.steps");
  p.local_work = {.kind = LocalWorkKind::time_budget};
  CHECK(broken_key(p) == "local_work.seconds");
  p = {};
  p.participation = {.kind = ParticipationKind::weighted, .clients = 2};
  CHECK(broken_key(p).empty());
  p.aggregation = AggregationKind::shard_size;
  CHECK(broken_key(p) == "aggregation");
  p = {};
  p.aggregation = AggregationKind::fednova;
  CHECK(broken_key(p).empty());
  CHECK(broken_key(p, true) == "aggregation");  // FedNova's a_i = τ_i is plain SGD's
  p.correction.kind = CorrectionKind::fedprox;
  CHECK(broken_key(p) == "aggregation");
  p = {};
  p.correction.kind = CorrectionKind::scaffold;
  CHECK(broken_key(p).empty());
  CHECK(broken_key(p, true) == "correction");
  p.aggregation = AggregationKind::shard_size;
  CHECK(broken_key(p).empty());
}

TEST_CASE("pipeline rules: the engine refuses what the rules refuse") {
  const auto problem = test::make_least_squares(200, 5, 4);
  FixedPeriod schedule(5);
  const ConstantStepSize eta(0.01);
  const Momentum momentum(0.9, StateAtSync::average);
  const ConstantCompute compute(1);
  const ConstantNetwork network(0);
  Pipeline p;
  p.correction.kind = CorrectionKind::scaffold;
  CHECK_THROWS_AS(Engine(*problem, EngineConfig{4, 10, 1, 0}, Algorithm{schedule, eta, momentum, p},
                         ClockModels{compute, network}),
                  PipelineRuleError);
}
