#include "experiments/spec/spec.hpp"

#include <fmt/format.h>
#include <tbb/info.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include "algorithms/round/pipeline_rules.hpp"
#include "algorithms/sync_schedule.hpp"
#include "algorithms/topology/topology.hpp"
#include "experiments/spec/clock_bound.hpp"
#include "experiments/spec/compression_spec.hpp"
#include "experiments/spec/gossip_spec.hpp"
#include "experiments/language/json_reader.hpp"
#include "experiments/language/spec_error.hpp"
#include "experiments/language/text_rules.hpp"
#include "sim/async_engine.hpp"
#include "sim/engine.hpp"

namespace localsgd {

namespace {

const std::vector<std::string> kTopLevelOnlyKeys = {"name", "variants", "sweep", "seeds",
                                                     "plots", "plot_defaults", "expect"};

bool contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

std::vector<std::string> concat(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

EvalSettings read_eval(const Json& run, const Location& root) {
  EvalSettings eval;
  if (!run.contains("eval")) return eval;
  const Location where = root.child("eval");
  const Json& node = run.at("eval");
  const std::vector<ParamSpec> specs = {
      ParamSpec::integer("points", "evaluation points, including step 0 and step T").at_least(2).at_most(1e7).defaults_to(100),
      ParamSpec::text("spacing", "spacing of the points").one_of(kEvalSpacingNames.list()).defaults_to("log"),
  };
  require_object(node, where, "eval");
  if (node.contains("every")) {
    const std::string allowed[] = {"every"};
    reject_unknown_keys(node, where, allowed, "eval with \"every\" (give either \"every\" or \"points\"/\"spacing\")");
    eval.every = read_param(node, where, ParamSpec::integer("every", "evaluate every k steps").at_least(1))
                     .get<long>();
    return eval;
  }
  const std::string extra[] = {"every"};
  const Params params = read_params(node, where, specs, extra, "eval");
  eval.points = static_cast<int>(params.integer("points"));
  eval.spacing = *kEvalSpacingNames.parse(params.text("spacing"));  // one_of has checked the name
  return eval;
}

Json eval_json(const EvalSettings& eval) {
  if (eval.every) return {{"every", *eval.every}};
  return {{"points", eval.points}, {"spacing", kEvalSpacingNames.name(eval.spacing)}};
}

template <class Product>
Configured<Product> read_typed(const Registry<Product>& registry, const Json& run, const Location& root,
                               const std::string& key, const Json& fallback, const BuildContext& context,
                               const typename TypeEntry<Product>::CheckNeeds& needs = {}) {
  const Json& node = run.contains(key) ? run.at(key) : fallback;
  return registry.read(node, root.child(key), context, needs);
}

// Reads the run-level keys of one assembled run. `missing_at` is where a missing required key
// should be added (the variant, when there are variants).
// What one run holds (experiments/catalog/memory.hpp): what its engine allocates (Engine::estimate_bytes,
// AsyncEngine::estimate_bytes for asynchronous coordination;
// a compute-time stream per worker is counted whatever the compute model, as if it drew), and its
// metric rows.
double run_memory(int workers, Index dim, int batch, int state_vectors, bool finite_sum, long eval_rows,
                  const round::Pipeline& pipeline, const std::optional<round::CoordinationOptions>& asynchronous,
                  int ranks = 1) {
  EngineShape shape;
  shape.ranks = ranks;
  shape.pipeline = pipeline;
  shape.workers = workers;
  shape.dim = dim;
  shape.batch = batch;
  shape.optimizer_state_vectors = state_vectors;
  shape.finite_sum = finite_sum;
  shape.draws_compute_times = true;
  const double engine = asynchronous ? AsyncEngine::estimate_bytes(shape, *asynchronous) : Engine::estimate_bytes(shape);
  return engine + static_cast<double>(eval_rows) * (8.0 + static_cast<double>(sizeof(Evaluation)));
}

// A run split among ranks (split-workers mode): the engine's rules (round::check_split_workers) at
// the keys to change, and what only a whole run in one process has.
void check_splittable(const RunSpec& r, const Location& root) {
  const std::string why = "a run split among ranks (split-workers) ";
  if (r.round.asynchronous()) {
    root.child("coordination").fail(why + "has barriers: asynchronous coordination is not split");
  }
  if (r.trace) {
    root.child("trace").fail(why + "has no per-worker traces (each rank holds only its own workers' models)");
  }
  try {
    round::check_split_workers(r.pipeline());
  } catch (const round::PipelineRuleError& e) {
    fail_at_rule_key(root, e.key(), e.what());
  }
}

// split_ranks > 0: also what the run needs split among that many ranks, and whether it can be.
RunSpec parse_run(const Json& run, const SourceMap& sources, const std::string& missing_at,
                  const std::filesystem::path& base_folder, MemoryBudget& memory,
                  const std::shared_ptr<ProblemCache>& problems, int split_ranks) {
  const Location root{"", &sources};
  for (const char* key : {"problem", "workers", "steps", "schedule", "step_size"}) {
    if (!run.contains(key)) {
      throw SpecError(missing_at, fmt::format("missing required key \"{}\" (set it at the top level{})", key,
                                              missing_at.empty() ? "" : " or in this variant"));
    }
  }
  RunSpec r;
  r.workers = static_cast<int>(
      read_param(run, root, ParamSpec::integer("workers", "number of workers p").at_least(1).at_most(1e7))
          .get<std::int64_t>());
  r.steps = read_param(run, root, ParamSpec::integer("steps", "local steps per worker T").at_least(1).at_most(1e12))
                .get<long>();
  r.batch = static_cast<int>(
      read_param(run, root, ParamSpec::integer("batch", "mini-batch size B").at_least(1).at_most(1e7).defaults_to(1))
          .get<std::int64_t>());
  if (static_cast<double>(r.workers) * r.batch * static_cast<double>(r.steps) > 9.0e18) {
    root.child("steps").fail(fmt::format("workers x batch x steps = {:.3g} samples overflows the sample counter "
                                         "(at most 9.2e18); use fewer steps",
                                         static_cast<double>(r.workers) * r.batch * static_cast<double>(r.steps)));
  }
  r.base_folder = base_folder;
  r.problems = problems;
  const BuildContext context = r.context();
  r.problem = read_typed(problem_registry(), run, root, "problem", Json(), context, {*problems, memory});
  // Reading the problem built it (cached), so this costs nothing.
  const auto problem = r.build_problem();
  if (const auto shard = problem->smallest_shard(); shard && r.batch > *shard) {
    root.child("batch").fail(fmt::format(
        "must be <= {} (the rows of the smallest worker's shard), got {}: each worker draws its mini-batch with "
        "replacement from its own shard, so every batch would repeat rows; use a smaller batch, fewer workers or "
        "more samples",
        *shard, r.batch));
  }
  r.schedule = read_typed(schedule_registry(), run, root, "schedule", Json(), context);
  // Step-size rules may depend on the schedule (pl_theory's τ); schedules are cheap to build.
  const auto schedule = r.schedule.build(context);
  r.step_size = read_typed(step_size_registry(), run, root, "step_size", Json(), context, {*schedule});
  r.optimizer = read_typed(optimizer_registry(), run, root, "optimizer", Json{{"type", "sgd"}}, context);
  const int state_vectors = r.optimizer.build(context)->state_vectors();
  r.round = read_round(run, root, context, state_vectors > 0, r.schedule);
  // Gossip first: with CHOCO-SGD the compression is gossip's operator, and a rule both break
  // (e.g. SCAFFOLD) is about the missing server.
  check_gossip_spec(r.round, r.optimizer, state_vectors, root, context);
  check_compression(r.round, r.optimizer, state_vectors, problem->dim(), root, context);

  const Json default_clock = Json::object();
  const Json& clock = run.contains("clock") ? run.at("clock") : default_clock;
  const Location clock_at = root.child("clock");
  require_object(clock, clock_at, "clock");
  const std::vector<std::string> clock_keys = {"compute", "slowdown", "network"};
  reject_unknown_keys(clock, clock_at, clock_keys, "clock");
  r.compute = read_typed(compute_registry(), clock, clock_at, "compute", Json{{"type", "constant"}}, context);
  r.slowdown = read_typed(slowdown_registry(), clock, clock_at, "slowdown", Json{{"type", "none"}}, context);
  r.network = read_typed(network_registry(), clock, clock_at, "network", Json{{"type", "constant"}}, context);
  check_clock_bound(r, clock_at, problem->dim());
  r.eval = read_eval(run, root);
  r.targets = read_targets(run, root);
  long most_syncs = r.steps;  // a schedule that adapts to the run may sync at any step
  if (run.contains("trace") && !schedule->adapts_to_run()) {
    const auto fresh = r.schedule.build(context);
    most_syncs = static_cast<long>(planned_sync_steps(*fresh, r.steps, r.workers, r.batch, kMaxTracedSyncs).size());
  }
  if (run.contains("trace") && r.round.asynchronous()) {
    root.child("trace").fail(fmt::format("is not available with coordination \"{}\" (not implemented yet): a trace "
                                         "records the workers' models at the barrier's syncs; drop \"trace\" or use "
                                         "the barrier",
                                         r.round.coordination.type()));
  }
  r.trace = read_trace(run, root, r.workers, r.steps, most_syncs, problem->dim());
  r.eval_rows = r.eval.count(r.steps);
  r.memory_bytes =
      run_memory(r.workers, problem->dim(), r.batch, state_vectors, problem->finite_sum() != nullptr, r.eval_rows,
                 r.pipeline(),
                 r.round.asynchronous() ? std::optional(r.round.coordination_options(context)) : std::nullopt) +
      (r.trace ? r.trace->memory_bytes() : 0.0);
  if (split_ranks > 0) {
    try {
      check_splittable(r, root);
      r.split_memory_bytes = run_memory(r.workers, problem->dim(), r.batch, state_vectors,
                                        problem->finite_sum() != nullptr, r.eval_rows, r.pipeline(), std::nullopt,
                                        split_ranks);
    } catch (const SpecError& e) {
      r.split_refusal = e;
    }
  }

  r.config = {{"problem", r.problem.resolved()},
              {"workers", r.workers},
              {"steps", r.steps},
              {"batch", r.batch},
              {"step_size", r.step_size.resolved()},
              {"schedule", r.schedule.resolved()},
              {"optimizer", r.optimizer.resolved()},
              {"clock",
               {{"compute", r.compute.resolved()}, {"slowdown", r.slowdown.resolved()}, {"network", r.network.resolved()}}},
              {"eval", eval_json(r.eval)},
              {"targets", targets_json(r.targets)}};
  r.round.add_to_config(r.config);
  if (r.trace) r.config["trace"] = trace_json(*r.trace);  // absent without a trace: keys stay as they were
  return r;
}

std::vector<std::uint64_t> read_seeds(const Json& spec) {
  if (!spec.contains("seeds")) return {0};
  const Json& node = spec.at("seeds");
  const Location where{"/seeds", nullptr};
  if (node.is_array()) {
    if (node.empty()) where.fail("must be a non-empty list of seeds or a count >= 1");
    // The size first: a list that alone exceeds the run limit is refused before its items are read.
    if (node.size() > kMaxRuns) {
      where.fail(fmt::format("has {} seeds; a spec may have at most {} runs (variants x sweep points x seeds): split "
                             "it into several specs",
                             node.size(), kMaxRuns));
    }
    // Each item by the integer rule of every parameter: 3 and 3.0 (or 3e0) are the same seed.
    const Json items = read_param(spec, Location{"", nullptr},
                                  ParamSpec::integer_list("seeds", "seeds of the runs").at_least(0));
    std::vector<std::uint64_t> seeds;
    seeds.reserve(items.size());
    std::unordered_map<std::uint64_t, std::size_t> first;  // seed -> its index (linear, not a scan per seed)
    for (std::size_t i = 0; i < items.size(); ++i) {
      const auto seed = items[i].get<std::uint64_t>();
      if (const auto [at, fresh] = first.emplace(seed, i); !fresh) {
        where.child(i).fail(fmt::format("duplicate seed {} (the same as /seeds/{}): a seed listed twice counts its "
                                        "run twice in every mean and narrows the confidence band",
                                        seed, at->second));
      }
      seeds.push_back(seed);
    }
    return seeds;
  }
  const Json wrapper = {{"seeds", node}};
  const auto count = read_param(wrapper, Location{"", nullptr},
                                ParamSpec::integer("seeds", "number of seeds (0, 1, …) or a list of seeds")
                                    .at_least(1)
                                    .at_most(1e6))
                         .get<std::uint64_t>();
  std::vector<std::uint64_t> seeds(count);
  for (std::uint64_t k = 0; k < count; ++k) seeds[k] = k;
  return seeds;
}

struct Variant {
  std::string label;
  Json overrides = Json::object();
  std::string pointer;  // "/variants/i", or "" for the implicit single variant
};

std::vector<Variant> read_variants(const Json& spec) {
  if (!spec.contains("variants")) return {Variant{}};
  const Json& node = spec.at("variants");
  const Location where{"/variants", nullptr};
  if (!node.is_array() || node.empty()) {
    where.fail("must be a non-empty list of variants ({\"label\": ..., run-level keys ...}), got " +
               describe_value(node));
  }
  const auto allowed = concat({"label"}, run_level_keys());
  std::vector<Variant> variants;
  std::unordered_map<std::string, std::size_t> first_label;  // label -> its variant (linear in the variants)
  for (std::size_t i = 0; i < node.size(); ++i) {
    const Location at = where.child(i);
    const Json& v = node[i];
    require_object(v, at, "a variant");
    reject_unknown_keys(v, at, allowed, "a variant");
    if (!v.contains("label")) at.fail("missing required key \"label\" (the variant's name in plots and tables)");
    if (!v.at("label").is_string() || v.at("label").get<std::string>().empty()) {
      at.child("label").fail("must be a non-empty string, got " + describe_value(v.at("label")));
    }
    // Labels go on every metrics.csv row and into plot legends: no control characters, bounded.
    if (auto broken = text_rule_broken(v.at("label").get_ref<const std::string&>(), kMaxLabelBytes)) {
      at.child("label").fail("a label " + *broken);
    }
    Variant variant{v.at("label").get<std::string>(), v, at.pointer};
    variant.overrides.erase("label");
    if (const auto [earlier, fresh] = first_label.emplace(variant.label, i); !fresh) {
      at.child("label").fail(fmt::format("duplicate label {} (the same as /variants/{}/label)",
                                         Json(variant.label).dump(), earlier->second));
    }
    variants.push_back(std::move(variant));
  }
  return variants;
}

// One swept dotted path and its values.
struct SweepPath {
  std::string path;                // dotted, as written
  std::vector<std::string> parts;  // split at dots
  Json values;
  std::string source;  // JSON pointer of the value list in the file
};

// One dimension of the grid: a single path, or several that move together (`zip`).
struct SweepAxis {
  std::vector<SweepPath> paths;
  std::size_t size() const { return paths.front().values.size(); }
};

SweepPath read_sweep_path(const std::string& path, const Json& values, const Location& at) {
  SweepPath swept{path, {}, values, at.pointer};
  std::stringstream split(path);
  for (std::string part; std::getline(split, part, '.');) swept.parts.push_back(part);
  if (path.empty() || path.back() == '.' ||
      std::any_of(swept.parts.begin(), swept.parts.end(), [](auto& s) { return s.empty(); })) {
    at.fail("a sweep key must be a dotted path such as \"schedule.period\"");
  }
  if (!contains(run_level_keys(), swept.parts[0])) {
    std::string rule = fmt::format("\"{}\" is not a run-level key (valid: {})", swept.parts[0],
                                   join_names(run_level_keys()));
    if (auto guess = closest_name(swept.parts[0], run_level_keys())) rule += fmt::format("; did you mean \"{}\"?", *guess);
    at.fail(rule);
  }
  if (!values.is_array() || values.empty()) at.fail("must be a non-empty list of values, got " + describe_value(values));
  return swept;
}

// {"path": [values], ..., "zip": {"path": [values], ...} or a list of such objects}: every plain
// path is one axis of the grid; the paths of one zip group move together (equal lengths).
std::vector<SweepAxis> read_sweep(const Json& spec) {
  if (!spec.contains("sweep")) return {};
  const Json& node = spec.at("sweep");
  const Location where{"/sweep", nullptr};
  require_object(node, where, "sweep (dotted path -> list of values, or \"zip\")");
  std::vector<SweepAxis> axes;
  std::set<std::string> seen;
  auto add_path = [&](SweepAxis& axis, const std::string& path, const Json& values, const Location& at) {
    if (!seen.insert(path).second) at.fail(fmt::format("\"{}\" is swept twice", path));
    axis.paths.push_back(read_sweep_path(path, values, at));
  };
  for (const auto& [key, value] : node.items()) {
    if (key != "zip") {
      SweepAxis axis;
      add_path(axis, key, value, where.child(key));
      axes.push_back(std::move(axis));
      continue;
    }
    const Location zip_at = where.child("zip");
    const Json groups = value.is_array() ? value : Json::array({value});
    for (std::size_t g = 0; g < groups.size(); ++g) {
      const Location group_at = value.is_array() ? zip_at.child(g) : zip_at;
      const Json& group = groups[g];
      require_object(group, group_at, "a zip group (dotted path -> list of values, all of one length)");
      if (group.empty()) group_at.fail("a zip group needs at least one path");
      SweepAxis axis;
      for (const auto& [path, values] : group.items()) {
        add_path(axis, path, values, group_at.child(path));
        if (axis.paths.back().values.size() != axis.size()) {
          group_at.child(path).fail(fmt::format("must have as many values as \"{}\" ({}), got {}",
                                                axis.paths.front().path, axis.size(), values.size()));
        }
      }
      axes.push_back(std::move(axis));
    }
  }
  return axes;
}

// A value with every number that is an integer written as an integer (2.0 -> 2), so that two
// spellings of one value compare equal once dumped (object keys are sorted by the dump).
Json canonical_value(const Json& value) {
  if (value.is_number_float()) {
    const double x = value.get<double>();
    if (std::floor(x) == x && std::abs(x) <= 9007199254740992.0) return Json(static_cast<std::int64_t>(x));
    return value;
  }
  if (value.is_number_unsigned() && value.get<std::uint64_t>() <= static_cast<std::uint64_t>(INT64_MAX)) {
    return Json(value.get<std::int64_t>());
  }
  if (value.is_array() || value.is_object()) {
    Json out = value;
    for (auto& item : out) item = canonical_value(item);
    return out;
  }
  return value;
}

// A value listed twice on one axis (or a tuple twice in a zip group) would run the same
// configuration twice and count it twice in every mean and confidence band. Linear: a hash map.
void reject_duplicate_sweep_values(const std::vector<SweepAxis>& axes) {
  for (const SweepAxis& axis : axes) {
    std::unordered_map<std::string, std::size_t> first;
    for (std::size_t i = 0; i < axis.size(); ++i) {
      Json key = Json::array();
      for (const SweepPath& path : axis.paths) key.push_back(canonical_value(path.values[i]));
      const auto [earlier, fresh] = first.emplace(key.dump(), i);
      if (fresh) continue;
      const SweepPath& lead = axis.paths.front();
      if (axis.paths.size() == 1) {
        throw SpecError(lead.source + "/" + std::to_string(i),
                        fmt::format("duplicate value {} (the same as {}/{}): every run would be made and counted "
                                    "twice; list each value once",
                                    describe_value(lead.values[i]), lead.source, earlier->second));
      }
      throw SpecError(lead.source + "/" + std::to_string(i),
                      fmt::format("duplicate zip tuple: item {} of every path of this group equals item {} (the "
                                  "same as {}/{}): every run would be made and counted twice; list each tuple once",
                                  i, earlier->second, lead.source, earlier->second));
    }
  }
}

// Sets `value` at the dotted path inside `run`; the parent objects must already exist.
void assign_swept(Json& run, const SweepPath& swept, const Json& value, const Variant& variant) {
  Json* node = &run;
  for (std::size_t k = 0; k + 1 < swept.parts.size(); ++k) {
    if (!node->is_object() || !node->contains(swept.parts[k]) || !node->at(swept.parts[k]).is_object()) {
      std::string parent;
      for (std::size_t j = 0; j <= k; ++j) parent += (j ? "." : "") + swept.parts[j];
      throw SpecError(swept.source,
                      fmt::format("\"{}\" is not an object in the run{}, so \"{}\" cannot be swept", parent,
                                  variant.label.empty() ? "" : " of variant \"" + variant.label + "\"", swept.path));
    }
    node = &node->at(swept.parts[k]);
  }
  (*node)[swept.parts.back()] = value;
}

std::string run_pointer(const SweepPath& swept) {
  std::string pointer;
  for (const auto& part : swept.parts) pointer += "/" + pointer_token(part);
  return pointer;
}

// The bytes of every string (keys excluded) inside a JSON value.
double string_bytes(const Json& value) {
  if (value.is_string()) return static_cast<double>(value.get_ref<const std::string&>().size());
  double total = 0;
  if (value.is_array() || value.is_object()) {
    for (const auto& item : value) total += string_bytes(item);
  }
  return total;
}

MemoryEstimate estimate_memory(const ExperimentSpec& spec, const MemoryBudget& budget,
                               const std::optional<MemoryLimit>& limit) {
  MemoryEstimate m;
  m.data = budget.data();
  m.problems = budget.problems();
  m.concurrent_runs = budget.concurrent_runs();
  m.runs = spec.runs.size();
  m.limit = limit;
  const RunSpec* largest = nullptr;
  double strings = 0;
  for (const RunSpec& r : spec.runs) {
    m.metric_rows += static_cast<double>(r.eval_rows);
    const auto bytes = [&](const RunSpec& run) { return spec.split_ranks > 0 ? run.split_memory_bytes : run.memory_bytes; };
    if (largest == nullptr || bytes(r) > bytes(*largest)) largest = &r;
    // The constants below are measured with short strings; long ones cost in proportion.
    double row_text = static_cast<double>(r.variant.size());
    for (const auto& [path, value] : r.swept.items()) {
      row_text += static_cast<double>(value.is_string() ? value.get_ref<const std::string&>().size() : value.dump().size());
    }
    strings += static_cast<double>(r.eval_rows) * row_text * kCopiesOfRowText +
               (row_text + string_bytes(r.config)) * kCopiesOfRunText;
  }
  m.results = static_cast<double>(m.runs) * kBytesPerRun + m.metric_rows * kBytesPerMetricRow + strings;
  if (spec.split_ranks > 0) m.concurrent_runs = 1;  // one split run at a time, over all ranks
  if (largest != nullptr) {
    m.per_run = spec.split_ranks > 0 ? largest->split_memory_bytes : largest->memory_bytes;
    const BuildContext context = largest->context();
    m.largest_run = fmt::format("run {}, {}: {} workers x d = {} x {} vectors, {} metric rows", largest->index,
                                describe_run(*largest), largest->workers, largest->build_problem()->dim(),
                                2 + largest->optimizer.build(context)->state_vectors(), largest->eval_rows);
    if (spec.split_ranks > 0) {
      const WorkerShares shares(static_cast<std::size_t>(largest->workers), spec.split_ranks);
      m.largest_run += fmt::format(", split among {} rank{}: at most {} workers on one", spec.split_ranks,
                                   spec.split_ranks == 1 ? "" : "s", shares.most_workers());
    }
  }
  return m;
}

// What would shrink the largest part of the estimate.
std::string memory_advice(const MemoryEstimate& m) {
  const double runs = static_cast<double>(m.concurrent_runs) * m.per_run;
  if (m.results >= runs && m.results >= m.data) {
    return "evaluate at fewer points (eval.points, or a larger eval.every) or split the sweep";
  }
  if (runs >= m.data) return "use fewer workers or a smaller problem, or run fewer runs at once (--threads)";
  return "use a smaller problem (fewer samples or dimensions)";
}

}  // namespace

std::string describe_run(const RunSpec& run) {
  std::string text = fmt::format("{} seed={}", run.variant, run.seed);
  for (const auto& [path, value] : run.swept.items()) {
    if (!value.is_null()) text += fmt::format(" {}={}", path, value.dump());  // null: the variant does not take it
  }
  return text;
}

const std::vector<std::string>& run_level_keys() {
  static const std::vector<std::string> keys = [] {
    std::vector<std::string> out = {"problem", "workers", "steps", "batch", "step_size", "schedule", "optimizer"};
    for (const auto& key : round_keys()) out.push_back(key);
    for (const char* key : {"clock", "eval", "targets", "trace"}) out.emplace_back(key);
    return out;
  }();
  return keys;
}

std::vector<long> EvalSettings::steps(long total_steps) const {
  return every ? evaluation_steps_every(total_steps, *every) : evaluation_steps(total_steps, points, spacing);
}

long EvalSettings::count(long total_steps) const {
  if (every) return (total_steps + *every - 1) / *every + 1;  // 0, k, 2k, … below T, and T
  return std::min<long>(points, total_steps + 1);
}

ExperimentSpec parse_spec(const Json& spec, const std::string& default_name,
                          const std::filesystem::path& base_folder, const SpecOptions& options) {
  const Location root{"", nullptr};
  require_object(spec, root, "a spec");
  reject_unknown_keys(spec, root, concat(kTopLevelOnlyKeys, run_level_keys()), "the spec");

  ExperimentSpec out;
  out.name = default_name;
  // Every name, given or taken from the file name, names a folder strictly inside the output root.
  if (spec.contains("name")) {
    const Json& name = spec.at("name");
    if (!name.is_string()) {
      root.child("name").fail("must be a non-empty string usable as a folder name, got " + describe_value(name));
    }
    if (auto broken = folder_name_rule_broken(name.get_ref<const std::string&>())) {
      root.child("name").fail("must be a non-empty string usable as a folder name: the name " + *broken);
    }
    out.name = name.get<std::string>();
  } else if (auto broken = folder_name_rule_broken(default_name)) {
    root.child("name").fail(fmt::format("missing, and the default name (the spec file's name without .json, {}) {}; "
                                        "add \"name\": \"...\" to the spec",
                                        quoted_for_message(default_name), *broken));
  }
  out.seeds = read_seeds(spec);
  const std::vector<Variant> variants = read_variants(spec);
  const std::vector<SweepAxis> axes = read_sweep(spec);
  for (const auto& axis : axes) {
    for (const auto& swept : axis.paths) out.swept_paths.push_back(swept.path);
  }
  // Sizes before contents: the run count is known before any sweep value is compared.
  double run_count = static_cast<double>(variants.size() * out.seeds.size());
  for (const auto& axis : axes) run_count *= static_cast<double>(axis.size());
  if (run_count > static_cast<double>(kMaxRuns)) {
    throw SpecError("", fmt::format("the spec expands to {:.0f} runs (variants x sweep points x seeds); at most {} "
                                    "are allowed: split it into several specs",
                                    run_count, kMaxRuns));
  }
  reject_duplicate_sweep_values(axes);
  out.plots = read_plots(spec, out.swept_paths);

  Json base = Json::object();
  for (const auto& key : run_level_keys()) {
    if (spec.contains(key)) base[key] = spec.at(key);
  }
  std::size_t grid_size = 1;
  for (const auto& axis : axes) grid_size *= axis.size();
  const std::size_t threads =
      options.threads > 0 ? options.threads : static_cast<std::size_t>(std::max(1, tbb::info::default_concurrency()));
  // Split runs execute one at a time, each over all the ranks.
  const bool may_split = options.split != SpecOptions::Split::never;
  const std::size_t concurrent =
      options.split == SpecOptions::Split::always ? 1 : std::min(threads, static_cast<std::size_t>(run_count));
  MemoryBudget budget(options.memory_limit, concurrent, may_split ? options.ranks : 1);
  if (options.memory_limit && run_count * kBytesPerRun > static_cast<double>(options.memory_limit->bytes)) {
    throw SpecError("", fmt::format("the spec's {:.0f} runs need about {} for their records alone; the limit is {} "
                                    "({}); split it into several specs",
                                    run_count, format_bytes(run_count * kBytesPerRun),
                                    format_bytes(static_cast<double>(options.memory_limit->bytes)),
                                    options.memory_limit->source));
  }

  // One cache for the spec: its runs share every problem validation built.
  const auto problems = std::make_shared<ProblemCache>(options.check_only);
  Json resolved_variants = Json::array();
  // A swept key that a variant's types do not take (a Sync baseline beside a swept period) is not
  // applied to that variant: it runs once for each point of the other swept keys, with the key's
  // swept value null (an empty cell in the CSV files). A key that no variant takes is an error.
  // path -> the most helpful refusal (one with a "did you mean"), and the variant it came from
  std::map<std::string, std::optional<std::pair<UnknownKeyError, std::string>>> never_taken;
  for (const auto& axis : axes) {
    for (const auto& path : axis.paths) never_taken.emplace(path.path, std::nullopt);
  }
  std::set<std::string> taken_somewhere;
  for (const Variant& variant : variants) {
    std::vector<Json> points_done;  // the variant's distinct swept points (without the keys it does not take)
    for (std::size_t g = 0; g < grid_size; ++g) {
      std::size_t rest = g;  // the grid point's index, last axis fastest
      std::vector<std::size_t> choice(axes.size());
      for (std::size_t a = axes.size(); a-- > 0;) {
        choice[a] = rest % axes[a].size();
        rest /= axes[a].size();
      }
      std::set<std::string> not_taken;
      std::optional<RunSpec> attempt;
      Json swept = Json::object();
      while (!attempt) {
        Json run = base;
        SourceMap sources;
        sources.add("", "");
        for (const auto& [key, value] : variant.overrides.items()) {
          run[key] = value;
          sources.add("/" + key, variant.pointer + "/" + key);
        }
        swept = Json::object();
        for (std::size_t a = 0; a < axes.size(); ++a) {
          for (const SweepPath& path : axes[a].paths) {
            if (not_taken.contains(path.path)) {
              swept[path.path] = nullptr;
              continue;
            }
            const Json& value = path.values[choice[a]];
            assign_swept(run, path, value, variant);
            sources.add(run_pointer(path), path.source + "/" + std::to_string(choice[a]));
            swept[path.path] = value;
          }
        }
        try {
          attempt = parse_run(run, sources, variant.pointer, base_folder, budget, problems,
                              may_split ? options.ranks : 0);
        } catch (const UnknownKeyError& e) {
          // Refused exactly at a swept value: this variant's type does not take the key.
          const SweepPath* refused = nullptr;
          for (std::size_t a = 0; a < axes.size() && !refused; ++a) {
            for (const SweepPath& path : axes[a].paths) {
              if (!not_taken.contains(path.path) && e.pointer() == path.source + "/" + std::to_string(choice[a])) {
                refused = &path;
              }
            }
          }
          if (!refused) throw;
          not_taken.insert(refused->path);
          auto& refusal = never_taken.at(refused->path);
          if (!refusal || (refusal->first.rule().find("did you mean") == std::string::npos &&
                           e.rule().find("did you mean") != std::string::npos)) {
            refusal.emplace(e, variant.label);
          }
        }
      }
      for (const auto& [path, value] : swept.items()) {
        if (!value.is_null()) taken_somewhere.insert(path);
      }
      if (std::find(points_done.begin(), points_done.end(), swept) != points_done.end()) continue;
      points_done.push_back(swept);
      RunSpec parsed = std::move(*attempt);
      parsed.variant = variant.label.empty() ? parsed.schedule.type() : variant.label;
      parsed.swept = swept;
      if (g == 0) {
        Json entry = {{"label", parsed.variant}};
        for (const auto& [key, value] : parsed.config.items()) entry[key] = value;
        resolved_variants.push_back(entry);
        out.variants.push_back(parsed.variant);
      }
      for (std::uint64_t seed : out.seeds) {
        RunSpec r = parsed;
        r.seed = seed;
        r.index = out.runs.size();
        out.runs.push_back(std::move(r));
      }
    }
  }

  for (const auto& [path, refusal] : never_taken) {
    if (!taken_somewhere.contains(path) && refusal) {
      const auto& [error, label] = *refusal;
      throw SpecError(error.pointer(), variants.size() > 1 || !label.empty()
                                           ? fmt::format("{} (in variant \"{}\"; no variant takes this swept key)",
                                                         error.rule(), label)
                                           : error.rule());
    }
  }

  check_bytes_plots(out.plots, out.counts_bytes());
  // The default plots of a spec with asynchronous runs include the staleness histogram.
  if (!spec.contains("plots") &&
      std::any_of(out.runs.begin(), out.runs.end(), [](const RunSpec& r) { return r.round.asynchronous(); })) {
    out.plots.push_back(default_staleness_plot(spec));
  }

  if (spec.contains("expect")) {
    const Json& node = spec.at("expect");
    const Location where{"/expect", nullptr};
    if (!node.is_array()) where.fail("must be a list of checks ({\"type\": ...}), got " + describe_value(node));
    for (std::size_t i = 0; i < node.size(); ++i) {
      out.expectations.push_back(read_expectation(node[i], where.child(i), out));
    }
  }

  const auto unsplittable = std::find_if(out.runs.begin(), out.runs.end(), [](const RunSpec& r) { return r.split_refusal.has_value(); });
  if (options.split == SpecOptions::Split::always) {
    if (unsplittable != out.runs.end()) throw *unsplittable->split_refusal;
    out.split_ranks = options.ranks;
  }
  out.memory = estimate_memory(out, budget, options.memory_limit);
  // Automatic: split when a whole run per rank would not fit but a share of each run would.
  if (options.split == SpecOptions::Split::automatic && options.ranks > 1 && out.memory.exceeds_limit() &&
      unsplittable == out.runs.end()) {
    out.split_ranks = options.ranks;
    out.memory = estimate_memory(out, budget, options.memory_limit);
  }
  if (out.memory.exceeds_limit()) {
    std::string split_note;
    if (options.split == SpecOptions::Split::automatic && options.ranks > 1 && unsplittable != out.runs.end()) {
      split_note = fmt::format(" (its runs cannot be split among the {} ranks: {})", options.ranks,
                               unsplittable->split_refusal->what());
    }
    throw SpecError("", fmt::format("needs {}; the limit is {}; {}, or raise the limit with --max-memory{}",
                                    out.memory.describe(), out.memory.describe_limit(), memory_advice(out.memory),
                                    split_note));
  }

  Json plots = Json::array();
  for (const auto& p : out.plots) plots.push_back(p.to_json());
  out.resolved = {{"name", out.name}, {"seeds", out.seeds}, {"variants", resolved_variants}, {"plots", plots}};
  if (!axes.empty()) out.resolved["sweep"] = spec.at("sweep");
  if (!out.expectations.empty()) {
    out.resolved["expect"] = Json::array();
    for (const auto& e : out.expectations) out.resolved["expect"].push_back(e.resolved());
  }
  return out;
}

ExperimentSpec parse_spec_text(std::string_view text, const std::string& name,
                               const std::filesystem::path& base_folder, const SpecOptions& options) {
  Json spec;
  const std::string shown = printable_text(name);  // messages stay one line whatever the file's name
  try {
    spec = parse_strict_json(text);
  } catch (const JsonSyntaxError& e) {
    throw SpecFileError(fmt::format("{}: {}", shown, e.what()));
  } catch (const JsonStructureError& e) {
    throw SpecFileError(fmt::format("{}: {}", shown, e.what()));
  }
  try {
    return parse_spec(spec, std::filesystem::path(name).stem().string(), base_folder, options);
  } catch (const SpecError& e) {
    throw SpecFileError(fmt::format("{}: {}", shown, e.what()));
  }
}

std::vector<PlotSpec> read_spec_plots(const Json& spec) {
  std::vector<std::string> swept_paths;
  for (const auto& axis : read_sweep(spec)) {
    for (const auto& swept : axis.paths) swept_paths.push_back(swept.path);
  }
  return read_plots(spec, swept_paths);
}

ExperimentSpec load_spec(const std::filesystem::path& file, const SpecOptions& options) {
  return parse_spec_text(read_spec_file(file), file.string(), file.parent_path(), options);
}

std::string read_spec_file(const std::filesystem::path& file) {
  const std::string name = printable_text(file.string());
  std::error_code error;
  if (std::filesystem::is_directory(file, error)) throw SpecFileError(fmt::format("{}: is a folder, not a spec file", name));
  std::ifstream in(file, std::ios::binary);
  if (!in) throw SpecFileError(fmt::format("{}: cannot open the spec file for reading", name));
  // Refuse to read a huge file into memory: a spec is a few kilobytes (a long list of seeds, a
  // few megabytes).
  constexpr std::size_t kMaxSpecBytes = 64u << 20;
  std::string text;
  char chunk[65536];
  while (text.size() <= kMaxSpecBytes && in.read(chunk, sizeof chunk).gcount() > 0) {
    text.append(chunk, static_cast<std::size_t>(in.gcount()));
  }
  if (in.bad()) throw SpecFileError(fmt::format("{}: cannot read the spec file", name));
  if (text.size() > kMaxSpecBytes) {
    throw SpecFileError(fmt::format("{}: the spec file is larger than {} MiB; is it the right file?", name,
                                    kMaxSpecBytes >> 20));
  }
  return text;
}

bool ExperimentSpec::compressed() const {
  return std::any_of(runs.begin(), runs.end(), [](const RunSpec& r) { return r.round.compressed(); });
}

std::optional<double> RunSpec::spectral_gap() const {
  if (!round.gossips()) return std::nullopt;
  return topology::fixed_spectral_gap(pipeline().gossip.topology, workers);
}

bool ExperimentSpec::counts_bytes() const {
  return std::any_of(runs.begin(), runs.end(), [](const RunSpec& r) { return r.round.counts_bytes(); });
}

}  // namespace localsgd
