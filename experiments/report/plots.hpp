#pragma once
// Plots of a results folder, drawn by gnuplot from metrics.csv and summary.json (so `localsgd
// plot DIR` redraws exactly what `localsgd run` drew). Each curve is one (variant, sweep point):
// the mean over seeds with a shaded 95% confidence band (Student t; on a log y axis the geometric
// mean with the interval of the logs). A plot may keep only some runs ("where") and split them
// into a grid of panels ("facet") with shared axes.
#include <atomic>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "experiments/report/plot_data.hpp"
#include "experiments/spec/spec.hpp"

namespace localsgd {

struct PlotOutcome {
  std::vector<std::filesystem::path> written;  // PNG, PDF or SVG files drawn
  std::vector<std::string> warnings;           // nothing to draw, or gnuplot not installed
  std::vector<std::string> failures;           // plots gnuplot failed to draw (their previous file is kept)
  bool interrupted = false;                    // `stop` was set before every plot was drawn
};

// Told one line per plot just before gnuplot draws it ("plot 2/5: plots/gap_vs_step.png, 12
// curves, 2400 points"), for a progress display.
using PlotProgress = std::function<void(const std::string&)>;

// Reads DIR/metrics.csv and the plot list in DIR/spec.resolved.json and writes DIR/plots/NAME.png
// (or .pdf, .svg; with the .dat and .gp files gnuplot drew them from), each atomically
// (experiments/report/gnuplot.hpp). Throws on unreadable input (CsvError names the file, line and
// column). Once `stop` is set, no further plot is drawn and the outcome says it was interrupted.
PlotOutcome render_plots(const std::filesystem::path& dir, const std::atomic<bool>* stop = nullptr,
                         const PlotProgress& progress = {});

}  // namespace localsgd
