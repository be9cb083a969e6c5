// experiments/catalog_*.cpp: every registered type validates with its example (or its required
// parameters), fills its defaults into the resolved spec, and is listed by `localsgd list`.
#include "experiments/catalog/catalog.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "experiments/spec/spec.hpp"
#include "support/cli.hpp"

using namespace localsgd;

namespace {

Json base_spec() {
  return Json::parse(R"({
    "problem": {"type": "least_squares", "samples": 200, "dim": 3},
    "workers": 2, "steps": 100, "batch": 2,
    "step_size": {"type": "constant", "value": 0.01},
    "schedule": {"type": "fixed", "period": 5}
  })");
}

// A valid value for a required parameter: the smallest allowed one (1 when unconstrained).
Json sample_value(const ParamSpec& p) {
  double low = p.minimum ? (p.minimum_exclusive ? *p.minimum + 1 : *p.minimum) : 1.0;
  if (p.maximum) low = std::min(low, *p.maximum);
  switch (p.kind) {
    case ParamKind::integer: return static_cast<std::int64_t>(std::ceil(low));
    case ParamKind::number: return low;
    case ParamKind::integer_list: return Json::array({static_cast<std::int64_t>(std::ceil(low))});
    case ParamKind::number_list: return Json::array({low});
    case ParamKind::number_or_list: return low;
    case ParamKind::boolean: return false;
    case ParamKind::text: return p.choices.empty() ? Json("x") : Json(p.choices.front());
  }
  return nullptr;
}

template <class Product>
Json example_of(const TypeEntry<Product>& entry) {
  if (!entry.example.is_null()) return entry.example;
  Json object = {{"type", entry.name}};
  for (const auto& p : entry.params) {
    // Conditional parameters apply only when another one has a given value: not by default.
    if (p.fallback.is_null() && !p.is_optional && !p.condition) object[p.name] = sample_value(p);
  }
  return object;
}

template <class Product>
void check_registry(const Registry<Product>& registry, const std::vector<std::string>& path) {
  for (const auto& entry : registry.entries()) {
    INFO(registry.family() << " " << entry.name);
    Json spec = base_spec();
    Json* node = &spec;
    for (std::size_t k = 0; k + 1 < path.size(); ++k) node = &(*node)[path[k]];
    (*node)[path.back()] = example_of(entry);
    const ExperimentSpec parsed = parse_spec(spec, "t");
    Json resolved = parsed.runs.at(0).config;
    for (const auto& key : path) resolved = resolved.at(key);
    CHECK(resolved.at("type") == entry.name);
    for (const auto& p : entry.params) {
      if (!p.is_optional && !p.condition) CHECK(resolved.contains(p.name));  // defaults are filled in
    }
    // The resolved spec is itself valid and resolves to the same configuration.
    CHECK(parse_spec(parsed.resolved, "t").runs.at(0).config == parsed.runs.at(0).config);
    // Built for a real run, the type works.
    const RunSpec& run = parsed.runs[0];
    const BuildContext context = run.context();
    const auto problem = run.build_problem();
    const auto schedule = run.schedule.build(context);
    const Json& object = (*node)[path.back()];
    if constexpr (std::is_same_v<Product, Problem>) {
      MemoryBudget budget(std::nullopt, 1);
      const auto read = registry.read(object, Location{"", nullptr}, context, {*run.problems, budget});
      CHECK(read.build(context, {*run.problems}) != nullptr);
    } else if constexpr (std::is_same_v<Product, StepSize>) {
      CHECK(registry.read(object, Location{"", nullptr}, context, {*schedule}).build(context, {*schedule, *problem}) !=
            nullptr);
    } else {
      CHECK(registry.read(object, Location{"", nullptr}, context).build(context) != nullptr);
    }
  }
}

// A round policy (experiments/spec/round_spec.hpp) at run-level key `key`: its family's default
// type stays out of the configuration (run keys do not change), any other is resolved into it.
template <class Product>
void check_round_registry(const Registry<Product>& registry, const std::string& key, const std::string& default_type) {
  for (const auto& entry : registry.entries()) {
    INFO(registry.family() << " " << entry.name);
    Json spec = base_spec();
    spec[key] = example_of(entry);
    const ExperimentSpec parsed = parse_spec(spec, "t");
    const Json& config = parsed.runs.at(0).config;
    if (entry.name == default_type) {
      CHECK_FALSE(config.contains(key));
      CHECK(parsed.runs.at(0).round.is_default());
    } else {
      REQUIRE(config.contains(key));
      CHECK(config.at(key).at("type") == entry.name);
      for (const auto& p : entry.params) {
        if (!p.is_optional && !p.condition) CHECK(config.at(key).contains(p.name));
      }
    }
    CHECK(parse_spec(parsed.resolved, "t").runs.at(0).config == config);
    const BuildContext context = parsed.runs.at(0).context();
    CHECK(registry.read(spec.at(key), Location{"", nullptr}, context).build(context) != nullptr);
  }
}

}  // namespace

TEST_CASE("every round policy type validates, resolves its defaults and builds") {
  check_round_registry(participation_registry(), "participation", "full");
  check_round_registry(local_work_registry(), "local_work", "schedule");
  check_round_registry(correction_registry(), "correction", "none");
  check_round_registry(aggregation_registry(), "aggregation", "uniform");
  check_round_registry(server_registry(), "server", "plain");
  // No compression type is the default: a spec without the key averages exactly, and every type
  // (identity too) sends messages whose bytes are counted, so each stays in the configuration.
  check_round_registry(compression_registry(), "compression", "");
}

