#include "experiments/spec/target_spec.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace localsgd {

std::string metric_name(TargetMetric metric) { return kTargetMetricNames.name(metric); }
std::string check_name(TargetCheck check) { return kTargetCheckNames.name(check); }
std::string describe_target(const Target& t) { return fmt::format("{} <= {}", metric_name(t.metric), t.value); }

const std::vector<ParamSpec>& target_params() {
  static const std::vector<ParamSpec> specs = {
      ParamSpec::text("metric", "the metric that must reach the value").one_of(kTargetMetricNames.list()),
      ParamSpec::number("value", "the target holds when metric <= value"),
      ParamSpec::text("check", "syncs: models every worker holds; also evaluations: the virtual average between syncs")
          .one_of(kTargetCheckNames.list())
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
    // one_of has checked both names
    const Target target{*kTargetMetricNames.parse(p.text("metric")), p.number("value"),
                        *kTargetCheckNames.parse(p.text("check"))};
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
