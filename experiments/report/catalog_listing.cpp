#include "experiments/report/catalog_listing.hpp"

#include <fmt/format.h>

#include "experiments/catalog/catalog.hpp"
#include "experiments/spec/expectation_spec.hpp"
#include "experiments/spec/target_spec.hpp"

namespace localsgd {

namespace {

using Json = nlohmann::json;

Json param_json(const ParamSpec& p) {
  return {{"name", p.name},
          {"rule", p.describe_rule()},
          {"default", p.fallback},
          {"optional", p.is_optional},
          {"condition", p.condition ? p.describe_condition() : std::string()},
          {"help", p.help}};
}

template <class Product>
Json registry_json(const Registry<Product>& registry, const std::string& key) {
  Json types = Json::array();
  for (const auto& entry : registry.entries()) {
    Json params = Json::array();
    for (const auto& p : entry.params) params.push_back(param_json(p));
    types.push_back({{"name", entry.name}, {"help", entry.help}, {"params", std::move(params)}});
  }
  return {{"key", key}, {"family", registry.family()}, {"help", registry.help()}, {"types", std::move(types)}};
}

std::string param_line(const Json& p) {
  const Json& fallback = p.at("default");
  const std::string shown_default = fallback.is_null() ? (p.at("optional").get<bool>() ? "optional" : "required")
                                                       : "default " + fallback.dump();
  const std::string condition = p.at("condition").get<std::string>();
  return fmt::format("      {:<16} {} ({}{}): {}\n", p.at("name").get<std::string>(), p.at("rule").get<std::string>(),
                     shown_default, condition.empty() ? "" : "; " + condition, p.at("help").get<std::string>());
}

}  // namespace

Json catalog_listing() {
  Json registries = Json::array();
  registries.push_back(registry_json(problem_registry(), "problem.type"));
  registries.push_back(registry_json(schedule_registry(), "schedule.type"));
  registries.push_back(registry_json(step_size_registry(), "step_size.type"));
  registries.push_back(registry_json(optimizer_registry(), "optimizer.type"));
  registries.push_back(registry_json(participation_registry(), "participation.type"));
  registries.push_back(registry_json(local_work_registry(), "local_work.type"));
  registries.push_back(registry_json(correction_registry(), "correction.type"));
  registries.push_back(registry_json(aggregation_registry(), "aggregation.type"));
  registries.push_back(registry_json(server_registry(), "server.type"));
  registries.push_back(registry_json(coordination_registry(), "coordination.type"));
  registries.push_back(registry_json(compression_registry(), "compression.type"));
  registries.push_back(registry_json(gossip_registry(), "gossip.type"));
  registries.push_back(registry_json(compute_registry(), "clock.compute.type"));
  registries.push_back(registry_json(slowdown_registry(), "clock.slowdown.type"));
  registries.push_back(registry_json(network_registry(), "clock.network.type"));
  registries.push_back(registry_json(expectation_registry(), "expect[].type"));
  Json targets = Json::array();
  for (const auto& p : target_params()) targets.push_back(param_json(p));
  return {{"registries", std::move(registries)}, {"targets", std::move(targets)}};
}

std::string catalog_text(const Json& listing) {
  std::string out;
  for (const Json& registry : listing.at("registries")) {
    out += fmt::format("{} ({}): {}\n", registry.at("family").get<std::string>(), registry.at("key").get<std::string>(),
                       registry.at("help").get<std::string>());
    for (const Json& type : registry.at("types")) {
      out += fmt::format("  {:<16} {}\n", type.at("name").get<std::string>(), type.at("help").get<std::string>());
      for (const Json& p : type.at("params")) out += param_line(p);
    }
    out += "\n";
  }
  out += "targets (a run-level list; time to reach each goes to summary.json and time_to_target.csv)\n";
  for (const Json& p : listing.at("targets")) out += param_line(p);
  return out;
}

}  // namespace localsgd