TEST_CASE("every registered type validates, resolves its defaults and builds") {
  check_registry(problem_registry(), {"problem"});
  check_registry(schedule_registry(), {"schedule"});
  check_registry(step_size_registry(), {"step_size"});
  check_registry(optimizer_registry(), {"optimizer"});
  check_registry(compute_registry(), {"clock", "compute"});
  check_registry(slowdown_registry(), {"clock", "slowdown"});
  check_registry(network_registry(), {"clock", "network"});
}

TEST_CASE("every expectation type validates with its example and reads back from the resolved spec") {
  for (const auto& entry : expectation_registry().entries()) {
    INFO(entry.name);
    Json check = example_of(entry);
    Json spec = base_spec();
    // Variants named by the example (or two generic ones).
    std::vector<std::string> labels = {"A", "B"};
    for (const char* key : {"variant", "baseline"}) {
      if (check.contains(key) && !check.at(key).get<std::string>().empty()) labels.push_back(check.at(key));
    }
    spec["variants"] = Json::array();
    for (const auto& label : labels) spec["variants"].push_back({{"label", label}});
    spec["expect"] = Json::array({check});
    const ExperimentSpec parsed = parse_spec(spec, "t");
    REQUIRE(parsed.expectations.size() == 1);
    CHECK(parsed.expectations[0].type() == entry.name);
    CHECK(parse_spec(parsed.resolved, "t").resolved == parsed.resolved);
  }
}

namespace {

// `localsgd list` read back: family -> type -> its parameter names, in the order listed. A family
// line starts at column 0, a type line with two spaces, a parameter line with six.
using Listing = std::map<std::string, std::map<std::string, std::vector<std::string>>>;

std::string first_word(const std::string& line) {
  const auto begin = line.find_first_not_of(' ');
  return line.substr(begin, line.find(' ', begin) - begin);
}

Listing read_listing(const std::string& text) {
  Listing listing;
  std::string family, type;
  for (const std::string& line : test::lines(text)) {
    if (line.empty()) continue;
    if (line.rfind("      ", 0) == 0) {
      if (!type.empty()) listing[family][type].push_back(first_word(line));
    } else if (line.rfind("  ", 0) == 0) {
      type = first_word(line);
      listing[family][type];  // a type without parameters is listed too
    } else {
      family = line.substr(0, line.find(" ("));
      type.clear();
    }
  }
  return listing;
}

}  // namespace

TEST_CASE("localsgd list shows every registered type with exactly its own parameters") {
  test::ScratchDir dir;
  const auto listed = test::run_cli(dir, "list");
  REQUIRE(listed.exit_code == 0);
  const Listing listing = read_listing(listed.out);
  auto check = [&](const auto& registry) {
    INFO(registry.family());
    REQUIRE(listing.count(registry.family()) == 1);
    const auto& types = listing.at(registry.family());
    CHECK(types.size() == registry.entries().size());
    for (const auto& entry : registry.entries()) {
      INFO(entry.name);
      REQUIRE(types.count(entry.name) == 1);
      std::vector<std::string> declared;
      for (const auto& p : entry.params) declared.push_back(p.name);
      CHECK(types.at(entry.name) == declared);
    }
  };
  check(problem_registry());
  check(schedule_registry());
  check(step_size_registry());
  check(optimizer_registry());
  check(participation_registry());
  check(local_work_registry());
  check(correction_registry());
  check(aggregation_registry());
  check(server_registry());
  check(compression_registry());
  check(gossip_registry());
  check(compute_registry());
  check(slowdown_registry());
  check(network_registry());
  check(expectation_registry());
}

TEST_CASE("localsgd explain: theory periods, planned syncs and constants, as stable JSON") {
  test::ScratchDir dir;
  test::write_file(dir / "paper.json", R"({
    "name": "paper",
    "problem": {"type": "least_squares", "samples": 1000, "dim": 4},
    "workers": 5, "steps": 5469, "batch": 128,
    "step_size": {"type": "constant", "value": 0.01},
    "variants": [
      {"label": "ada", "schedule": {"type": "ada_lupa_linear", "tau0": 91, "rounds": 10}},
      {"label": "loss", "schedule": {"type": "ada_lupa_loss", "tau0": 91}}
    ],
    "seeds": 2
  })");
  const auto result = test::run_cli(dir, "explain paper.json --json");
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  const Json e = Json::parse(result.out);
  CHECK(e.at("runs") == 4);
  REQUIRE(e.at("configurations").size() == 2);
  const Json& ada = e.at("configurations")[0];
  CHECK(ada.at("runs") == Json::array({0, 1}));
  CHECK(ada.at("schedule").at("sync_steps") ==
        Json::array({191, 481, 871, 1360, 1949, 2637, 3425, 4312, 5298, 5469}));
  CHECK(ada.at("schedule").at("rounds") == 10);
  // round(5469^(2/3) / 640^(1/3)) = round(36.06) and round(sqrt(5469/640)) = round(2.92)
  CHECK(ada.at("theory").at("lupa_period") == 36);
  CHECK(ada.at("theory").at("stich_period") == 3);
  CHECK(ada.at("problem").at("L").get<double>() >= ada.at("problem").at("mu").get<double>());
  const Json& loss = e.at("configurations")[1];
  CHECK(loss.at("schedule").at("adapts_to_run") == true);
  CHECK(loss.at("schedule").at("sync_steps").is_null());
  const auto text = test::run_cli(dir, "explain paper.json");
  CHECK_THAT(text.out, Catch::Contains("syncs at 191, 481, 871"));
  CHECK_THAT(text.out, Catch::Contains("adapts to the run"));
  CHECK_FALSE(std::filesystem::exists(dir / "out"));
}
