#include "experiments/report/explain.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "algorithms/compression/compressor.hpp"
#include "algorithms/compression/error_feedback.hpp"
#include "algorithms/theory.hpp"
#include "algorithms/topology/topology.hpp"
#include "experiments/spec/spec_warnings.hpp"

namespace localsgd {

namespace {

// Above this many syncs the JSON omits the list (it would dwarf everything else).
constexpr std::size_t kMaxListedSyncs = 100000;
// Above this many syncs the rounds are not counted (null): T may be up to 10^12.
constexpr std::size_t kMaxCountedSyncs = 10000000;

Json number_or_null(double value) { return std::isfinite(value) ? Json(value) : Json(nullptr); }

// One policy of the round: its type, its resolved parameters, and its entry's help line (the
// update and its source).
template <class Product>
Json policy_json(const Configured<Product>& policy) {
  Json params = policy.resolved();
  params.erase("type");
  return {{"type", policy.type()}, {"params", params}, {"formula", policy.entry->help}};
}

// The staleness weight s(k) of an asynchronous run, as a formula with its parameters.
std::string staleness_formula(const round::StalenessOptions& s) {
  switch (s.kind) {
    case round::StalenessKind::constant: return "s(k) = 1";
    case round::StalenessKind::polynomial: return fmt::format("s(k) = (1 + k)^-{}", s.a);
    case round::StalenessKind::hinge: return fmt::format("s(k) = 1 if k <= {1}, else 1 / ({0} (k - {1}) + 1)", s.a, s.b);
  }
  return "";
}

// The coordination: as a policy, and for an asynchronous run how its engine orders events, the
// local steps of every job and the staleness weight.
Json coordination_json(const RunSpec& run) {
  Json out = policy_json(run.round.coordination);
  out["asynchronous"] = run.round.asynchronous();
  if (run.round.asynchronous()) {
    out["local_steps"] = run.round.local_steps;
    out["events"] = "events ordered by (time, push before pull, worker id)";
    out["staleness_weight"] = staleness_formula(run.round.coordination_options(run.context()).staleness);
  }
  return out;
}

// The compression of a run that sets it: as a policy, and its operator built for the problem's d
// (validation has checked that it builds): unbiased or not, its constant (omega for an unbiased
// operator, delta for a biased one), one message's bytes against a dense model's d * 8, and the
// worker's error memory.
Json compression_json(const RunSpec& run, Index dim) {
  const round::CompressionOptions options = run.pipeline().compression;
  const auto compressor = compression::make_compressor(options.compressor, dim);
  Json out = policy_json(run.round.compression);
  out["operator"] = std::string(compression::compressor_name(options.compressor.kind));
  out["unbiased"] = compressor->unbiased();
  out["constant"] = {{"name", compressor->unbiased() ? "omega" : "delta"}, {"value", compressor->constant()}};
  out["message_bytes"] = compressor->message_bytes();
  out["dense_bytes"] = static_cast<std::int64_t>(dim) * 8;
  out["feedback"] = std::string(compression::feedback_name(options.feedback));
  return out;
}

// The gossip of a run that sets it: as a policy; its topology's degrees, spectral gap and
// whether it averages exactly; one message's bytes (a dense model for D-SGD, the compressor's
// message for CHOCO-SGD), a round's bytes (every node sends one message to each neighbour:
// sum of degrees x message) and seconds (the busiest node's exchange under the run's network model),
// as the engine counts them (sim/gossip.hpp). Validation has checked that the topology exists.
Json gossip_json(const RunSpec& run, Index dim) {
  const round::Pipeline pipeline = run.pipeline();
  const round::GossipOptions& g = pipeline.gossip;
  const topology::TopologyOptions& t = g.topology;
  const int p = run.workers;
  Json out = policy_json(run.round.gossip);
  out["algorithm"] = std::string(round::gossip_algorithm_name(g.algorithm));
  out["topology"] = std::string(topology::topology_name(t.kind));
  if (t.kind == topology::TopologyKind::torus) {  // the sides chosen when `rows` is absent
    const auto [rows, columns] = t.rows > 0 ? std::pair{t.rows, p / t.rows} : topology::torus_sides(p);
    out["rows"] = rows;
    out["columns"] = columns;
  }
  const bool one_peer = t.kind == topology::TopologyKind::one_peer_exponential;
  out["weights"] = one_peer ? Json(nullptr)
                            : Json(t.weights == topology::MixingWeights::uniform ? "uniform" : "metropolis_hastings");
  out["nodes"] = p;
  // Per round (per matrix W^(r)): the fewest and most neighbours a node has, and the messages
  // (sum of degrees). The complete graph's p(p - 1) entries are not built.
  int min_degree = 0;
  int max_degree = 0;
  double messages = 0;
  std::vector<topology::MixingMatrix> matrices;
  if (t.kind == topology::TopologyKind::complete) {
    min_degree = max_degree = p - 1;
    messages = static_cast<double>(p) * (p - 1);
  } else {
    matrices = topology::mixing_matrices(t, p);
    min_degree = p;
    for (const topology::MixingMatrix& w : matrices) {
      double sum = 0;
      for (const auto& row : w.neighbours) {
        const int degree = static_cast<int>(row.size());
        min_degree = std::min(min_degree, degree);
        max_degree = std::max(max_degree, degree);
        sum += degree;
      }
      messages = std::max(messages, sum);
    }
  }
  out["degree"] = {{"min", min_degree}, {"max", max_degree}};
  const bool power_of_two = p >= 1 && (p & (p - 1)) == 0;
  if (one_peer) {
    const int period = p >= 2 ? topology::one_peer_period(p) : 1;
    out["time_varying"] = true;
    out["period"] = period;
    out["exact_averaging_after_period"] = power_of_two;
    out["spectral_gap"] = nullptr;
    out["spectral_gap_note"] = fmt::format(
        "time-varying: W^(r) pairs i with i + 2^(r mod {}), period ceil(log2 p) = {}; {}", period, period,
        power_of_two ? "p is a power of 2, so the product of a period's matrices is exactly (1/p)11^T (exact averaging "
                       "after every period)"
                     : "p is not a power of 2: no exact averaging after a period");
  } else {
    out["time_varying"] = false;
    out["period"] = 1;
    out["exact_averaging_after_period"] =
        t.kind == topology::TopologyKind::complete || (!matrices.empty() && topology::is_exact_average(matrices.front()));
    if (p > topology::kSpectralGapMaxNodes) {
      out["spectral_gap"] = nullptr;
      out["spectral_gap_note"] = fmt::format("not computed (p > {})", topology::kSpectralGapMaxNodes);
    } else {
      const topology::MixingMatrix w =
          matrices.empty() ? topology::mixing_matrix(topology::complete(p), t.weights) : matrices.front();
      out["spectral_gap"] = topology::spectral_gap(w);
      out["spectral_gap_note"] = nullptr;
    }
  }
  if (g.algorithm == round::GossipAlgorithm::choco) out["consensus_step"] = g.consensus_step;
  const auto network = run.network.build(run.context());
  double message = 0;
  if (g.algorithm == round::GossipAlgorithm::choco) {
    const auto compressor = compression::make_compressor(pipeline.compression.compressor, dim);
    message = static_cast<double>(compressor->message_bytes());
    out["message"] = fmt::format("the compressor's message, {}",
                                 compression::compressor_name(pipeline.compression.compressor.kind));
  } else {
    message = network->dense_bytes(dim);
    out["message"] = "a dense model, d values";
  }
  out["message_bytes"] = message;
  out["messages_per_round"] = messages;
  out["bytes_per_round"] = messages * message;
  out["seconds_per_round"] = max_degree == 0 ? 0.0 : network->gossip_seconds(max_degree, message);
  return out;
}

Json round_json(const RunSpec& run, Index dim) {
  const RoundSpec& round = run.round;
  Json out = {{"default", round.is_default()},
              {"participation", policy_json(round.participation)},
              {"local_work", policy_json(round.local_work)},
              {"correction", policy_json(round.correction)},
              {"aggregation", policy_json(round.aggregation)},
              {"server", policy_json(round.server)},
              {"coordination", coordination_json(run)}};
  // Only for a run that compresses: every other explanation stays as it was.
  if (round.compressed()) out["compression"] = compression_json(run, dim);
  if (round.gossips()) out["gossip"] = gossip_json(run, dim);
  return out;
}

// "k = v, k2 = v2" of a policy's parameters (empty without any).
std::string params_text(const Json& params) {
  std::string out;
  for (const auto& [key, value] : params.items()) out += fmt::format("{}{} = {}", out.empty() ? "" : ", ", key, value.dump());
  return out;
}

Json explain_configuration(const RunSpec& run) {
  const BuildContext context = run.context();
  const auto problem = run.build_problem();
  const ProblemConstants& c = problem->constants();
  const auto schedule = run.schedule.build(context);
  const auto step_size = run.step_size.build(context, {*schedule, *problem});

  const long lupa = lupa_theory_period(run.steps, run.workers, run.batch);
  const long stich = stich_period(run.steps, run.workers, run.batch);
  auto rounds_for = [&](long period) { return (run.steps + period - 1) / period; };
  Json warnings = Json::array();
  for (const ConfigurationWarning& warning : configuration_warnings(run)) warnings.push_back(warning.text);

  Json schedule_json = {{"type", run.schedule.type()}, {"adapts_to_run", schedule->adapts_to_run()}};
  const auto longest = schedule->longest_period(run.steps);
  schedule_json["longest_period"] = longest ? Json(*longest) : Json(nullptr);
  if (schedule->adapts_to_run()) {
    schedule_json["rounds"] = nullptr;
    schedule_json["sync_steps"] = nullptr;
  } else {
    const auto fresh = run.schedule.build(context);
    const std::vector<long> steps = planned_sync_steps(*fresh, run.steps, run.workers, run.batch, kMaxCountedSyncs + 1);
    schedule_json["rounds"] = steps.size() <= kMaxCountedSyncs ? Json(steps.size()) : Json(nullptr);
    schedule_json["sync_steps"] = steps.size() <= kMaxListedSyncs ? Json(steps) : Json(nullptr);
  }
  return {
      {"variant", run.variant},
      {"swept", run.swept},
      {"workers", run.workers},
      {"steps", run.steps},
      {"batch", run.batch},
      {"problem",
       {{"type", run.problem.type()},
        {"dim", problem->dim()},
        {"L", c.smoothness},
        {"mu", c.pl},
        {"kappa", number_or_null(c.smoothness / c.pl)},
        {"f_star", c.optimal_value},
        {"exact", c.all_exact()},
        {"exactness", {{"L", c.smoothness_exact}, {"mu", c.pl_exact}, {"x_star_f_star", c.optimum_exact}}},
        {"sigma2", c.sigma2 ? Json(*c.sigma2) : Json(nullptr)},
        {"c1", c.c1},
        {"sigma2_at_optimum", c.sigma2_at_optimum},
        {"heterogeneity", c.heterogeneity},
        {"how", c.how}}},
      {"theory",
       {{"lupa_period", lupa}, {"lupa_rounds", rounds_for(lupa)}, {"stich_period", stich},
        {"stich_rounds", rounds_for(stich)}}},
      {"schedule", schedule_json},
      {"step_size",
       {{"type", run.step_size.type()}, {"first", step_size->at(0)}, {"last", step_size->at(run.steps - 1)}}},
      {"round", round_json(run, problem->dim())},
      {"warnings", warnings},
  };
}

std::string list_steps(const Json& steps) {
  const std::size_t n = steps.size();
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    if (n > 12 && i == 8) {
      out += ", ...";
      i = n - 3;
    }
    out += fmt::format("{}{}", out.empty() ? "" : ", ", steps[i].get<long>());
  }
  return out;
}

// The compression lines of explain's text: the policy, then its operator's properties.
std::string compression_text(const Json& c, long dim) {
  const std::string params = params_text(c.at("params"));
  const auto message = c.at("message_bytes").get<double>();
  const auto dense = c.at("dense_bytes").get<double>();
  std::string out = fmt::format("    compression {}{}: {}\n", c.at("type").get<std::string>(),
                                params.empty() ? "" : " (" + params + ")", c.at("formula").get<std::string>());
  out += fmt::format("      operator {}: {}, {} = {:.6g}; message {} bytes vs dense d * 8 = {} bytes (d = {}, {:.3g}x); "
                     "feedback {}\n",
                     c.at("operator").get<std::string>(), c.at("unbiased").get<bool>() ? "unbiased" : "biased",
                     c.at("constant").at("name").get<std::string>(), c.at("constant").at("value").get<double>(),
                     c.at("message_bytes").get<std::int64_t>(), c.at("dense_bytes").get<std::int64_t>(), dim,
                     message / dense, c.at("feedback").get<std::string>());
  return out;
}

// The gossip lines of explain's text: the policy, its topology, and what a round sends and costs.
std::string gossip_text(const Json& g) {
  const std::string params = params_text(g.at("params"));
  std::string out = fmt::format("    gossip {}{}: {}\n", g.at("type").get<std::string>(),
                                params.empty() ? "" : " (" + params + ")", g.at("formula").get<std::string>());
  const Json& degree = g.at("degree");
  const std::string degrees = degree.at("min") == degree.at("max")
                                  ? fmt::format("degree {}", degree.at("max").get<int>())
                                  : fmt::format("degrees {}..{}", degree.at("min").get<int>(), degree.at("max").get<int>());
  const std::string weights =
      g.at("weights").is_null() ? std::string("weights 1/2") : "weights " + g.at("weights").get<std::string>();
  std::string gap;
  if (g.at("spectral_gap").is_null()) {
    const std::string note = g.at("spectral_gap_note").get<std::string>();
    gap = g.at("time_varying").get<bool>() ? "no single spectral gap (" + note + ")" : "spectral gap " + note;
  } else {
    gap = fmt::format("spectral gap 1 - |lambda_2(W)| = {:.6g}{}", g.at("spectral_gap").get<double>(),
                      g.at("exact_averaging_after_period").get<bool>() ? " (W = (1/p)11^T: exact averaging)" : "");
  }
  const std::string sides =
      g.contains("rows") ? fmt::format(" ({} x {})", g.at("rows").get<int>(), g.at("columns").get<int>()) : "";
  out += fmt::format("      topology {}{} on {} nodes, {}: {}; {}\n", g.at("topology").get<std::string>(), sides,
                     g.at("nodes").get<long>(), weights, degrees, gap);
  out += fmt::format("      message {:.10g} bytes ({}); {:.10g} bytes per round (sum of degrees {:.10g} x message); "
                     "{:.6g} s per round (the busiest node's exchange, degree {}, under the network model)\n",
                     g.at("message_bytes").get<double>(), g.at("message").get<std::string>(),
                     g.at("bytes_per_round").get<double>(), g.at("messages_per_round").get<double>(),
                     g.at("seconds_per_round").get<double>(), degree.at("max").get<int>());
  return out;
}

}  // namespace

