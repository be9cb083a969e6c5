#include "experiments/spec/target_spec.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace localsgd {

namespace {

const std::vector<std::string> kMetrics = {"loss", "gap", "grad_norm_sq"};
const std::vector<std::string> kChecks = {"syncs", "syncs_and_evaluations"};

template <class Enum>
Enum from_name(const std::vector<std::string>& names, const std::string& name) {
  return static_cast<Enum>(std::find(names.begin(), names.end(), name) - names.begin());
}

}  // namespace

std::string metric_name(TargetMetric metric) { return kMetrics.at(static_cast<std::size_t>(metric)); }
std::string check_name(TargetCheck check) { return kChecks.at(static_cast<std::size_t>(check)); }
std::string describe_target(const Target& t) { return fmt::format("{} <= {}", metric_name(t.metric), t.value); }

const std::vector<ParamSpec>& target_params() {
  static const std::vector<ParamSpec> specs = {
      ParamSpec::text("metric", "the metric that must reach the value").one_of(kMetrics),
      ParamSpec::number("value", "the target holds when metric <= value"),
      ParamSpec::text("check", "syncs: models every worker holds; also evaluations: the virtual average between syncs")
          .one_of(kChecks)
          .defaults_to("syncs"),
  };
  return specs;
}

std::vector<Target> read_targets(const Json& run, const Location& root) {
  if (!run.contains("targets")) return {};
  const Json& node = run.at("targets");
  const Location where = root.child("targets");
  if (!node.is_array()) {
    where.fail("must be a list of targets ({\"metric\": \"gap\", \"value\": 0.001}), got " + describe_value(node));
  }
  std::vector<Target> targets;
  for (std::size_t i = 0; i < node.size(); ++i) {
    const Params p = read_params(node[i], where.child(i), target_params(), {}, "a target");
    const Target target{from_name<TargetMetric>(kMetrics, p.text("metric")), p.number("value"),
                        from_name<TargetCheck>(kChecks, p.text("check"))};
    if (std::find(targets.begin(), targets.end(), target) != targets.end()) {
      where.child(i).fail(fmt::format("duplicate target {}", describe_target(target)));
    }
    targets.push_back(target);
  }
  return targets;
}

Json targets_json(std::span<const Target> targets) {
  Json out = Json::array();
  for (const Target& t : targets) {
    out.push_back({{"metric", metric_name(t.metric)}, {"value", t.value}, {"check", check_name(t.check)}});
  }
  return out;
}

}  // namespace localsgd
