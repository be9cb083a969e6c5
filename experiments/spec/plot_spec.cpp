#include "experiments/spec/plot_spec.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <unordered_map>

#include "experiments/language/spec_error.hpp"

namespace localsgd {

namespace {

const std::vector<std::string> kPlotAxesX = kAxisNames.list();
const std::vector<std::string> kPlotAxesY = kMetricNames.list();

// The swept paths and the two keys every run has: what a facet or a filter may name.
std::vector<std::string> run_attributes(const std::vector<std::string>& swept_paths) {
  std::vector<std::string> names = swept_paths;
  for (const char* key : {kVariantKey, kWorkersKey}) {
    if (std::find(names.begin(), names.end(), key) == names.end()) names.emplace_back(key);
  }
  return names;
}

// "where": {"<swept path or variant>": value or [values]}, every value a string, number or boolean;
// returned with each value made a list.
Json read_where(const Json& node, const Location& at, const std::vector<std::string>& swept_paths) {
  if (!node.is_object() || node.empty()) {
    at.fail("must be an object {\"<swept path or variant>\": value or [values], ...}, got " + describe_value(node));
  }
  const std::vector<std::string> keys = run_attributes(swept_paths);
  Json out = Json::object();
  for (const auto& [key, value] : node.items()) {
    const Location here = at.child(key);
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
      const auto near = closest_name(key, keys);
      here.fail(fmt::format("unknown filter \"{}\": filters name a swept path, variant or workers ({}){}", key,
                            join_names(keys), near ? fmt::format("; did you mean \"{}\"?", *near) : ""));
    }
    Json values = value.is_array() ? value : Json::array({value});
    if (values.empty()) here.fail("must list at least one value to keep");
    for (std::size_t i = 0; i < values.size(); ++i) {
      const Json& v = values[i];
      const bool scalar = v.is_string() || v.is_number() || v.is_boolean();
      if (!scalar || (key == kVariantKey && !v.is_string())) {
        (value.is_array() ? here.child(i) : here)
            .fail(fmt::format("must be {} (or a list of them), got {}",
                              key == kVariantKey ? "a variant label" : "a value of the swept path", describe_value(v)));
      }
    }
    out[key] = values;
  }
  return out;
}

// "size": [width, height] in pixels.
std::array<int, 2> read_size(const Json& node, const Location& at) {
  constexpr int kMin = 100, kMax = 20000;
  const auto fail = [&] {
    at.fail(
        fmt::format("must be [width, height], two integers from {} to {} (pixels; a PDF: hundredths of an inch), "
                    "got {}",
                    kMin, kMax, describe_value(node)));
  };
  if (!node.is_array() || node.size() != 2) fail();
  std::array<int, 2> size{};
  for (std::size_t i = 0; i < 2; ++i) {
    if (!node[i].is_number_integer() || node[i].get<long>() < kMin || node[i].get<long>() > kMax) fail();
    size[i] = node[i].get<int>();
  }
  return size;
}

// A file-name-safe form of a filter's text (labels may hold spaces and punctuation).
std::string file_safe(const std::string& text) {
  std::string out;
  for (char c : text) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                       c == '-' || c == '_' || c == '=' || c == '+';
    out += plain ? c : '-';
  }
  return out;
}

std::string where_text(const Json& value) { return value.is_string() ? value.get<std::string>() : value.dump(); }

// "plot_defaults": {"format": ..., "size": [w, h]}, applied to every plot that does not set them
// (also the default plots). Each plot in spec.resolved.json then carries them itself.
Json read_plot_defaults(const Json& spec) {
  if (!spec.contains("plot_defaults")) return Json::object();
  const Json& node = spec.at("plot_defaults");
  const Location at{"/plot_defaults", nullptr};
  require_object(node, at, "the plots' defaults");
  const std::vector<ParamSpec> specs = {
      ParamSpec::text("format", "output file format of every plot").one_of(kPlotFormatNames.list()).optional()};
  const std::string extra[] = {"size"};
  read_params(node, at, specs, extra, "plot_defaults");
  if (node.contains("size")) read_size(node.at("size"), at.child("size"));
  return node;
}

}  // namespace

PlotSpec default_staleness_plot(const Json& spec) {
  const Json defaults = read_plot_defaults(spec);
  PlotSpec plot;
  plot.kind = PlotKind::staleness;
  plot.log_y = false;
  plot.mean = default_mean(plot.log_y);
  if (defaults.contains("format")) plot.format = *kPlotFormatNames.parse(defaults.at("format").get<std::string>());
  if (defaults.contains("size")) plot.size = defaults.at("size").get<std::array<int, 2>>();
  return plot;
}

