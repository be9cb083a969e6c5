#pragma once
// The declared plots of a spec (docs/experiments.md, "Plots"): reading them with their defaults,
// and writing them back into spec.resolved.json. Nothing here draws.
#include <array>
#include <optional>
#include <string>
#include <vector>

#include "experiments/language/params.hpp"
#include "experiments/spec/enum_names.hpp"
#include "experiments/spec/metrics_axes.hpp"

namespace localsgd {

// Kinds:
//   curve:      y against x = step, round, samples or time; one curve per variant and sweep point,
//               the mean over seeds with a shaded 95% confidence band;
//   final:      the final y against a swept path x (mean and 95% CI over seeds), with the fitted
//               log-log slope in the legend, an optional reference slope and the LUPA period marked;
//   time_to:    the first `by` (time, step, round, samples) at which y <= value, against a swept
//               path x (the paper's "time to reach epsilon vs number of machines"), or without x
//               one bar per variant and sweep point;
//   time_split: one stacked bar per variant and sweep point: mean compute, communication and idle
//               virtual time of its runs (summary.json);
//   staleness:  asynchronous runs only: the fraction of pushes against their staleness, one curve
//               per variant and sweep point, the mean over seeds with a 95% CI (summary.json).
enum class PlotKind { curve, final, time_to, time_split, staleness };
inline constexpr EnumNames<PlotKind, 5> kPlotKindNames{{"curve", "final", "time_to", "time_split", "staleness"}};

enum class PlotFormat { png, pdf, svg };
inline constexpr EnumNames<PlotFormat, 3> kPlotFormatNames{{"png", "pdf", "svg"}};

// How the seeds of one point are summarised: the arithmetic mean with a Student-t interval, or the
// geometric mean with a Student-t interval of the logs (the default on a log y axis, where an
// arithmetic band can reach below zero).
enum class PlotMean { arithmetic, geometric };
inline constexpr EnumNames<PlotMean, 2> kPlotMeanNames{{"arithmetic", "geometric"}};

// The facet and filter keys that are not swept paths.
inline constexpr const char* kVariantKey = "variant";
inline constexpr const char* kWorkersKey = "workers";

// Default canvas, in pixels (a PDF: hundredths of an inch).
inline constexpr std::array<int, 2> kDefaultPlotSize = {1000, 640};

struct PlotSpec {
  PlotKind kind = PlotKind::curve;
  std::string x;  // curve: an axis name; final, time_to: a swept path; time_to: empty for bars per variant
  Metric y = Metric::gap;
  bool log_x = false;
  bool log_y = true;
  std::optional<double> reference_slope;  // final: a dashed line of this slope
  bool mark_lupa_period = false;          // final with x = schedule.period: the theory's τ
  double value = 0;                       // time_to: the target epsilon
  Axis by = Axis::time;                   // time_to: the axis of the first hit
  PlotMean mean = PlotMean::geometric;    // follows log_y unless given
  std::string facet;                      // a swept path, "variant" or "workers": one panel per value; empty: one panel
  Json where = Json::object();            // swept path or "variant" -> the list of values kept
  PlotFormat format = PlotFormat::png;
  std::optional<std::array<int, 2>> size;  // width, height; unset: the default, grown for large keys and grids

  std::string file_stem() const;
  std::string file_name() const { return file_stem() + "." + kPlotFormatNames.name(format); }
  Json to_json() const;
  // Reads what to_json writes (spec.resolved.json); throws std::runtime_error for an unknown name.
  static PlotSpec from_json(const Json& json);
};

// The default mean of a plot: geometric on a log y axis.
inline PlotMean default_mean(bool log_y) { return log_y ? PlotMean::geometric : PlotMean::arithmetic; }

// A spec's "plots" (or the default plots without one), given the swept paths in spec order.
// Throws SpecError naming the JSON pointer (/plots/i/...) and the rule.
std::vector<PlotSpec> read_plots(const Json& spec, const std::vector<std::string>& swept_paths);

// The staleness plot the default plots add when some run is asynchronous (with the spec's
// plot_defaults, as the other default plots).
PlotSpec default_staleness_plot(const Json& spec);

}  // namespace localsgd
