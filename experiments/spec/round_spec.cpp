#include "experiments/spec/round_spec.hpp"

#include <fmt/format.h>

#include <algorithm>
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
constexpr const char* kDefaultCoordination = "barrier";

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

// The rules of an asynchronous run (round::check_async_pipeline), each refused at the key that
// breaks it; returns τ, the local steps of every job.
long check_asynchronous(const RoundSpec& r, const round::Pipeline& pipeline, const Location& root,
                        const BuildContext& context, const Configured<SyncSchedule>& schedule) {
  const std::string kind = r.coordination.type();
  const auto& constant = constant_period_schedules();
  if (std::find(constant.begin(), constant.end(), schedule.type()) == constant.end()) {
    root.child("schedule").child("type").fail(fmt::format(
        "must have a constant period with coordination \"{}\", got \"{}\": asynchronous workers run τ local "
        "steps per job; the schedule must have a constant period ({})",
        kind, schedule.type(), join_names(constant)));
  }
  const auto refuse = [&](const char* key, const std::string& rule) {
    root.child(key).child("type").fail(fmt::format("with coordination \"{}\", {}", kind, rule));
  };
  using round::ParticipationKind;
  if (pipeline.participation.kind != ParticipationKind::full &&
      pipeline.participation.kind != ParticipationKind::available) {
    refuse("participation", fmt::format("must be \"full\" or \"available\" (workers pull when they are free), got "
                                        "\"{}\"",
                                        r.participation.type()));
  }
  if (pipeline.participation.kind == ParticipationKind::available) {
    // A worker pulls when present; one never present (q_i = 0 without a diurnal swing) never
    // does, and with nobody ever present no push would arrive.
    const auto& q = pipeline.participation.probability;
    const bool swings = pipeline.participation.period_rounds > 0 && pipeline.participation.amplitude > 0;
    if (!swings && std::all_of(q.begin(), q.end(), [](double value) { return value <= 0; })) {
      root.child("participation").child("probability").fail(fmt::format(
          "with coordination \"{}\", some worker must be available (q_i > 0): no worker would ever pull or push",
          kind));
    }
  }
  if (pipeline.local_work.kind != round::LocalWorkKind::schedule) {
    refuse("local_work", fmt::format("must be \"schedule\" (every job runs the schedule's τ steps), got \"{}\"",
                                     r.local_work.type()));
  }
  if (pipeline.correction.kind == round::CorrectionKind::scaffold) {
    refuse("correction", "must be \"none\" or \"fedprox\", got \"scaffold\" (its control variates need rounds)");
  }
  if (pipeline.aggregation != round::AggregationKind::uniform) {
    refuse("aggregation", fmt::format("must be \"uniform\", got \"{}\"", r.aggregation.type()));
  }
  const round::CoordinationOptions coordination = r.coordination_options(context);
  const bool plain_server = pipeline.server.kind == round::ServerKind::plain ||
                            (pipeline.server.kind == round::ServerKind::sgd && pipeline.server.learning_rate == 1);
  if (coordination.kind == round::CoordinationKind::fedasync && !plain_server) {
    refuse("server", fmt::format("must be \"plain\", got \"{}\" (FedAsync mixes each push into the server model; a "
                                 "server step needs \"fedbuff\")",
                                 r.server.type()));
  }
  // τ: the first sync of a fresh schedule (a constant period: every later one is as far apart).
  const auto fresh = schedule.build(context);
  SyncContext start;
  start.total_steps = context.steps;
  start.workers = context.workers;
  start.batch = context.batch;
  const long tau = std::clamp(fresh->next_sync(start), 1L, context.steps);
  // The engine's own check, on the same options: a rule missed above is still refused here.
  try {
    round::check_async_pipeline(pipeline, coordination, context.workers, tau);
  } catch (const std::invalid_argument& e) {
    root.child("coordination").fail(e.what());
  }
  return tau;
}

}  // namespace