std::vector<PlotSpec> read_plots(const Json& spec, const std::vector<std::string>& swept_paths) {
  const Json defaults = read_plot_defaults(spec);
  if (!spec.contains("plots")) {
    PlotSpec by_step{PlotKind::curve, "step", Metric::gap, true, true},
        by_round{PlotKind::curve, "round", Metric::gap, false, true},
        by_time{PlotKind::curve, "time", Metric::gap, false, true};
    std::vector<PlotSpec> plots = {by_step, by_round, by_time};
    for (auto& plot : plots) {
      if (defaults.contains("format")) plot.format = *kPlotFormatNames.parse(defaults.at("format").get<std::string>());
      if (defaults.contains("size")) plot.size = defaults.at("size").get<std::array<int, 2>>();
    }
    return plots;
  }
  const Json& node = spec.at("plots");
  const Location where{"/plots", nullptr};
  if (!node.is_array()) where.fail("must be a list of plots ({\"x\": ..., \"y\": ...}), got " + describe_value(node));
  const auto y_param = ParamSpec::text("y", "vertical axis: the metric").one_of(kPlotAxesY);
  const auto swept_x = ParamSpec::text("x", "horizontal axis: a swept path").one_of(swept_paths);
  // Keys every kind takes.
  const std::vector<ParamSpec> common = {
      ParamSpec::text("facet", "one panel per value of this swept path, variant or workers")
          .one_of(run_attributes(swept_paths))
          .optional(),
      ParamSpec::text("format", "output file format").one_of(kPlotFormatNames.list()).defaults_to("png"),
      ParamSpec::text("mean", "summary over seeds (default: geometric on a log y axis)")
          .one_of(kPlotMeanNames.list())
          .optional()};
  const auto with_common = [&](std::vector<ParamSpec> specs) {
    specs.insert(specs.end(), common.begin(), common.end());
    return specs;
  };
  const std::vector<ParamSpec> curve =
      with_common({ParamSpec::text("x", "horizontal axis").one_of(kPlotAxesX), y_param,
                   ParamSpec::boolean("log_x", "logarithmic x axis").defaults_to(false),
                   ParamSpec::boolean("log_y", "logarithmic y axis").defaults_to(true)});
  const std::vector<ParamSpec> final_kind = with_common(
      {swept_x, y_param, ParamSpec::boolean("log_x", "logarithmic x axis").defaults_to(true),
       ParamSpec::boolean("log_y", "logarithmic y axis").defaults_to(true),
       ParamSpec::number("reference_slope", "draw a dashed reference line of this log-log slope").optional(),
       ParamSpec::boolean("mark_lupa_period", "mark the theory's period T^(2/3)/(pB)^(1/3) (x = schedule.period)")
           .defaults_to(false)});
  const std::vector<ParamSpec> time_to = with_common(
      {ParamSpec::text("x", "horizontal axis: a swept path (none: one bar per variant)").one_of(swept_paths).optional(),
       y_param, ParamSpec::number("value", "the target epsilon"),
       ParamSpec::text("by", "what is measured at the first hit").one_of(kPlotAxesX).defaults_to("time"),
       ParamSpec::boolean("log_x", "logarithmic x axis").defaults_to(false),
       ParamSpec::boolean("log_y", "logarithmic y axis").defaults_to(false)});
  const std::vector<ParamSpec> time_split = common;
  const std::vector<ParamSpec> staleness =
      with_common({ParamSpec::boolean("log_y", "logarithmic y axis (the fraction of pushes)").defaults_to(false)});
  std::vector<PlotSpec> plots;
  std::unordered_map<std::string, std::size_t> first_plot;  // file stem -> its plot
  for (std::size_t i = 0; i < node.size(); ++i) {
    const Location at = where.child(i);
    require_object(node[i], at, "a plot");
    const Json kind_json = read_param(
        node[i], at, ParamSpec::text("kind", "plot kind").one_of(kPlotKindNames.list()).defaults_to("curve"));
    const std::string kind_name = kind_json.get<std::string>();
    const PlotKind kind = *kPlotKindNames.parse(kind_name);  // one_of has checked the name
    if ((kind == PlotKind::final || (kind == PlotKind::time_to && node[i].contains("x"))) && swept_paths.empty()) {
      at.child("kind").fail("a \"" + kind_name + "\" plot needs a sweep" +
                            (kind == PlotKind::time_to ? " (or no \"x\": one bar per variant)" : ""));
    }
    const std::string extra[] = {"kind", "where", "size"};
    const auto& specs = kind == PlotKind::curve     ? curve
                        : kind == PlotKind::final   ? final_kind
                        : kind == PlotKind::time_to ? time_to
                        : kind == PlotKind::staleness ? staleness
                                                    : time_split;
    const Params p = read_params(node[i], at, specs, extra, "a " + kind_name + " plot");
    PlotSpec plot;
    plot.kind = kind;
    if (kind == PlotKind::staleness) {
      plot.log_y = p.boolean("log_y");
    } else if (kind != PlotKind::time_split) {
      plot.x = p.has("x") ? p.text("x") : "";
      plot.y = *kMetricNames.parse(p.text("y"));
      plot.log_x = p.boolean("log_x");
      plot.log_y = p.boolean("log_y");
    } else {
      plot.log_y = false;
    }
    plot.mean = p.has("mean") ? *kPlotMeanNames.parse(p.text("mean")) : default_mean(plot.log_y);
    // The plot's own format and size, else the spec's plot_defaults.
    plot.format = *kPlotFormatNames.parse(node[i].contains("format") || !defaults.contains("format")
                                              ? p.text("format")
                                              : defaults.at("format").get<std::string>());
    if (defaults.contains("size")) plot.size = defaults.at("size").get<std::array<int, 2>>();
    if (p.has("facet")) plot.facet = p.text("facet");
    if (!plot.facet.empty() && plot.facet == plot.x) {
      at.child("facet").fail(fmt::format("is the plot's x (\"{}\"): facet by another key, or drop it", plot.x));
    }
    if (node[i].contains("where")) plot.where = read_where(node[i].at("where"), at.child("where"), swept_paths);
    if (node[i].contains("size")) plot.size = read_size(node[i].at("size"), at.child("size"));
    if (kind == PlotKind::final) {
      if (p.has("reference_slope")) plot.reference_slope = p.number("reference_slope");
      plot.mark_lupa_period = p.boolean("mark_lupa_period");
      if (plot.mark_lupa_period && plot.x != "schedule.period") {
        at.child("mark_lupa_period").fail("needs x = \"schedule.period\"");
      }
    }
    if (kind == PlotKind::time_to) {
      plot.value = p.number("value");
      plot.by = *kAxisNames.parse(p.text("by"));
    }
    if (const auto [earlier, fresh] = first_plot.emplace(plot.file_stem(), i); !fresh) {
      at.fail(fmt::format("duplicate plot {} (the same as /plots/{})", plot.file_stem(), earlier->second));
    }
    plots.push_back(plot);
  }
  return plots;
}

