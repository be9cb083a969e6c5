#include "experiments/spec/round_spec.hpp"

#include <fmt/format.h>

#include <stdexcept>

#include "algorithms/round/participation.hpp"
#include "algorithms/round/pipeline_rules.hpp"
#include "algorithms/round/server_step.hpp"

namespace localsgd {

namespace {

// Each family's default type: the round of LUPA-SGD.
constexpr const char* kDefaultParticipation = "full";
constexpr const char* kDefaultLocalWork = "schedule";
constexpr const char* kDefaultCorrection = "none";
constexpr const char* kDefaultAggregation = "uniform";
constexpr const char* kDefaultServer = "plain";

template <class Product>
Configured<Product> read_policy(const Registry<Product>& registry, const Json& run, const Location& root,
                                const std::string& key, const char* default_type, const BuildContext& context) {
  const Json fallback = {{"type", default_type}};
  return registry.read(run.contains(key) ? run.at(key) : fallback, root.child(key), context);
}

// A policy not read (a RunSpec built in code, without a spec) is its family's default.
template <class Product>
bool is_default_type(const Configured<Product>& policy, const char* default_type) {
  return policy.entry == nullptr || policy.type() == default_type;
}

template <class Product>
void add_if_chosen(Json& config, const std::string& key, const Configured<Product>& policy, const char* default_type) {
  if (!is_default_type(policy, default_type)) config[key] = policy.resolved();
}

}  // namespace

round::Pipeline RoundSpec::pipeline(const BuildContext& context) const {
  round::Pipeline out;  // the defaults, for policies not read
  if (participation.entry) out.participation = *participation.build(context);
  if (local_work.entry) out.local_work = *local_work.build(context);
  if (correction.entry) out.correction = *correction.build(context);
  if (aggregation.entry) out.aggregation = *aggregation.build(context);
  if (server.entry) out.server = *server.build(context);
  return out;
}

bool RoundSpec::is_default() const {
  return is_default_type(participation, kDefaultParticipation) && is_default_type(local_work, kDefaultLocalWork) &&
         is_default_type(correction, kDefaultCorrection) && is_default_type(aggregation, kDefaultAggregation) &&
         is_default_type(server, kDefaultServer);
}

void RoundSpec::add_to_config(Json& config) const {
  add_if_chosen(config, "participation", participation, kDefaultParticipation);
  add_if_chosen(config, "local_work", local_work, kDefaultLocalWork);
  add_if_chosen(config, "correction", correction, kDefaultCorrection);
  add_if_chosen(config, "aggregation", aggregation, kDefaultAggregation);
  add_if_chosen(config, "server", server, kDefaultServer);
}

const std::vector<std::string>& round_keys() {
  static const std::vector<std::string> keys = {"participation", "local_work", "correction", "aggregation", "server"};
  return keys;
}

RoundSpec read_round(const Json& run, const Location& root, const BuildContext& context, bool optimizer_has_state) {
  RoundSpec r;
  r.participation = read_policy(participation_registry(), run, root, "participation", kDefaultParticipation, context);
  r.local_work = read_policy(local_work_registry(), run, root, "local_work", kDefaultLocalWork, context);
  r.correction = read_policy(correction_registry(), run, root, "correction", kDefaultCorrection, context);
  r.aggregation = read_policy(aggregation_registry(), run, root, "aggregation", kDefaultAggregation, context);
  r.server = read_policy(server_registry(), run, root, "server", kDefaultServer, context);

  const round::Pipeline pipeline = r.pipeline(context);
  if (pipeline.participation.kind == round::ParticipationKind::weighted &&
      pipeline.aggregation != round::AggregationKind::uniform) {
    root.child("aggregation").child("type").fail(fmt::format(
        "must be \"uniform\" with participation \"weighted\", got \"{}\": weighted participation already draws "
        "workers in proportion to their shard sizes, and its weights m/K (m: times drawn) make the aggregate unbiased",
        r.aggregation.type()));
  }
  // The engine's rules (algorithms/round/pipeline_rules.hpp), on the same options: those that
  // involve two keys (FedNova or SCAFFOLD with another optimizer or correction) are only checked
  // here; the others were caught above with their own paths.
  try {
    round::check_pipeline(pipeline, context.workers, optimizer_has_state);
  } catch (const round::PipelineRuleError& e) {
    Location where = root;
    std::string key = e.key();
    for (std::size_t dot = key.find('.'); dot != std::string::npos; dot = key.find('.')) {
      where = where.child(key.substr(0, dot));
      key = key.substr(dot + 1);
    }
    where.child(key).fail(e.what());
  }
  // The participation draw's and server step's own checks, the same way.
  try {
    const round::ParticipantDraw draw(pipeline.participation, context.workers, {}, context.seed);
  } catch (const std::invalid_argument& e) {
    root.child("participation").fail(e.what());
  }
  try {
    const round::ServerStep step(pipeline.server, 1);
  } catch (const std::invalid_argument& e) {
    root.child("server").fail(e.what());
  }
  return r;
}

}  // namespace localsgd
