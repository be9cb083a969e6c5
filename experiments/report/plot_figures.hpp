#pragma once
// The data and gnuplot commands of one plot, per kind, for the panels plots.cpp lays out
// (experiments/report/plots.hpp draws them).
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "experiments/report/facets.hpp"
#include "experiments/report/plot_data.hpp"
#include "experiments/store/csv.hpp"

namespace localsgd {

// What a plot is drawn from.
struct PlotInputs {
  const CsvTable& metrics;
  const Json* summary;                    // summary.json, null if unreadable
  const std::set<std::string>& diverged;  // runs not completed
  const Json& resolved;                   // spec.resolved.json
  std::filesystem::path dir;              // the results folder (time_to_target.csv)
};

// Why points were not drawn, for the message when a plot ends up with none.
struct Dropped {
  std::size_t values = 0;      // values of the plotted metric read
  std::size_t non_finite = 0;  // of them, inf or nan (a diverged run's last row)
  std::size_t points = 0;      // points (means over seeds) with finite coordinates
  std::size_t x_off_axis = 0;  // of them, x <= 0 on a log x axis
  std::size_t y_off_axis = 0;  // of them, y <= 0 on a log y axis (or a geometric mean over a value <= 0)
  std::size_t left_out = 0;    // final: diverged runs (no final value)
  std::size_t missing = 0;     // time_to: runs that never reached the target
};

// One key entry: its title and how its line looks ("with lines lw 2 lc rgb ...").
struct KeyEntry {
  std::string title;
  std::string look;
};

struct Figure {
  std::string data;      // the .dat file: one block per curve (panel after panel)
  std::string title;     // first line of the title, after the spec's name
  std::string subtitle;  // second line
  std::string x_label, y_label;
  std::string setup;                        // commands before the first panel
  std::vector<std::string> panel_commands;  // per panel: its plot command (and what it sets)
  std::vector<KeyEntry> key;                // every curve, once: the key of a multi-panel figure
  Dropped dropped;
  Span x_span, y_span;               // of the points drawn (for shared panel ranges)
  bool y_from_zero = false;          // the y axis starts at 0 (times)
  bool x_categories = false;         // bars: x is a category index, not a number
  std::size_t curves = 0, rows = 0;  // curves and data rows written
};

// The rows of metrics.csv grouped by run (only the runs in `kept`), with each run's curve label:
// the variant and the swept values, except those in `except` (the x axis, the facet) and those a
// filter of `where` keeps one value of.
struct RunRows {
  std::string id;  // the run column
  std::string label;
  std::size_t first_row = 0;      // its first row (where its swept values are read)
  std::vector<std::size_t> rows;  // indices into the table's rows
};
std::vector<RunRows> runs_of(const CsvTable& table, const std::set<std::string>& kept, std::vector<std::string> except,
                             const Json& where);
// The distinct labels of `runs`, in order of first appearance.
std::vector<std::string> labels_in_order(const std::vector<RunRows>& runs);

// kind "staleness" (staleness_plot.cpp): per curve label, the fraction of pushes of each
// staleness, from summary.json's "asynchrony" of its runs.
Figure staleness_figure(const PlotSpec& plot, const std::string& stem, const PlotInputs& in,
                        const std::vector<Panel>& panels);

// The figure of `plot` over `panels`; with more than one panel, plot items have no titles and
// the figure's `key` lists every curve instead.
Figure build_figure(const PlotSpec& plot, const std::string& stem, const PlotInputs& in,
                    const std::vector<Panel>& panels);

}  // namespace localsgd