std::string PlotSpec::file_stem() const {
  std::string stem;
  if (kind == PlotKind::final) {
    stem = "final_" + to_string(y) + "_vs_" + x;
  } else if (kind == PlotKind::time_to) {
    stem = x.empty() ? fmt::format("{}_to_{}_{}_per_variant", to_string(by), to_string(y), value)
                     : fmt::format("{}_to_{}_{}_vs_{}", to_string(by), to_string(y), value, x);
  } else if (kind == PlotKind::time_split) {
    stem = "time_split";
  } else if (kind == PlotKind::staleness) {
    stem = "staleness";
  } else {
    stem = to_string(y) + "_vs_" + x;
  }
  if (!facet.empty()) stem += "_by_" + facet;
  if (!where.empty()) {
    stem += "_where";
    for (const auto& [key, values] : where.items()) {
      std::string kept;
      for (const Json& v : values) kept += (kept.empty() ? "" : "+") + where_text(v);
      stem += "_" + file_safe(key + "=" + kept);
    }
  }
  return stem;
}

Json PlotSpec::to_json() const {
  Json out = {{"kind", kPlotKindNames.name(kind)}};
  if (kind == PlotKind::staleness) {
    out["log_y"] = log_y;
  } else if (kind != PlotKind::time_split) {
    if (!x.empty()) out["x"] = x;
    out["y"] = to_string(y);
    out["log_x"] = log_x;
    out["log_y"] = log_y;
  }
  if (kind == PlotKind::final) {
    if (reference_slope) out["reference_slope"] = *reference_slope;
    out["mark_lupa_period"] = mark_lupa_period;
  }
  if (kind == PlotKind::time_to) {
    out["value"] = value;
    out["by"] = to_string(by);
  }
  // The keys added later are written only when they differ from their defaults, so that the
  // resolved spec of every plot that does not use them is what it was.
  if (mean != default_mean(log_y)) out["mean"] = kPlotMeanNames.name(mean);
  if (!facet.empty()) out["facet"] = facet;
  if (!where.empty()) out["where"] = where;
  if (format != PlotFormat::png) out["format"] = kPlotFormatNames.name(format);
  if (size) out["size"] = {(*size)[0], (*size)[1]};
  return out;
}

PlotSpec PlotSpec::from_json(const Json& json) {
  const auto named = [&](const auto& names, const std::string& key, const char* fallback) {
    const std::string name = json.value(key, std::string(fallback));
    const auto parsed = names.parse(name);
    if (!parsed) throw std::runtime_error(fmt::format("a plot in spec.resolved.json: unknown {} \"{}\"", key, name));
    return *parsed;
  };
  PlotSpec p;
  p.kind = named(kPlotKindNames, "kind", "curve");
  p.x = json.value("x", std::string());
  p.y = named(kMetricNames, "y", "gap");
  p.log_x = json.value("log_x", false);
  p.log_y = json.value("log_y", p.kind != PlotKind::time_split && p.kind != PlotKind::staleness);
  if (json.contains("reference_slope")) p.reference_slope = json.at("reference_slope").get<double>();
  p.mark_lupa_period = json.value("mark_lupa_period", false);
  p.value = json.value("value", 0.0);
  p.by = named(kAxisNames, "by", "time");
  p.mean = json.contains("mean") ? named(kPlotMeanNames, "mean", "") : default_mean(p.log_y);
  p.facet = json.value("facet", std::string());
  if (json.contains("where")) p.where = json.at("where");
  p.format = named(kPlotFormatNames, "format", "png");
  if (json.contains("size")) p.size = json.at("size").get<std::array<int, 2>>();
  return p;
}

}  // namespace localsgd
