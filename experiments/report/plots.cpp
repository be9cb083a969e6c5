#include "experiments/report/plots.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <optional>
#include <set>
#include <stdexcept>

#include "experiments/language/spec_error.hpp"
#include "experiments/report/facets.hpp"
#include "experiments/report/gnuplot.hpp"
#include "experiments/report/plot_figures.hpp"
#include "experiments/report/plot_styles.hpp"
#include "experiments/store/csv.hpp"
#include "experiments/store/results.hpp"

namespace localsgd {

namespace {

// The ids (as in metrics.csv's run column) of the runs summary.json marks as not completed
// (diverged, or ended at a clock overflow: their last row is not the end of the run); none if it
// cannot be read.
std::set<std::string> diverged_runs(const Json* summary) {
  std::set<std::string> out;
  if (summary == nullptr) return out;
  try {
    for (const Json& run : summary->at("runs")) {
      if (run.value("termination", "completed") != "completed") out.insert(std::to_string(run.at("run").get<long>()));
    }
  } catch (const std::exception&) {
    return {};
  }
  return out;
}

// Whether a data file has a line of numbers (not only comments and block separators).
bool has_points(const std::string& data) {
  std::size_t start = 0;
  while (start < data.size()) {
    const std::size_t end = std::min(data.find('\n', start), data.size());
    if (end > start && data[start] != '#') return true;
    start = end + 1;
  }
  return false;
}

// What the points of a plot with nothing to draw were, counted: e.g. a gap of 0 everywhere (the
// runs started at the optimum) on a log axis, or runs that all diverged.
std::string why_nothing_to_draw(const PlotSpec& plot, const Dropped& d) {
  std::vector<std::string> reasons;
  if (d.values == 0 && plot.kind == PlotKind::staleness) return "summary.json has no asynchronous run (no pushes)";
  if (d.values == 0) return plot.kind == PlotKind::time_split ? "summary.json has no run times" : "metrics.csv has no rows";
  if (d.non_finite > 0) {
    reasons.push_back(fmt::format("{} of {} values of {} are inf or nan (their runs diverged)", d.non_finite, d.values,
                                  plot.kind == PlotKind::curve ? plot.x + "/" + to_string(plot.y) : to_string(plot.y)));
  }
  if (d.left_out > 0) reasons.push_back(fmt::format("{} of {} runs diverged and have no final value", d.left_out, d.values));
  if (d.missing > 0) {
    reasons.push_back(fmt::format("{} of {} runs never reached {} <= {}", d.missing, d.values, to_string(plot.y), plot.value));
  }
  const std::string y_name = plot.kind == PlotKind::final ? "final " + to_string(plot.y) : plot.kind == PlotKind::time_to ? to_string(plot.by) : to_string(plot.y);
  if (d.y_off_axis > 0) {
    reasons.push_back(fmt::format("{} of {} points have {} <= 0, which the log y axis cannot show{}", d.y_off_axis,
                                  d.points, y_name,
                                  d.y_off_axis == d.points ? " (every value is 0 or negative; use \"log_y\": false)"
                                                           : ""));
  }
  if (d.x_off_axis > 0) {
    reasons.push_back(fmt::format("{} of {} points have {} <= 0, which the log x axis cannot show", d.x_off_axis,
                                  d.points, plot.x));
  }
  if (reasons.empty()) return fmt::format("no point out of {} values", d.values);
  std::string out = reasons.front();
  for (std::size_t i = 1; i < reasons.size(); ++i) out += "; " + reasons[i];
  return out;
}

std::string terminal(PlotFormat format, const std::array<int, 2>& size) {
  switch (format) {
    case PlotFormat::pdf:  // in inches: 100 pixels to the inch
      return fmt::format("set terminal pdfcairo size {}in,{}in font 'DejaVu Sans,11' noenhanced\n", size[0] / 100.0,
                         size[1] / 100.0);
    case PlotFormat::svg:
      return fmt::format("set terminal svg size {},{} font 'DejaVu Sans,11' noenhanced background '#ffffff'\n",
                         size[0], size[1]);
    case PlotFormat::png:
      break;
  }
  return fmt::format("set terminal pngcairo size {},{} font 'DejaVu Sans,11' noenhanced\n", size[0], size[1]);
}

// Rows of a key of these entries laid out across `width` pixels (about 8 pixels a character at
// 11 points, and the line sample beside each title).
std::size_t key_rows(const std::vector<KeyEntry>& key, int width) {
  std::size_t longest = 0;
  for (const auto& entry : key) longest = std::max(longest, entry.title.size());
  const std::size_t per_row = std::max<std::size_t>(1, static_cast<std::size_t>(width - 100) / ((longest + 8) * 8));
  return (key.size() + per_row - 1) / per_row;
}

// An axis range over `span` with a margin (a factor on a log axis); "" if nothing is known.
std::string shared_range(const std::string& axis, const Span& span, bool log_axis, bool from_zero) {
  if (span.empty) return "";
  double low = span.low, high = span.high;
  if (log_axis) {
    const double factor = high > low ? std::pow(high / low, 0.04) : 1.5;
    low /= factor;
    high *= factor;
  } else {
    const double margin = high > low ? 0.04 * (high - low) : std::max(1.0, std::abs(high) * 0.1);
    // An axis of values >= 0 (times, steps) does not reach below 0.
    low = from_zero || (low >= 0 && low - margin < 0) ? 0.0 : low - margin;
    high += margin;
  }
  return fmt::format("set {}range [{}:{}]\n", axis, low, high);
}

// The commands after the preamble: one plot, or a grid of panels with shared ranges and one key
// below them listing every curve.
std::string layout(const PlotSpec& plot, const Figure& f, const std::vector<Panel>& panels,
                   const std::array<int, 2>& size, const std::string& title) {
  std::string out = f.setup;
  if (plot.log_x && !f.x_categories) out += log_axis_tics("x", f.x_span);
  if (plot.log_y) out += log_axis_tics("y", f.y_span);
  if (panels.size() == 1) {
    out += "set title " + title + "\n";
    return out + f.panel_commands.front();
  }
  const std::size_t columns = static_cast<std::size_t>(std::ceil(std::sqrt(static_cast<double>(panels.size()))));
  const std::size_t rows = (panels.size() + columns - 1) / columns;
  const double key_height = (static_cast<double>(key_rows(f.key, size[0])) * 20 + 30) / size[1];
  const double title_height = 60.0 / size[1];
  const double width = 1.0 / static_cast<double>(columns);
  const double height = (1.0 - key_height - title_height) / static_cast<double>(rows);
  if (!f.x_categories) out += shared_range("x", f.x_span, plot.log_x, false);
  out += shared_range("y", f.y_span, plot.log_y, f.y_from_zero);
  out += "set multiplot title " + title + "\nunset key\n";
  for (std::size_t p = 0; p < panels.size(); ++p) {
    const std::size_t row = p / columns, column = p % columns;
    out += fmt::format("# panel {}: {}\nset origin {}, {}\nset size {}, {}\nset title {}\n", p + 1, panels[p].title,
                       static_cast<double>(column) * width,
                       key_height + static_cast<double>(rows - 1 - row) * height, width, height,
                       gnuplot_string(panels[p].title));
    out += f.panel_commands[p];
  }
  // The key: a plot of key entries only, in a strip below the panels (with a constant outside
  // its range: gnuplot needs one plot that is not a key entry).
  std::string entries;
  for (const auto& entry : f.key) {
    entries += fmt::format("{}keyentry {} title {}", entries.empty() ? "" : ", ", entry.look, gnuplot_string(entry.title));
  }
  out += fmt::format(
      "# key\nset origin 0, 0\nset size 1, {}\nunset title\nunset xlabel\nunset ylabel\nunset border\nunset tics\n"
      "unset grid\nunset logscale\nunset arrow\nset xrange [0:1]\nset yrange [0:1]\n"
      "set key inside center center horizontal noautotitle\nplot {}\nunset multiplot\n",
      key_height, entries.empty() ? "2 notitle" : "2 notitle, " + entries);
  return out;
}

}  // namespace

PlotOutcome render_plots(const std::filesystem::path& dir, const std::atomic<bool>* stop,
                         const PlotProgress& progress) {
  std::ifstream spec_in(dir / "spec.resolved.json");
  if (!spec_in) throw std::runtime_error((dir / "spec.resolved.json").string() + ": cannot open for reading");
  const Json resolved = Json::parse(spec_in);
  // Read by the spec reader's rules, so that a plot added by hand gets the same defaults
  // (log_x, log_y, ...) as one in a spec, and a bad one the same error.
  std::vector<PlotSpec> plot_specs;
  try {
    plot_specs = read_spec_plots(resolved);
  } catch (const SpecError& e) {
    throw SpecFileError(fmt::format("{}: {}", (dir / "spec.resolved.json").string(), e.what()));
  }
  const CsvTable table = read_csv(dir / "metrics.csv");
  const std::string name = resolved.value("name", dir.filename().string());
  const std::optional<Json> summary = read_json_file(dir / "summary.json");
  const Json* summary_json = summary ? &*summary : nullptr;
  const std::set<std::string> diverged = diverged_runs(summary_json);
  const RunAttributes attributes = read_run_attributes(table, summary_json);
  const PlotInputs inputs{table, summary_json, diverged, resolved, dir};

  PlotOutcome outcome;
  const auto plots_dir = dir / "plots";
  std::filesystem::create_directories(plots_dir);
  for (std::size_t k = 0; k < plot_specs.size(); ++k) {
    const PlotSpec& plot = plot_specs[k];
    if (stop != nullptr && stop->load(std::memory_order_relaxed)) {
      outcome.interrupted = true;
      break;
    }
    const std::string stem = plot.file_stem();
    const std::vector<Panel> panels = panels_of(attributes, plot.where, plot.facet);
    if (panels.empty()) {
      write_file_atomically(plots_dir / (stem + ".dat"), "");
      outcome.warnings.push_back(fmt::format("{}: nothing to draw: no run matches \"where\": {}", stem,
                                             plot.where.dump()));
      continue;
    }
    const Figure figure = build_figure(plot, stem, inputs, panels);
    write_file_atomically(plots_dir / (stem + ".dat"), figure.data);
    if (!has_points(figure.data)) {
      outcome.warnings.push_back(fmt::format("{}: nothing to draw: {}; the data are in {}", stem,
                                             why_nothing_to_draw(plot, figure.dropped),
                                             (plots_dir / (stem + ".dat")).string()));
      continue;
    }

    // The canvas: as given, else the default grown for a grid of panels and a long key.
    std::array<int, 2> size = kDefaultPlotSize;
    if (plot.size) {
      size = *plot.size;
    } else if (panels.size() > 1) {
      const auto columns = static_cast<int>(std::ceil(std::sqrt(static_cast<double>(panels.size()))));
      const auto rows = (static_cast<int>(panels.size()) + columns - 1) / columns;
      size = {std::max(1000, 520 * columns), 0};
      size[1] = 400 * rows + 60 + 30 + 20 * static_cast<int>(key_rows(figure.key, size[0]));
    } else if (figure.key.size() > 8) {
      // gnuplot's key below the plot takes its rows from the plot's height: keep the plot's.
      size[1] += 20 * std::max(0, static_cast<int>(key_rows(figure.key, size[0])) - 2);
    }
    const std::string title =
        gnuplot_string(fmt::format("{}: {}", name, figure.title)) + " . \"\\n\" . " + gnuplot_string(figure.subtitle);
    // The output file is a variable: `gnuplot NAME.gp` draws NAME.png (.pdf, .svg), localsgd passes
    // a temporary (experiments/report/gnuplot.hpp) and renames it once the drawing is known complete.
    std::string script = fmt::format(
        "# Drawn by localsgd from metrics.csv; redraw with `gnuplot {0}.gp` in this folder, or `localsgd plot DIR`\n"
        "if (!exists(\"output_file\")) output_file = {1}\n"
        "{2}"
        "set output output_file\n"
        "set xlabel {3}\nset ylabel {4}\n"
        "set grid\nset key outside below\n"
        "set style fill transparent solid 0.18 noborder\n",
        stem, gnuplot_string(plot.file_name()), terminal(plot.format, size), gnuplot_string(figure.x_label),
        gnuplot_string(figure.y_label));
    if (plot.log_x && !figure.x_categories) script += "set logscale x\n";
    if (plot.log_y) script += "set logscale y\nset format y '%.0e'\n";
    script += layout(plot, figure, panels, size, title);
    write_file_atomically(plots_dir / (stem + ".gp"), script);

    if (progress) {
      progress(fmt::format("plot {}/{}: {} ({} panel{}, {} curves, {} points)", k + 1, plot_specs.size(),
                           (plots_dir / plot.file_name()).string(), panels.size(), panels.size() == 1 ? "" : "s",
                           figure.curves, figure.rows));
    }
    const DrawResult drawn = draw_plot(plots_dir, stem, plot.format, stop);
    switch (drawn.status) {
      case DrawStatus::drawn:
        outcome.written.push_back(plots_dir / plot.file_name());
        break;
      case DrawStatus::failed:
        outcome.failures.push_back(drawn.message);
        break;
      case DrawStatus::not_found:
        outcome.warnings.push_back(drawn.message);
        return outcome;  // the next plots would not find it either
      case DrawStatus::interrupted:
        outcome.interrupted = true;
        return outcome;
    }
  }
  return outcome;
}

}  // namespace localsgd
