#include "experiments/spec.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "experiments/spec_error.hpp"

namespace localsgd {

namespace {

const std::vector<std::string> kTopLevelOnlyKeys = {"name", "variants", "sweep", "seeds", "plots"};
const std::vector<std::string> kPlotAxesX = {"step", "round", "samples", "time"};
const std::vector<std::string> kPlotAxesY = {"loss", "gap", "grad_norm_sq", "consensus"};

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
      ParamSpec::integer("points", "evaluation points, including step 0 and step T").at_least(2).defaults_to(100),
      ParamSpec::text("spacing", "spacing of the points").one_of({"log", "linear"}).defaults_to("log"),
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
  eval.spacing = params.text("spacing") == "log" ? EvalSpacing::log : EvalSpacing::linear;
  return eval;
}

Json eval_json(const EvalSettings& eval) {
  if (eval.every) return {{"every", *eval.every}};
  return {{"points", eval.points}, {"spacing", eval.spacing == EvalSpacing::log ? "log" : "linear"}};
}

template <class Product>
Configured<Product> read_typed(const Registry<Product>& registry, const Json& run, const Location& root,
                               const std::string& key, const Json& fallback, const BuildContext& context) {
  const Json& node = run.contains(key) ? run.at(key) : fallback;
  return registry.read(node, root.child(key), context);
}

// Reads the run-level keys of one assembled run. `missing_at` is where a missing required key
// should be added (the variant, when there are variants).
RunSpec parse_run(const Json& run, const SourceMap& sources, const std::string& missing_at,
                  const std::filesystem::path& base_folder) {
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
  r.base_folder = base_folder;
  const BuildContext context = r.context();
  r.problem = read_typed(problem_registry(), run, root, "problem", Json(), context);
  r.schedule = read_typed(schedule_registry(), run, root, "schedule", Json(), context);
  r.step_size = read_typed(step_size_registry(), run, root, "step_size", Json(), context);
  r.optimizer = read_typed(optimizer_registry(), run, root, "optimizer", Json{{"type", "sgd"}}, context);

  const Json default_clock = Json::object();
  const Json& clock = run.contains("clock") ? run.at("clock") : default_clock;
  const Location clock_at = root.child("clock");
  require_object(clock, clock_at, "clock");
  const std::vector<std::string> clock_keys = {"compute", "network"};
  reject_unknown_keys(clock, clock_at, clock_keys, "clock");
  r.compute = read_typed(compute_registry(), clock, clock_at, "compute", Json{{"type", "constant"}}, context);
  r.network = read_typed(network_registry(), clock, clock_at, "network", Json{{"type", "constant"}}, context);
  r.eval = read_eval(run, root);

  r.config = {{"problem", r.problem.resolved()},
              {"workers", r.workers},
              {"steps", r.steps},
              {"batch", r.batch},
              {"step_size", r.step_size.resolved()},
              {"schedule", r.schedule.resolved()},
              {"optimizer", r.optimizer.resolved()},
              {"clock", {{"compute", r.compute.resolved()}, {"network", r.network.resolved()}}},
              {"eval", eval_json(r.eval)}};
  return r;
}

std::vector<std::uint64_t> read_seeds(const Json& spec) {
  if (!spec.contains("seeds")) return {0};
  const Json& node = spec.at("seeds");
  const Location where{"/seeds", nullptr};
  if (node.is_array()) {
    if (node.empty()) where.fail("must be a non-empty list of seeds or a count >= 1");
    std::vector<std::uint64_t> seeds;
    for (std::size_t i = 0; i < node.size(); ++i) {
      const Json& s = node[i];
      if (!s.is_number_integer() || s.get<std::int64_t>() < 0) {
        where.child(i).fail("a seed must be an integer >= 0, got " + describe_value(s));
      }
      const auto seed = s.get<std::uint64_t>();
      if (std::find(seeds.begin(), seeds.end(), seed) != seeds.end()) {
        where.child(i).fail(fmt::format("duplicate seed {}", seed));
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
  for (std::size_t i = 0; i < node.size(); ++i) {
    const Location at = where.child(i);
    const Json& v = node[i];
    require_object(v, at, "a variant");
    reject_unknown_keys(v, at, allowed, "a variant");
    if (!v.contains("label")) at.fail("missing required key \"label\" (the variant's name in plots and tables)");
    if (!v.at("label").is_string() || v.at("label").get<std::string>().empty()) {
      at.child("label").fail("must be a non-empty string, got " + describe_value(v.at("label")));
    }
    Variant variant{v.at("label").get<std::string>(), v, at.pointer};
    variant.overrides.erase("label");
    for (const auto& earlier : variants) {
      if (earlier.label == variant.label) at.child("label").fail(fmt::format("duplicate label \"{}\"", variant.label));
    }
    variants.push_back(std::move(variant));
  }
  return variants;
}

struct SweepAxis {
  std::string path;                // dotted, as written
  std::vector<std::string> parts;  // split at dots
  Json values;
};

std::vector<SweepAxis> read_sweep(const Json& spec) {
  if (!spec.contains("sweep")) return {};
  const Json& node = spec.at("sweep");
  const Location where{"/sweep", nullptr};
  require_object(node, where, "sweep (dotted path -> list of values)");
  std::vector<SweepAxis> axes;
  for (const auto& [path, values] : node.items()) {
    const Location at = where.child(path);
    SweepAxis axis{path, {}, values};
    std::stringstream split(path);
    for (std::string part; std::getline(split, part, '.');) axis.parts.push_back(part);
    if (axis.parts.empty() || std::any_of(axis.parts.begin(), axis.parts.end(), [](auto& s) { return s.empty(); })) {
      at.fail("a sweep key must be a dotted path such as \"schedule.period\"");
    }
    if (!contains(run_level_keys(), axis.parts[0])) {
      std::string rule = fmt::format("\"{}\" is not a run-level key (valid: {})", axis.parts[0],
                                     join_names(run_level_keys()));
      if (auto guess = closest_name(axis.parts[0], run_level_keys())) rule += fmt::format("; did you mean \"{}\"?", *guess);
      at.fail(rule);
    }
    if (!values.is_array() || values.empty()) at.fail("must be a non-empty list of values, got " + describe_value(values));
    axes.push_back(std::move(axis));
  }
  return axes;
}

std::vector<PlotSpec> read_plots(const Json& spec) {
  if (!spec.contains("plots")) {
    return {{"step", "gap", true, true}, {"round", "gap", false, true}, {"time", "gap", false, true}};
  }
  const Json& node = spec.at("plots");
  const Location where{"/plots", nullptr};
  if (!node.is_array()) where.fail("must be a list of plots ({\"x\": ..., \"y\": ...}), got " + describe_value(node));
  const std::vector<ParamSpec> specs = {
      ParamSpec::text("x", "horizontal axis").one_of(kPlotAxesX),
      ParamSpec::text("y", "vertical axis").one_of(kPlotAxesY),
      ParamSpec::boolean("log_x", "logarithmic x axis").defaults_to(false),
      ParamSpec::boolean("log_y", "logarithmic y axis").defaults_to(true),
  };
  std::vector<PlotSpec> plots;
  for (std::size_t i = 0; i < node.size(); ++i) {
    const Params p = read_params(node[i], where.child(i), specs, {}, "a plot");
    PlotSpec plot{p.text("x"), p.text("y"), p.boolean("log_x"), p.boolean("log_y")};
    for (const auto& earlier : plots) {
      if (earlier.file_stem() == plot.file_stem()) where.child(i).fail("duplicate plot " + plot.file_stem());
    }
    plots.push_back(plot);
  }
  return plots;
}

// Sets `value` at the dotted path inside `run`; the parent objects must already exist.
void assign_swept(Json& run, const SweepAxis& axis, const Json& value, const Variant& variant) {
  Json* node = &run;
  for (std::size_t k = 0; k + 1 < axis.parts.size(); ++k) {
    if (!node->is_object() || !node->contains(axis.parts[k]) || !node->at(axis.parts[k]).is_object()) {
      std::string parent;
      for (std::size_t j = 0; j <= k; ++j) parent += (j ? "." : "") + axis.parts[j];
      throw SpecError("/sweep/" + pointer_token(axis.path),
                      fmt::format("\"{}\" is not an object in the run{}, so \"{}\" cannot be swept", parent,
                                  variant.label.empty() ? "" : " of variant \"" + variant.label + "\"", axis.path));
    }
    node = &node->at(axis.parts[k]);
  }
  (*node)[axis.parts.back()] = value;
}

std::string run_pointer(const SweepAxis& axis) {
  std::string pointer;
  for (const auto& part : axis.parts) pointer += "/" + pointer_token(part);
  return pointer;
}

}  // namespace

const std::vector<std::string>& run_level_keys() {
  static const std::vector<std::string> keys = {"problem", "workers", "steps", "batch", "step_size",
                                                "schedule", "optimizer", "clock", "eval"};
  return keys;
}

std::vector<long> EvalSettings::steps(long total_steps) const {
  return every ? evaluation_steps_every(total_steps, *every) : evaluation_steps(total_steps, points, spacing);
}

ExperimentSpec parse_spec(const Json& spec, const std::string& default_name,
                          const std::filesystem::path& base_folder) {
  const Location root{"", nullptr};
  require_object(spec, root, "a spec");
  reject_unknown_keys(spec, root, concat(kTopLevelOnlyKeys, run_level_keys()), "the spec");

  ExperimentSpec out;
  out.name = default_name;
  if (spec.contains("name")) {
    const Json& name = spec.at("name");
    const bool valid = name.is_string() && !name.get<std::string>().empty() &&
                       name.get<std::string>().find_first_of("/\\") == std::string::npos &&
                       name.get<std::string>() != "." && name.get<std::string>() != "..";
    if (!valid) root.child("name").fail("must be a non-empty string usable as a folder name, got " + describe_value(name));
    out.name = name.get<std::string>();
  }
  out.seeds = read_seeds(spec);
  out.plots = read_plots(spec);
  const std::vector<Variant> variants = read_variants(spec);
  const std::vector<SweepAxis> axes = read_sweep(spec);
  for (const auto& axis : axes) out.swept_paths.push_back(axis.path);

  Json base = Json::object();
  for (const auto& key : run_level_keys()) {
    if (spec.contains(key)) base[key] = spec.at(key);
  }

  std::size_t grid_size = 1;
  for (const auto& axis : axes) grid_size *= axis.values.size();
  if (grid_size * variants.size() * out.seeds.size() > 1000000) {
    throw SpecError("", fmt::format("the spec expands to {} runs; at most 1000000 are allowed",
                                    grid_size * variants.size() * out.seeds.size()));
  }

  Json resolved_variants = Json::array();
  for (const Variant& variant : variants) {
    for (std::size_t g = 0; g < grid_size; ++g) {
      Json run = base;
      SourceMap sources;
      sources.add("", "");
      for (const auto& [key, value] : variant.overrides.items()) {
        run[key] = value;
        sources.add("/" + key, variant.pointer + "/" + key);
      }
      Json swept = Json::object();
      std::size_t rest = g;  // the grid point's index, last axis fastest
      std::vector<std::size_t> choice(axes.size());
      for (std::size_t a = axes.size(); a-- > 0;) {
        choice[a] = rest % axes[a].values.size();
        rest /= axes[a].values.size();
      }
      for (std::size_t a = 0; a < axes.size(); ++a) {
        const Json& value = axes[a].values[choice[a]];
        assign_swept(run, axes[a], value, variant);
        sources.add(run_pointer(axes[a]), "/sweep/" + pointer_token(axes[a].path) + "/" + std::to_string(choice[a]));
        swept[axes[a].path] = value;
      }
      RunSpec parsed = parse_run(run, sources, variant.pointer, base_folder);
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

  Json plots = Json::array();
  for (const auto& p : out.plots) plots.push_back({{"x", p.x}, {"y", p.y}, {"log_x", p.log_x}, {"log_y", p.log_y}});
  out.resolved = {{"name", out.name}, {"seeds", out.seeds}, {"variants", resolved_variants}, {"plots", plots}};
  if (!axes.empty()) out.resolved["sweep"] = spec.at("sweep");
  return out;
}

ExperimentSpec load_spec(const std::filesystem::path& file) {
  const std::string name = file.string();
  std::ifstream in(file, std::ios::binary);
  if (!in) throw SpecFileError(fmt::format("{}: cannot open the spec file for reading", name));
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  Json spec;
  try {
    spec = Json::parse(text);
  } catch (const Json::parse_error& e) {
    std::size_t line = 1;
    std::size_t column = 1;
    for (std::size_t i = 0; i + 1 < e.byte && i < text.size(); ++i) {
      if (text[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    std::string reason = e.what();
    // nlohmann: "[json.exception.parse_error.101] parse error at line 3, column 5: <reason>"
    if (auto at = reason.find("column"); at != std::string::npos) {
      if (auto colon = reason.find(": ", at); colon != std::string::npos) reason = reason.substr(colon + 2);
    }
    throw SpecFileError(fmt::format("{}: line {}, column {}: invalid JSON: {}", name, line, column, reason));
  }
  try {
    return parse_spec(spec, file.stem().string(), file.parent_path());
  } catch (const SpecError& e) {
    throw SpecFileError(fmt::format("{}: {}", name, e.what()));
  }
}

}  // namespace localsgd
