// experiments/run/runner.hpp with every clock model of experiments/catalog/catalog_clock.cpp: a clock model
// changes the `time` column and nothing else (docs/design.md §5: compute-time draws have their own
// streams). The cases come from the registries, so a model added later is covered too.
#include <catch2/catch.hpp>
#include <list>

#include "experiments/catalog/catalog.hpp"
#include "experiments/run/runner.hpp"
#include "experiments/spec/spec.hpp"

using namespace localsgd;

namespace {

Json base_spec() {
  return Json::parse(R"({
    "problem": {"type": "least_squares", "samples": 300, "dim": 4, "noise": 0.3},
    "workers": 3,
    "steps": 120,
    "batch": 2,
    "step_size": {"type": "constant", "value": 0.05},
    "schedule": {"type": "fixed", "period": 7},
    "clock": {"compute": {"type": "constant", "seconds": 1.0}, "slowdown": {"type": "none"},
              "network": {"type": "constant", "seconds": 0.0}},
    "eval": {"every": 1}
  })");
}

// Parameters for types that have required ones; every other type runs with its defaults.
Json configured(const std::string& family, const std::string& type) {
  Json node = {{"type", type}};
  if (family == "slowdown" && type == "list") node["factors"] = {1.0, 3.0, 0.5};
  if (family == "network" && type == "constant") node["seconds"] = 0.5;
  if (family == "compute") node["per_sample"] = 1e-4;
  return node;
}

RunOutcome run_with_clock(const std::string& family, const Json& model) {
  Json spec = base_spec();
  if (!family.empty()) spec["clock"][family] = model;
  static std::list<ExperimentSpec> keep_alive;  // RunOutcome points into its spec
  keep_alive.push_back(parse_spec(spec, "clock"));
  return execute_run(keep_alive.back().runs.at(0));
}

template <class Product>
std::vector<std::pair<std::string, Json>> cases_of(const Registry<Product>& registry) {
  std::vector<std::pair<std::string, Json>> out;
  for (const auto& entry : registry.entries()) out.emplace_back(registry.family(), configured(registry.family(), entry.name));
  return out;
}

}  // namespace

TEST_CASE("every compute, slowdown and network model leaves the trajectory bit-identical; only time changes") {
  const RunOutcome reference = run_with_clock("", Json());
  REQUIRE(reference.rows.size() == 121);

  std::vector<std::pair<std::string, Json>> cases = cases_of(compute_registry());
  for (auto& c : cases_of(slowdown_registry())) cases.push_back(c);
  for (auto& c : cases_of(network_registry())) cases.push_back(c);
  REQUIRE(cases.size() >= 6 + 5 + 5);

  for (const auto& [family, model] : cases) {
    INFO(family << " " << model.dump());
    const RunOutcome other = run_with_clock(family, model);
    REQUIRE(other.rows.size() == reference.rows.size());
    bool same_trajectory = true, same_times = true;
    for (std::size_t i = 0; i < reference.rows.size(); ++i) {
      const Evaluation& a = reference.rows[i];
      const Evaluation& b = other.rows[i];
      same_trajectory &= a.step == b.step && a.round == b.round && a.samples == b.samples && a.loss == b.loss &&
                         a.gap == b.gap && a.grad_norm_sq == b.grad_norm_sq && a.consensus == b.consensus;
      same_times &= a.time == b.time;
    }
    CHECK(same_trajectory);
    CHECK((other.report.final_model.array() == reference.report.final_model.array()).all());
    // "none" with the reference compute is the reference clock itself.
    if (model.at("type") != "none") CHECK_FALSE(same_times);
  }
}

TEST_CASE("the same clock with the same seed gives the same times; another seed other random times") {
  const Json model = {{"type", "pareto"}, {"minimum", 0.01}, {"shape", 2.0}};
  const RunOutcome a = run_with_clock("compute", model);
  const RunOutcome b = run_with_clock("compute", model);
  CHECK(a.report.virtual_time == b.report.virtual_time);
  CHECK(a.report.idle_seconds == b.report.idle_seconds);
  Json spec = base_spec();
  spec["clock"]["compute"] = model;
  spec["seeds"] = Json::array({1});
  const ExperimentSpec other_seed = parse_spec(spec, "clock");
  CHECK(execute_run(other_seed.runs[0]).report.virtual_time != a.report.virtual_time);
}

TEST_CASE("the runner composes per_sample and slowdown: slowdown_i (seconds + per_sample B)") {
  Json spec = base_spec();
  spec["clock"]["compute"] = {{"type", "constant"}, {"seconds", 0.25}, {"per_sample", 0.0625}};  // + 2 x 1/16
  spec["clock"]["slowdown"] = {{"type", "one_slow"}, {"worker", 2}, {"factor", 4.0}};
  const ExperimentSpec parsed = parse_spec(spec, "clock");
  const RunOutcome o = execute_run(parsed.runs[0]);
  CHECK(o.slowdown == std::vector<double>{1, 1, 4});
  CHECK(o.report.busy_seconds == std::vector<double>{120 * 0.375, 120 * 0.375, 120 * 1.5});
  // 18 rounds (7, 14, ..., 119, 120); the slow worker's compute sets the clock.
  CHECK(o.report.rounds == 18);
  CHECK(o.report.virtual_time == 120 * 1.5);
  // Idle per fast worker: 17 full rounds of 7 steps and one of 1 step, each step 1.5 - 0.375.
  CHECK(o.report.idle_seconds == std::vector<double>{120 * 1.125, 120 * 1.125, 0.0});
}
