#include "experiments/report/plots.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>

#include "experiments/store/csv.hpp"
#include "experiments/report/expectations.hpp"
#include "experiments/language/spec_error.hpp"
#include "experiments/report/gnuplot.hpp"
#include "experiments/store/results.hpp"

namespace localsgd {

namespace {

struct Series {
  std::string label;
  // per evaluation index: the x and y values of every seed
  std::vector<std::vector<double>> xs, ys;
};

const char* axis_label(const std::string& axis) {
  static const std::map<std::string, const char*> labels = {
      {"step", "local step t (per worker)"},
      {"round", "communication rounds"},
      {"samples", "samples drawn (all workers)"},
      {"time", "virtual time [s]"},
      {"loss", "loss F(x̄)"},
      {"gap", "optimality gap F(x̄) − F*"},
      {"grad_norm_sq", "‖∇F(x̄)‖²"},
      {"consensus", "consensus (1/p) Σ‖x_i − x̄‖²"},
  };
  return labels.at(axis);
}

// Okabe-Ito colours: distinguishable, also for colour-blind readers.
const char* colour(std::size_t i) {
  static const char* palette[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"};
  return palette[i % (sizeof(palette) / sizeof(palette[0]))];
}

// A gnuplot double-quoted string. Control characters (a label written by an older version, or
// edited by hand) would end the script's line: a newline or tab stays one in the title, any other
// is shown as the text \xNN.
std::string gnuplot_string(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (byte < 0x20 || byte == 0x7f) {
      out += fmt::format("\\\\x{:02x}", byte);
    } else {
      out += c;
    }
  }
  return out + "\"";
}

using Table = CsvTable;

// Why points were not drawn, for the message when a plot ends up with none.
struct Dropped {
  std::size_t values = 0;      // values of the plotted metric read
  std::size_t non_finite = 0;  // of them, inf or nan (a diverged run's last row)
  std::size_t points = 0;      // points (means over seeds) with finite coordinates
  std::size_t x_off_axis = 0;  // of them, x <= 0 on a log x axis
  std::size_t y_off_axis = 0;  // of them, y <= 0 on a log y axis
  std::size_t left_out = 0;    // final: diverged runs (no final value)
  std::size_t missing = 0;     // time_to: runs that never reached the target
};

// Mean and two-sided 95% Student-t confidence interval of a sample.
struct Summary {
  double mean = 0, lower = 0, upper = 0;
  std::size_t n = 0;
};

Summary summarize(const std::vector<double>& values) {
  Summary s;
  s.n = values.size();
  if (s.n == 0) return s;
  const auto n = static_cast<double>(s.n);
  for (double v : values) s.mean += v / n;
  double variance = 0;
  for (double v : values) variance += (v - s.mean) * (v - s.mean);
  const double half_width = s.n > 1 ? student_t95(s.n - 1) * std::sqrt(variance / (n - 1) / n) : 0.0;
  s.lower = s.mean - half_width;
  s.upper = s.mean + half_width;
  return s;
}

// The rows of metrics.csv grouped by run, with each run's curve label (variant and the swept
// values, except `except`).
struct RunRows {
  std::string id;  // the run column
  std::string label;
  std::size_t first_row = 0;  // its first row (where its value of the swept path `except` is read)
  std::vector<std::size_t> rows;  // indices into the table's rows
};

std::vector<RunRows> runs_of(const Table& table, const std::string& except) {
  const std::size_t run_col = table.column("run");
  const std::size_t variant_col = table.column("variant");
  const std::size_t seed_col = table.column("seed");
  const std::size_t step_col = table.column("step");
  std::vector<RunRows> runs;
  std::map<std::string, std::size_t> index_of_run;
  for (std::size_t i = 0; i < table.rows.size(); ++i) {
    const auto& row = table.rows[i];
    auto [it, inserted] = index_of_run.try_emplace(row[run_col], runs.size());
    if (inserted) {
      RunRows r;
      r.first_row = i;
      r.id = row[run_col];
      r.label = row[variant_col];
      for (std::size_t c = seed_col + 1; c < step_col; ++c) {
        if (table.header[c] != except) r.label += fmt::format(", {}={}", table.header[c], row[c]);
      }
      runs.push_back(std::move(r));
    }
    runs[it->second].rows.push_back(i);
  }
  return runs;
}

std::vector<std::string> labels_in_order(const std::vector<RunRows>& runs) {
  std::vector<std::string> labels;
  for (const auto& r : runs) {
    if (std::find(labels.begin(), labels.end(), r.label) == labels.end()) labels.push_back(r.label);
  }
  return labels;
}

// One gnuplot data block: lines "x mean lower upper n", skipping what a log axis cannot show.
std::string block(const std::vector<std::pair<double, Summary>>& points, bool log_x, bool log_y, Dropped& dropped) {
  std::string out = "# x mean lower upper n\n";
  for (const auto& [x, s] : points) {
    if (!std::isfinite(x) || !std::isfinite(s.mean)) continue;
    ++dropped.points;
    dropped.x_off_axis += log_x && x <= 0 ? 1 : 0;
    dropped.y_off_axis += log_y && s.mean <= 0 ? 1 : 0;
    if ((log_x && x <= 0) || (log_y && s.mean <= 0)) continue;
    const double lower = (log_y && s.lower <= 0) ? s.mean * 1e-3 : s.lower;  // keep the band drawable
    out += fmt::format("{} {} {} {} {}\n", x, s.mean, lower, s.upper, s.n);
  }
  return out + "\n\n";
}

struct Curve {
  std::string label;
  std::vector<std::pair<double, Summary>> points;
};

// kind "curve": per label, by evaluation index, the mean x and the summary of y over seeds.
std::vector<Curve> curve_series(const Table& table, const PlotSpec& plot, Dropped& dropped) {
  const auto runs = runs_of(table, "");
  const std::size_t x_col = table.column(plot.x);
  const std::size_t y_col = table.column(to_string(plot.y));
  std::vector<Curve> curves;
  for (const auto& label : labels_in_order(runs)) {
    std::vector<std::vector<double>> xs, ys;
    for (const auto& r : runs) {
      if (r.label != label) continue;
      for (std::size_t k = 0; k < r.rows.size(); ++k) {
        if (xs.size() <= k) {
          xs.resize(k + 1);
          ys.resize(k + 1);
        }
        // A diverged run's last row may hold inf or nan: its curve ends at the last finite point,
        // and the mean at that index is over the seeds that have one.
        const double x = table.number(r.rows[k], x_col);
        const double y = table.number(r.rows[k], y_col);
        ++dropped.values;
        if (!std::isfinite(x) || !std::isfinite(y)) {
          ++dropped.non_finite;
          continue;
        }
        xs[k].push_back(x);
        ys[k].push_back(y);
      }
    }
    Curve c{label, {}};
    for (std::size_t k = 0; k < xs.size(); ++k) {
      if (!ys[k].empty()) c.points.emplace_back(summarize(xs[k]).mean, summarize(ys[k]));
    }
    curves.push_back(std::move(c));
  }
  return curves;
}

// kinds "final" and "time_to": per label, per swept value of x, the summary over seeds of the
// run's final y, or of the first `by` where y <= value (runs that never reach it are left out
// and counted in `missing`).
// Per run: where it first met `metric <= value` on the `by` axis, from time_to_target.csv (checked
// at every sync, so independent of the evaluation grid). Runs without such a target are absent.
std::map<std::string, std::optional<double>> declared_hits(const std::filesystem::path& file, const PlotSpec& plot) {
  std::map<std::string, std::optional<double>> hits;
  if (!std::filesystem::exists(file)) return hits;
  const Table table = read_csv(file);
  const std::size_t run = table.column("run"), metric = table.column("metric"), value = table.column("value"),
                    reached = table.column("reached"), by = table.column(to_string(plot.by));
  for (std::size_t i = 0; i < table.rows.size(); ++i) {
    const auto& row = table.rows[i];
    if (row[metric] != to_string(plot.y) || table.number(i, value) != plot.value) continue;
    // The first declared target with this metric and value decides (run_summary.hpp's rule).
    hits.emplace(row[run], row[reached] == "true" ? std::optional<double>(table.number(i, by)) : std::nullopt);
  }
  return hits;
}

std::vector<Curve> swept_series(const Table& table, const PlotSpec& plot, const std::filesystem::path& dir,
                                const std::set<std::string>& diverged, Dropped& dropped) {
  const auto runs = runs_of(table, plot.x);
  const std::size_t x_col = table.column(plot.x);
  const std::size_t run_col = table.column("run");
  const auto declared = plot.kind == PlotKind::time_to ? declared_hits(dir / "time_to_target.csv", plot)
                                               : std::map<std::string, std::optional<double>>{};
  const std::size_t y_col = table.column(to_string(plot.y));
  const std::size_t by_col = table.column(to_string(plot.by));
  std::vector<Curve> curves;
  for (const auto& label : labels_in_order(runs)) {
    std::map<double, std::vector<double>> values;
    for (const auto& r : runs) {
      if (r.label != label) continue;
      const double x = table.number(r.first_row, x_col);
      ++dropped.values;
      if (plot.kind == PlotKind::final) {
        // A diverged run has no final value: it is left out (and counted in the subtitle).
        const double y = table.number(r.rows.back(), y_col);
        if (diverged.contains(table.rows[r.rows.back()][run_col]) || !std::isfinite(y)) {
          ++dropped.left_out;
          values[x];
        } else {
          values[x].push_back(y);
        }
        continue;
      }
      std::optional<double> first;
      if (const auto it = declared.find(r.id); it != declared.end()) {
        first = it->second;
      } else {
        auto hit = std::find_if(r.rows.begin(), r.rows.end(),
                                [&](std::size_t row) { return table.number(row, y_col) <= plot.value; });
        if (hit != r.rows.end()) first = table.number(*hit, by_col);
      }
      if (first) {
        values[x].push_back(*first);
      } else {
        ++dropped.missing;
        values[x];  // keep the x so the gap in the curve is visible
      }
    }
    Curve c{label, {}};
    for (const auto& [x, ys] : values) {
      if (!ys.empty()) c.points.emplace_back(x, summarize(ys));
    }
    curves.push_back(std::move(c));
  }
  return curves;
}

std::vector<double> means(const Curve& c, bool x_axis) {
  std::vector<double> out;
  for (const auto& [x, s] : c.points) out.push_back(x_axis ? x : s.mean);
  return out;
}

}  // namespace

double student_t95(std::size_t dof) {
  static const double table[] = {0,     12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
                                 2.201, 2.179,  2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080,
                                 2.074, 2.069,  2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042};
  if (dof == 0) return 0;
  if (dof < sizeof(table) / sizeof(table[0])) return table[dof];
  if (dof < 60) return 2.000;
  if (dof < 120) return 1.980;
  return 1.960;
}

namespace {

const char* by_label(const std::string& by) {
  static const std::map<std::string, const char*> labels = {
      {"time", "virtual time [s]"}, {"step", "steps"}, {"round", "rounds"}, {"samples", "samples"}};
  return labels.at(by);
}

// The data and gnuplot commands of one plot (everything after the common preamble).
struct Figure {
  std::string data;
  std::string title;     // first line of the title, after the spec's name
  std::string subtitle;  // second line
  std::string x_label, y_label;
  std::string commands;  // set ... and plot ...
  Dropped dropped;       // what was not drawn, and why
};

Figure curve_figure(const Table& table, const PlotSpec& plot, const std::string& stem) {
  Figure f{"", fmt::format("{} vs {}", to_string(plot.y), plot.x), "mean over seeds with 95% confidence band", axis_label(plot.x),
           axis_label(to_string(plot.y)), ""};
  const auto curves = curve_series(table, plot, f.dropped);
  std::string bands, lines;
  for (std::size_t i = 0; i < curves.size(); ++i) {
    f.data += block(curves[i].points, plot.log_x, plot.log_y, f.dropped);
    bands += fmt::format("{}'{}.dat' index {} using 1:3:4 with filledcurves lc rgb '{}' notitle", i ? ", " : "", stem,
                         i, colour(i));
    lines += fmt::format(", '{}.dat' index {} using 1:2 with lines lw 2 lc rgb '{}' title {}", stem, i, colour(i),
                         gnuplot_string(curves[i].label));
  }
  // Tight axes: a log axis would otherwise round out to whole decades and squash the curves.
  f.commands = "set autoscale xfix\nset autoscale yfix\nset offsets 0, 0, graph 0.04, graph 0.04\nplot " + bands + lines + "\n";
  return f;
}

Figure swept_figure(const Table& table, const PlotSpec& plot, const std::string& stem, const Json& resolved,
                    const std::filesystem::path& dir, const std::set<std::string>& diverged) {
  Figure f;
  const auto curves = swept_series(table, plot, dir, diverged, f.dropped);
  const std::size_t missing = f.dropped.missing, left_out = f.dropped.left_out;
  if (plot.kind == PlotKind::final) {
    f.title = fmt::format("final {} vs {}", to_string(plot.y), plot.x);
    f.subtitle = fmt::format("mean over seeds with 95% CI{}{}",
                             plot.mark_lupa_period ? "" : "; slope = fitted log-log slope of the means",
                             left_out ? fmt::format("; {} diverged runs left out", left_out) : "");
    f.y_label = std::string("final ") + axis_label(to_string(plot.y));
  } else {
    f.title = fmt::format("{} until {} <= {} vs {}", to_string(plot.by), to_string(plot.y), plot.value, plot.x);
    f.subtitle = fmt::format("mean over seeds with 95% CI{}",
                             missing ? fmt::format("; {} runs never reached it", missing) : "");
    f.y_label = fmt::format("{} until {} <= {}", by_label(to_string(plot.by)), to_string(plot.y), plot.value);
  }
  f.x_label = plot.x;
  std::string items;
  for (std::size_t i = 0; i < curves.size(); ++i) {
    f.data += block(curves[i].points, plot.log_x, plot.log_y, f.dropped);
    std::string title = curves[i].label;
    if (plot.kind == PlotKind::final && !plot.mark_lupa_period) {  // a threshold plot is not a power law
      const double slope = log_log_slope(means(curves[i], true), means(curves[i], false));
      if (std::isfinite(slope)) title += fmt::format(" (slope {:.2f})", slope);
    }
    items += fmt::format("{}'{}.dat' index {} using 1:2:3:4 with yerrorlines lw 2 pt 7 lc rgb '{}' title {}",
                         i ? ", " : "", stem, i, colour(i), gnuplot_string(title));
  }
  if (plot.reference_slope && !curves.empty() && !curves[0].points.empty()) {
    // Through the first point of the first curve: y = y0 (x / x0)^slope.
    const auto& [x0, s0] = curves[0].points.front();
    items += fmt::format(", {} * (x / {})**({}) with lines dt 2 lw 1.5 lc rgb '#777777' title 'reference slope {}'",
                         s0.mean, x0, *plot.reference_slope, *plot.reference_slope);
  }
  if (plot.mark_lupa_period && resolved.contains("variants")) {
    // One dashed marker per variant, in its curve's colour (variants may differ in T, p or B).
    const Json& variants = resolved.at("variants");
    for (std::size_t i = 0; i < variants.size(); ++i) {
      const Json& v = variants[i];
      const double t = v.at("steps").get<double>();
      const double pb = v.at("workers").get<double>() * v.at("batch").get<double>();
      const double tau = std::max(1.0, std::round(std::pow(t, 2.0 / 3.0) / std::cbrt(pb)));
      f.commands += fmt::format("set arrow from {0}, graph 0 to {0}, graph 1 nohead dt 3 lw 1.5 lc rgb '{1}'\n", tau,
                                colour(i));
    }
    f.subtitle += "; dotted: the theory's period T^(2/3)/(pB)^(1/3) per variant";
  }
  f.commands += "set autoscale xfix\nset offsets graph 0.03, graph 0.03, graph 0.05, graph 0.05\nplot " + items + "\n";
  return f;
}

// The ids (as in metrics.csv's run column) of the runs summary.json marks as not completed
// (diverged, or ended at a clock overflow: their last row is not the end of the run); none if it
// cannot be read.
std::set<std::string> diverged_runs(const std::filesystem::path& summary_file) {
  std::set<std::string> out;
  std::ifstream in(summary_file);
  if (!in) return out;
  try {
    const Json summary = Json::parse(in);
    for (const Json& run : summary.at("runs")) {
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
  if (d.values == 0) return "metrics.csv has no rows";
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

}  // namespace

PlotOutcome render_plots(const std::filesystem::path& dir, const std::atomic<bool>* stop) {
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
  const Table table = read_csv(dir / "metrics.csv");
  const std::string name = resolved.value("name", dir.filename().string());
  const std::set<std::string> diverged = diverged_runs(dir / "summary.json");

  PlotOutcome outcome;
  const auto plots_dir = dir / "plots";
  std::filesystem::create_directories(plots_dir);
  for (const PlotSpec& plot : plot_specs) {
    if (stop != nullptr && stop->load(std::memory_order_relaxed)) {
      outcome.interrupted = true;
      break;
    }
    const std::string stem = plot.file_stem();
    const Figure figure = plot.kind == PlotKind::curve ? curve_figure(table, plot, stem)
                                               : swept_figure(table, plot, stem, resolved, dir, diverged);
    write_file_atomically(plots_dir / (stem + ".dat"), figure.data);
    if (!has_points(figure.data)) {
      outcome.warnings.push_back(fmt::format("{}: nothing to draw: {}; the data are in {}", stem,
                                             why_nothing_to_draw(plot, figure.dropped),
                                             (plots_dir / (stem + ".dat")).string()));
      continue;
    }

    // The output file is a variable: `gnuplot NAME.gp` draws NAME.png, localsgd passes a
    // temporary (experiments/report/gnuplot.hpp) and renames it once the drawing is known complete.
    std::string script = fmt::format(
        "# Drawn by localsgd from metrics.csv; redraw with `gnuplot {0}.gp` in this folder, or `localsgd plot DIR`\n"
        "if (!exists(\"output_file\")) output_file = {1}\n"
        "set terminal pngcairo size 1000,640 font 'DejaVu Sans,11' noenhanced\n"
        "set output output_file\n"
        "set title {2} . \"\\n\" . {3}\n"
        "set xlabel {4}\nset ylabel {5}\n"
        "set grid\nset key outside below\n"
        "set style fill transparent solid 0.18 noborder\n",
        stem, gnuplot_string(stem + ".png"), gnuplot_string(fmt::format("{}: {}", name, figure.title)),
        gnuplot_string(figure.subtitle), gnuplot_string(figure.x_label), gnuplot_string(figure.y_label));
    if (plot.log_x) script += "set logscale x\n";
    if (plot.log_y) script += "set logscale y\nset format y '%.0e'\n";
    script += figure.commands;
    write_file_atomically(plots_dir / (stem + ".gp"), script);

    const DrawResult drawn = draw_png(plots_dir, stem, stop);
    switch (drawn.status) {
      case DrawStatus::drawn:
        outcome.written.push_back(plots_dir / (stem + ".png"));
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
