#pragma once
// Plots of a results folder, drawn by gnuplot from metrics.csv (so `localsgd plot DIR` redraws
// exactly what `localsgd run` drew). Each curve is one (variant, sweep point): the mean over seeds
// with a shaded 95% confidence band (Student t).
#include <atomic>
#include <filesystem>
#include <string>
#include <vector>

#include "experiments/spec/spec.hpp"

namespace localsgd {

struct PlotOutcome {
  std::vector<std::filesystem::path> written;  // PNG files drawn
  std::vector<std::string> warnings;           // nothing to draw, or gnuplot not installed
  std::vector<std::string> failures;           // plots gnuplot failed to draw (their previous PNG is kept)
  bool interrupted = false;                    // `stop` was set before every plot was drawn
};

// Reads DIR/metrics.csv and the plot list in DIR/spec.resolved.json and writes DIR/plots/*.png
// (with the .dat and .gp files gnuplot drew them from), each PNG atomically (experiments/report/gnuplot.hpp).
// Throws on unreadable input (CsvError names the file, line and column). Once `stop` is set, no
// further plot is drawn and the outcome says it was interrupted.
PlotOutcome render_plots(const std::filesystem::path& dir, const std::atomic<bool>* stop = nullptr);

// Two-sided 95% Student-t quantile for `dof` degrees of freedom.
double student_t95(std::size_t dof);

}  // namespace localsgd