round::Pipeline RoundSpec::pipeline(const BuildContext& context) const {
  round::Pipeline out;  // the defaults, for policies not read
  if (participation.entry) out.participation = *participation.build(context);
  if (local_work.entry) out.local_work = *local_work.build(context);
  if (correction.entry) out.correction = *correction.build(context);
  if (aggregation.entry) out.aggregation = *aggregation.build(context);
  if (server.entry) out.server = *server.build(context);
  if (compression.entry) out.compression = *compression.build(context);
  if (gossip.entry) out.gossip = *gossip.build(context);
  return out;
}

round::CoordinationOptions RoundSpec::coordination_options(const BuildContext& context) const {
  return coordination.entry ? *coordination.build(context) : round::CoordinationOptions{};
}

bool RoundSpec::asynchronous() const { return !is_default_type(coordination, kDefaultCoordination); }

bool RoundSpec::compressed() const { return compression.entry != nullptr; }

bool RoundSpec::gossips() const { return gossip.entry != nullptr; }

bool RoundSpec::is_default() const {
  return is_default_type(participation, kDefaultParticipation) && is_default_type(local_work, kDefaultLocalWork) &&
         is_default_type(correction, kDefaultCorrection) && is_default_type(aggregation, kDefaultAggregation) &&
         is_default_type(server, kDefaultServer) && !asynchronous() && !compressed() && !gossips();
}

void RoundSpec::add_to_config(Json& config) const {
  add_if_chosen(config, "participation", participation, kDefaultParticipation);
  add_if_chosen(config, "local_work", local_work, kDefaultLocalWork);
  add_if_chosen(config, "correction", correction, kDefaultCorrection);
  add_if_chosen(config, "aggregation", aggregation, kDefaultAggregation);
  add_if_chosen(config, "server", server, kDefaultServer);
  add_if_chosen(config, "coordination", coordination, kDefaultCoordination);
  if (compressed()) config["compression"] = compression.resolved();
  if (gossips()) config["gossip"] = gossip.resolved();
}

const std::vector<std::string>& round_keys() {
  static const std::vector<std::string> keys = {"participation", "local_work", "correction", "aggregation", "server",
                                                  "coordination", "compression", "gossip"};
  return keys;
}

void fail_at_rule_key(const Location& root, const std::string& key, const std::string& message) {
  Location where = root;
  std::string rest = key;
  for (std::size_t dot = rest.find('.'); dot != std::string::npos; dot = rest.find('.')) {
    where = where.child(rest.substr(0, dot));
    rest = rest.substr(dot + 1);
  }
  where.child(rest).fail(message);
}

const std::vector<std::string>& constant_period_schedules() {
  static const std::vector<std::string> types = {"sync", "fixed", "one_shot", "lupa_theory", "stich"};
  return types;
}

RoundSpec read_round(const Json& run, const Location& root, const BuildContext& context, bool optimizer_has_state,
                     const Configured<SyncSchedule>& schedule) {
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
    fail_at_rule_key(root, e.key(), e.what());
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
  r.coordination = read_policy(coordination_registry(), run, root, "coordination", kDefaultCoordination, context);
  // Its rules that involve other keys or the problem are checked by check_compression.
  if (run.contains("compression")) {
    r.compression = compression_registry().read(run.at("compression"), root.child("compression"), context);
  }
  // Its rules that involve other keys or the number of nodes are checked by check_gossip_spec;
  // this one first, before the asynchronous rules would name some other key.
  if (run.contains("gossip")) {
    r.gossip = gossip_registry().read(run.at("gossip"), root.child("gossip"), context);
    if (r.asynchronous()) {
      // Coordination is how workers reach a server (FedAsync, FedBuff mix pushes into its model);
      // gossip has none, so coordination is what must change (gossip is the user's choice of
      // algorithm, and its steps happen at the schedule's syncs, the barrier's).
      root.child("coordination").child("type").fail(fmt::format(
          "must be \"barrier\" with gossip (\"{}\"), got \"{}\": asynchronous coordination mixes pushes into a "
          "server's model and gossip has no server (its nodes mix with their neighbours at the schedule's syncs); "
          "drop \"coordination\" or \"gossip\"",
          r.gossip.type(), r.coordination.type()));
    }
  }
  if (r.asynchronous()) r.local_steps = check_asynchronous(r, pipeline, root, context, schedule);
  return r;
}

}  // namespace localsgd
