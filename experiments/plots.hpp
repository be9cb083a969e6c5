#pragma once
// Plots of a results folder, drawn by gnuplot from metrics.csv (so `localsgd plot DIR` redraws
// exactly what `localsgd run` drew). Each curve is one (variant, sweep point): the mean over seeds
// with a shaded 95% confidence band (Student t).
#include <filesystem>
#include <string>
#include <vector>

#include "experiments/spec.hpp"

namespace localsgd {

struct PlotOutcome {
  std::vector<std::filesystem::path> written;  // PNG files
  std::vector<std::string> warnings;           // e.g. gnuplot missing
};

// Reads DIR/metrics.csv and the plot list in DIR/spec.resolved.json and writes DIR/plots/*.png
// (with the .dat and .gp files gnuplot drew them from). Throws on unreadable input.
PlotOutcome render_plots(const std::filesystem::path& dir);

// Two-sided 95% Student-t quantile for `dof` degrees of freedom.
double student_t95(std::size_t dof);

}  // namespace localsgd