std::string longest_period_text(const Json& longest_period) {
  // docs/adding-a-variant.md lets a schedule not know its longest period (nullopt -> null).
  return longest_period.is_null() ? "unknown" : std::to_string(longest_period.get<long>());
}

Json explain_spec(const ExperimentSpec& spec) {
  Json configurations = Json::array();
  for (std::size_t i = 0; i < spec.runs.size();) {
    const RunSpec& run = spec.runs[i];
    Json entry = explain_configuration(run);
    Json runs = Json::array(), seeds = Json::array();
    for (; i < spec.runs.size() && spec.runs[i].variant == run.variant && spec.runs[i].swept == run.swept; ++i) {
      runs.push_back(spec.runs[i].index);
      seeds.push_back(spec.runs[i].seed);
    }
    entry["runs"] = runs;
    entry["seeds"] = seeds;
    configurations.push_back(std::move(entry));
  }
  return {{"name", spec.name},
          {"runs", spec.runs.size()},
          {"configurations", configurations},
          {"warnings", spec_warnings(spec)}};
}

std::string explain_text(const Json& explanation) {
  std::string out = fmt::format("{}: {} configurations, {} runs\n", explanation.at("name").get<std::string>(),
                                explanation.at("configurations").size(), explanation.at("runs").get<std::size_t>());
  for (const Json& c : explanation.at("configurations")) {
    std::string title = c.at("variant").get<std::string>();
    for (const auto& [path, value] : c.at("swept").items()) title += fmt::format(", {}={}", path, value.dump());
    const Json& runs = c.at("runs");
    out += fmt::format("\n{}  (runs {}..{}, {} seeds)\n", title, runs.front().get<long>(), runs.back().get<long>(),
                       runs.size());
    out += fmt::format("  p = {}, T = {}, B = {}\n", c.at("workers").get<long>(), c.at("steps").get<long>(),
                       c.at("batch").get<long>());
    const Json& p = c.at("problem");
    out += fmt::format("  problem {}: d = {}, L = {:.6g}, mu = {:.6g}, kappa = {}, F* = {:.10g} ({})\n",
                       p.at("type").get<std::string>(), p.at("dim").get<long>(), p.at("L").get<double>(),
                       p.at("mu").get<double>(),
                       p.at("kappa").is_null() ? std::string("inf") : fmt::format("{:.6g}", p.at("kappa").get<double>()),
                       p.at("f_star").get<double>(), p.at("exact").get<bool>() ? "exact" : "estimated");
    out += fmt::format("    oracle: sigma^2 = {}, C1 = {:.6g}, variance at x* = {:.6g}, heterogeneity zeta^2 = {:.6g}\n",
                       p.at("sigma2").is_null() ? std::string("(no global bound: finite sum)")
                                                : fmt::format("{:.6g}", p.at("sigma2").get<double>()),
                       p.at("c1").get<double>(), p.at("sigma2_at_optimum").get<double>(),
                       p.at("heterogeneity").get<double>());
    out += fmt::format("    how: {}\n", p.at("how").get<std::string>());
    const Json& t = c.at("theory");
    out += fmt::format("  theory: LUPA tau = {} ({} rounds), Stich tau = {} ({} rounds)\n", t.at("lupa_period").get<long>(),
                       t.at("lupa_rounds").get<long>(), t.at("stich_period").get<long>(), t.at("stich_rounds").get<long>());
    const Json& s = c.at("schedule");
    if (const Json& coordination = c.at("round").at("coordination"); coordination.at("asynchronous").get<bool>()) {
      out += fmt::format("  schedule {}: period tau = {}, the local steps of every asynchronous job (no syncs)\n",
                         s.at("type").get<std::string>(), coordination.at("local_steps").get<long>());
    } else if (s.at("adapts_to_run").get<bool>()) {
      out += fmt::format("  schedule {}: adapts to the run (sync steps known only when it runs)\n",
                         s.at("type").get<std::string>());
    } else {
      out += fmt::format("  schedule {}: {} rounds, longest period {}", s.at("type").get<std::string>(),
                         s.at("rounds").is_null() ? fmt::format("more than {}", kMaxCountedSyncs)
                                                  : std::to_string(s.at("rounds").get<long>()),
                         longest_period_text(s.at("longest_period")));
      out += s.at("sync_steps").is_null() ? "\n" : fmt::format("; syncs at {}\n", list_steps(s.at("sync_steps")));
    }
    const Json& e = c.at("step_size");
    out += fmt::format("  step size {}: eta_0 = {:.6g}, eta_(T-1) = {:.6g}\n", e.at("type").get<std::string>(),
                       e.at("first").get<double>(), e.at("last").get<double>());
    const Json& round = c.at("round");
    out += fmt::format("  round{}:\n", round.at("default").get<bool>() ? " (LUPA-SGD's: the default)" : "");
    // A gossip run has no server: its aggregation, server step and barrier coordination are not
    // used (validation refuses any other choice), so they are not printed.
    const bool gossips = round.contains("gossip");
    for (const char* family : {"participation", "local_work", "correction", "aggregation", "server", "coordination"}) {
      if (gossips && std::string_view(family) != "participation" && std::string_view(family) != "local_work" &&
          std::string_view(family) != "correction") {
        continue;
      }
      const Json& policy = round.at(family);
      const std::string params = params_text(policy.at("params"));
      out += fmt::format("    {} {}{}: {}\n", family, policy.at("type").get<std::string>(),
                         params.empty() ? "" : " (" + params + ")", policy.at("formula").get<std::string>());
    }
    if (round.contains("compression")) out += compression_text(round.at("compression"), p.at("dim").get<long>());
    if (round.contains("gossip")) out += gossip_text(round.at("gossip"));
    if (const Json& coordination = round.at("coordination"); coordination.at("asynchronous").get<bool>()) {
      out += fmt::format("      asynchronous: tau = {} local steps per job (the schedule's period); {}; staleness weight "
                         "{}\n",
                         coordination.at("local_steps").get<long>(), coordination.at("events").get<std::string>(),
                         coordination.at("staleness_weight").get<std::string>());
    }
    for (const Json& warning : c.at("warnings")) out += fmt::format("  warning: {}\n", warning.get<std::string>());
  }
  return out;
}

}  // namespace localsgd
