// The warnings of `validate` and `explain` (experiments/spec/spec_warnings.hpp): each fires on one
// side of its threshold and not on the other.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "algorithms/theory.hpp"
#include "experiments/spec/spec_warnings.hpp"

using namespace localsgd;

namespace {

// A quadratic with L = 2 (eigenvalues from 0.1 to 2), sync, constant step size `eta`.
Json quadratic(double eta) {
  return {{"name", "w"},
          {"problem", {{"type", "quadratic"}, {"dim", 4}, {"L", 2.0}, {"hessian_heterogeneity", 0.5}}},
          {"workers", 4},
          {"steps", 1000},
          {"batch", 8},
          {"schedule", {{"type", "sync"}}},
          {"step_size", {{"type", "constant"}, {"value", eta}}}};
}

std::vector<std::string> kinds(const Json& spec) {
  const ExperimentSpec parsed = parse_spec(spec, "w");
  std::vector<std::string> out;
  for (const auto& warning : configuration_warnings(parsed.runs.at(0))) out.push_back(warning.kind);
  return out;
}

bool has(const std::vector<std::string>& kinds, const std::string& kind) {
  return std::find(kinds.begin(), kinds.end(), kind) != kinds.end();
}

}  // namespace

TEST_CASE("the step-size warning fires above 2/L for SGD and above 2(1 + beta)/L for heavy ball") {
  CHECK_FALSE(has(kinds(quadratic(0.99)), "step_size"));  // 2/L = 1
  CHECK(has(kinds(quadratic(1.01)), "step_size"));
  Json warm = quadratic(0.5);
  warm["step_size"] = {{"type", "inverse_time"}, {"eta0", 1.2}, {"t0", 10}};  // only η_0 is above
  CHECK(has(kinds(warm), "step_size"));
  Json heavy = quadratic(1.5);
  heavy["optimizer"] = {{"type", "momentum"}, {"beta", 0.9}};  // limit 2 · 1.9 / 2 = 1.9
  CHECK_FALSE(has(kinds(heavy), "step_size"));
  heavy["step_size"]["value"] = 1.95;
  CHECK(has(kinds(heavy), "step_size"));
  Json decayed = quadratic(0.6);
  decayed["optimizer"] = {{"type", "sgd"}, {"weight_decay", 1.0}};  // smoothness L + λ = 3: limit 2/3
  CHECK_FALSE(has(kinds(decayed), "step_size"));
  decayed["step_size"]["value"] = 0.7;
  CHECK(has(kinds(decayed), "step_size"));
  const ExperimentSpec parsed = parse_spec(quadratic(1.01), "w");
  CHECK_THAT(configuration_warnings(parsed.runs.at(0)).at(0).text, Catch::Contains("η = 1.01, above 2/L = 1"));
}

TEST_CASE("the period warning fires for a constant period above T^(2/3)/(pB)^(1/3), not for one-shot") {
  const long threshold = lupa_theory_period(1000, 4, 8);  // 1000^(2/3) / 32^(1/3) = 31.5 -> 31 or 32
  Json at = quadratic(0.1);
  at["schedule"] = {{"type", "fixed"}, {"period", threshold}};
  CHECK_FALSE(has(kinds(at), "period"));
  at["schedule"]["period"] = threshold + 1;
  CHECK(has(kinds(at), "period"));
  at["schedule"] = {{"type", "one_shot"}};
  CHECK_FALSE(has(kinds(at), "period"));
}

TEST_CASE("the shard warning fires for shards more than 10% apart averaged without weights") {
  Json spec = {{"name", "w"},
               {"problem", {{"type", "logistic"}, {"samples", 600}, {"dim", 5}, {"partition", "dirichlet"}, {"alpha", 0.3}}},
               {"workers", 4},
               {"steps", 100},
               {"schedule", {{"type", "fixed"}, {"period", 5}}},
               {"step_size", {{"type", "constant"}, {"value", 0.1}}}};
  CHECK(has(kinds(spec), "shards"));
  spec["aggregation"] = {{"type", "shard_size"}};
  CHECK_FALSE(has(kinds(spec), "shards"));
  spec.erase("aggregation");
  spec["problem"]["partition"] = "iid";
  spec["problem"].erase("alpha");
  spec["problem"]["samples"] = 603;  // 150 or 151 rows: a remainder is not worth a warning
  CHECK_FALSE(has(kinds(spec), "shards"));
}

TEST_CASE("spec warnings name the variant and count its sweep points") {
  Json spec = quadratic(0.1);
  spec["variants"] = {{{"label", "tau"}, {"schedule", {{"type", "fixed"}, {"period", 2}}}}};
  spec["sweep"] = {{"schedule.period", {2, 100, 200}}};
  const auto warnings = spec_warnings(parse_spec(spec, "w"));
  REQUIRE(warnings.size() == 1);
  CHECK_THAT(warnings[0], Catch::StartsWith("variant \"tau\" (at 2 of its 3 sweep points): the period reaches τ = 200"));
}
