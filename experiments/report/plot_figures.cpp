#include "experiments/report/plot_figures.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <limits>
#include <optional>

#include "experiments/report/expectations.hpp"
#include "experiments/report/plot_styles.hpp"

namespace localsgd {

namespace {

using Table = CsvTable;

const char* axis_label(const std::string& axis) {
  static const std::map<std::string, const char*> labels = {
      {"step", "local step t (per worker)"},
      {"round", "communication rounds"},
      {"samples", "samples drawn (all workers)"},
      {"time", "virtual time [s]"},
      {"bytes", "bytes sent (all workers)"},
      {"loss", "loss F(x̄)"},
      {"gap", "optimality gap F(x̄) − F*"},
      {"grad_norm_sq", "‖∇F(x̄)‖²"},
      {"consensus", "consensus (1/p) Σ‖x_i − x̄‖²"},
  };
  return labels.at(axis);
}

const char* by_label(const std::string& by) {
  static const std::map<std::string, const char*> labels = {
      {"time", "virtual time [s]"}, {"step", "steps"}, {"round", "rounds"}, {"samples", "samples"},
      {"bytes", "bytes sent"}};
  return labels.at(by);
}

// "mean over seeds" or "geometric mean over seeds", and how its interval is computed.
std::string mean_text(PlotMean mean) {
  return mean == PlotMean::geometric ? "geometric mean over seeds" : "mean over seeds";
}
std::string interval_text(PlotMean mean, const char* what) {
  return mean == PlotMean::geometric ? fmt::format("95% {} (t-interval of the logs)", what)
                                     : fmt::format("95% {}", what);
}

}  // namespace

// The rows of metrics.csv grouped by run (only the runs of one panel), with each run's curve
// label: the variant and the swept values, except those in `except` (the x axis, the facet).

std::vector<RunRows> runs_of(const Table& table, const std::set<std::string>& kept, std::vector<std::string> except,
                             const Json& where) {
  // A filter that keeps one value names it for every curve: it is not repeated in the labels.
  for (const auto& [key, values] : where.items()) {
    if (values.size() == 1) except.push_back(key);
  }
  const std::size_t run_col = table.column("run");
  const std::size_t variant_col = table.column("variant");
  const std::size_t seed_col = table.column("seed");
  const std::size_t step_col = table.column("step");
  const auto excluded = [&](const std::string& name) {
    return std::find(except.begin(), except.end(), name) != except.end();
  };
  std::vector<RunRows> runs;
  std::map<std::string, std::size_t> index_of_run;
  std::size_t current = 0;
  bool current_kept = false;
  for (std::size_t i = 0; i < table.rows.size(); ++i) {
    const auto& row = table.rows[i];
    // A run's rows are consecutive: most rows continue the run of the row before.
    if (i == 0 || row[run_col] != table.rows[i - 1][run_col]) {
      current_kept = kept.contains(row[run_col]);
      if (!current_kept) continue;
      auto [it, inserted] = index_of_run.try_emplace(row[run_col], runs.size());
      if (inserted) {
        RunRows r;
        r.first_row = i;
        r.id = row[run_col];
        std::vector<std::string> parts;
        if (!excluded("variant")) parts.push_back(row[variant_col]);
        for (std::size_t c = seed_col + 1; c < step_col; ++c) {
          // An empty cell: the variant does not take that swept key (left out of its label).
          if (!excluded(table.header[c]) && !row[c].empty()) parts.push_back(fmt::format("{}={}", table.header[c], row[c]));
        }
        for (const auto& part : parts) r.label += (r.label.empty() ? "" : ", ") + part;
        if (r.label.empty()) r.label = "runs";
        runs.push_back(std::move(r));
      }
      current = it->second;
    }
    if (current_kept) runs[current].rows.push_back(i);
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

namespace {

struct Curve {
  std::string label;
  std::vector<std::pair<double, Summary>> points;
  bool thinned = false;
  // final, time_to: a variant that does not take the swept key of x (its cell is empty, the sweep
  // rule of docs/experiments.md) has one value for every x: drawn as a flat reference line.
  std::optional<Summary> reference;
};

// One gnuplot data block: lines "x mean lower upper n", skipping what a log axis cannot show.
// Returns the number of lines written.
std::size_t write_block(const std::vector<std::pair<double, Summary>>& points, const PlotSpec& plot, Figure& f) {
  std::string out = "# x mean lower upper n\n";
  std::size_t written = 0;
  for (const auto& [x, s] : points) {
    if (!std::isfinite(x) || !std::isfinite(s.mean)) continue;
    ++f.dropped.points;
    f.dropped.x_off_axis += plot.log_x && x <= 0 ? 1 : 0;
    f.dropped.y_off_axis += plot.log_y && s.mean <= 0 ? 1 : 0;
    if ((plot.log_x && x <= 0) || (plot.log_y && s.mean <= 0)) continue;
    const double lower = (plot.log_y && s.lower <= 0) ? s.mean * 1e-3 : s.lower;  // keep the band drawable
    out += fmt::format("{} {} {} {} {}\n", x, s.mean, lower, s.upper, s.n);
    ++written;
    f.x_span.add(x, plot.log_x);
    f.y_span.add(lower, plot.log_y);
    f.y_span.add(s.upper, plot.log_y);
    f.y_span.add(s.mean, plot.log_y);
  }
  f.data += out + "\n\n";
  f.rows += written;
  ++f.curves;
  return written;
}

// The style of each label, by first appearance over all panels, so that a curve looks the same in
// every panel; and whether any panel drew a point of it.
class Styles {
 public:
  explicit Styles(bool many) : many_(many) {}
  std::size_t index(const std::string& label) {
    const auto [it, fresh] = index_.try_emplace(label, order_.size());
    if (fresh) order_.push_back(label);
    return it->second;
  }
  // A curve's line: as before for up to 8 curves (a colour each), with dash and point types beyond.
  std::string line(const std::string& label, const char* with) {
    const std::size_t i = index(label);
    const std::string kind = with;
    if (kind == "lines") {
      return many_ ? fmt::format("with linespoints lw 2 {} pn 8", curve_style(i).gnuplot())
                   : fmt::format("with lines lw 2 lc rgb '{}'", curve_colour(i));
    }
    return many_ ? fmt::format("with {} lw 2 {}", kind, curve_style(i).gnuplot())
                 : fmt::format("with {} lw 2 pt 7 lc rgb '{}'", kind, curve_colour(i));
  }
  void drew(const std::string& label, std::size_t rows) { any_points_[label] = any_points_[label] || rows > 0; }
  // Every label once, in order; "(no points)" where no panel could draw one.
  std::vector<KeyEntry> key(const char* with) {
    std::vector<KeyEntry> out;
    for (const auto& label : order_) {
      out.push_back({any_points_[label] ? label : label + " (no points)", line(label, with)});
    }
    return out;
  }

 private:
  bool many_;
  std::map<std::string, std::size_t> index_;
  std::vector<std::string> order_;
  std::map<std::string, bool> any_points_;
};

// The title of a plot item, or, if its curve drew nothing, a key entry in its place (gnuplot
// leaves a curve without points out of the key). With a shared key: no title.
std::string titled(const std::string& item, const std::string& label, const std::string& look, std::size_t rows,
                   bool shared_key) {
  if (shared_key) return rows > 0 ? item + " notitle" : "";
  if (rows == 0) return fmt::format("keyentry {} title {}", look, gnuplot_string(label + " (no points)"));
  return fmt::format("{} title {}", item, gnuplot_string(label));
}

std::string join_items(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) {
    if (!item.empty()) out += (out.empty() ? "" : ", ") + item;
  }
  return out;
}

std::size_t count_labels(const std::vector<std::vector<Curve>>& panels) {
  std::set<std::string> labels;
  for (const auto& curves : panels) {
    for (const auto& c : curves) labels.insert(c.label);
  }
  return labels.size();
}

// kind "curve": per label, by evaluation index, the mean x and the summary of y over seeds.
std::vector<Curve> curve_series(const Table& table, const PlotSpec& plot, const Panel& panel, Dropped& dropped) {
  const auto runs = runs_of(table, panel.runs, {plot.facet}, plot.where);
  const std::size_t x_col = table.column(plot.x);
  const std::size_t y_col = table.column(to_string(plot.y));
  std::vector<Curve> curves;
  for (const auto& label : labels_in_order(runs)) {
    std::vector<std::vector<double>> xs, ys;
    for (const auto& r : runs) {
      if (r.label != label) continue;
      if (xs.size() < r.rows.size()) {
        xs.resize(r.rows.size());
        ys.resize(r.rows.size());
      }
      for (std::size_t k = 0; k < r.rows.size(); ++k) {
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
    Curve c{label, {}, false};
    for (std::size_t k = 0; k < xs.size(); ++k) {
      if (!ys[k].empty()) c.points.emplace_back(summarize(xs[k]).mean, summarize(ys[k], plot.mean));
    }
    // Aggregated over seeds first, then thinned: gnuplot draws a few thousand points per curve.
    c.thinned = c.points.size() > kMaxCurvePoints;
    c.points = thin_points(c.points, kMaxCurvePoints, plot.log_x);
    curves.push_back(std::move(c));
  }
  return curves;
}

// Per run: where it first met `metric <= value` on the `by` axis, from time_to_target.csv (checked
// at every sync, so independent of the evaluation grid). Runs without such a target are absent.
std::map<std::string, std::optional<double>> declared_hits(const std::filesystem::path& file, const PlotSpec& plot) {
  std::map<std::string, std::optional<double>> hits;
  // Target hits do not record bytes (sim/targets.hpp): on that axis the metrics rows decide, as in
  // first_reached (run_record.hpp).
  if (plot.by == Axis::bytes || !std::filesystem::exists(file)) return hits;
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

// kinds "final" and "time_to": per label, per swept value of x (one value, 0, without x), the
// summary over seeds of the run's final y, or of the first `by` where y <= value (runs that never
// reach it are left out and counted in `missing`).
std::vector<Curve> swept_series(const PlotSpec& plot, const PlotInputs& in, const Panel& panel,
                                const std::map<std::string, std::optional<double>>& declared, Dropped& dropped) {
  const Table& table = in.metrics;
  const auto runs = runs_of(table, panel.runs, {plot.x, plot.facet}, plot.where);
  constexpr std::size_t kNoColumn = static_cast<std::size_t>(-1);
  const std::size_t x_col = plot.x.empty() ? kNoColumn : table.column(plot.x);
  const std::size_t run_col = table.column("run");
  const std::size_t y_col = table.column(to_string(plot.y));
  const std::size_t by_col = table.column(to_string(plot.by));
  std::vector<Curve> curves;
  // Where a variant does not take the swept key: the x a run's values are collected under.
  const double no_x = std::numeric_limits<double>::quiet_NaN();
  for (const auto& label : labels_in_order(runs)) {
    std::map<double, std::vector<double>> values;
    std::vector<double> reference;
    bool has_reference = false;
    for (const auto& r : runs) {
      if (r.label != label) continue;
      const bool takes_x = x_col == kNoColumn || !table.rows[r.first_row][x_col].empty();
      const double x = x_col == kNoColumn ? 0.0 : takes_x ? table.number(r.first_row, x_col) : no_x;
      has_reference = has_reference || !takes_x;
      auto& at_x = takes_x ? values[x] : reference;
      ++dropped.values;
      if (plot.kind == PlotKind::final) {
        // A diverged run has no final value: it is left out (and counted in the subtitle).
        const double y = table.number(r.rows.back(), y_col);
        if (in.diverged.contains(table.rows[r.rows.back()][run_col]) || !std::isfinite(y)) {
          ++dropped.left_out;
        } else {
          at_x.push_back(y);
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
        at_x.push_back(*first);
      } else {
        ++dropped.missing;  // the x stays (values[x] exists), so the gap in the curve is visible
      }
    }
    Curve c{label, {}, false, std::nullopt};
    for (const auto& [x, ys] : values) {
      if (!ys.empty()) c.points.emplace_back(x, summarize(ys, plot.mean));
    }
    if (has_reference && !reference.empty()) c.reference = summarize(reference, plot.mean);
    curves.push_back(std::move(c));
  }
  return curves;
}

std::vector<double> means(const Curve& c, bool x_axis) {
  std::vector<double> out;
  for (const auto& [x, s] : c.points) out.push_back(x_axis ? x : s.mean);
  return out;
}

Figure curve_figure(const PlotSpec& plot, const std::string& stem, const PlotInputs& in,
                    const std::vector<Panel>& panels) {
  Figure f;
  f.title = fmt::format("{} vs {}", to_string(plot.y), plot.x);
  f.x_label = axis_label(plot.x);
  f.y_label = axis_label(to_string(plot.y));
  const bool shared_key = panels.size() > 1;
  std::vector<std::vector<Curve>> all;
  bool thinned = false;
  for (const auto& panel : panels) {
    all.push_back(curve_series(in.metrics, plot, panel, f.dropped));
    for (const auto& c : all.back()) thinned = thinned || c.thinned;
  }
  f.subtitle = fmt::format("{} with {}{}", mean_text(plot.mean), interval_text(plot.mean, "confidence band"),
                           thinned ? fmt::format("; at most {} points per curve", kMaxCurvePoints) : "");
  Styles styles(count_labels(all) > 8);
  std::size_t index = 0;
  for (const auto& curves : all) {
    std::vector<std::string> bands, lines;
    for (const auto& c : curves) {
      const std::size_t rows = write_block(c.points, plot, f);
      styles.drew(c.label, rows);
      const std::size_t i = styles.index(c.label);
      if (rows > 0) {
        bands.push_back(fmt::format("'{}.dat' index {} using 1:3:4 with filledcurves lc rgb '{}' notitle", stem, index,
                                    curve_colour(i)));
      }
      lines.push_back(titled(fmt::format("'{}.dat' index {} using 1:2 {}", stem, index, styles.line(c.label, "lines")),
                             c.label, styles.line(c.label, "lines"), rows, shared_key));
      index += rows > 0 ? 1 : 0;  // gnuplot does not count a block without data lines
    }
    bands.insert(bands.end(), lines.begin(), lines.end());
    f.panel_commands.push_back("plot " + join_items(bands) + "\n");
  }
  f.key = styles.key("lines");
  // Tight axes: a log axis would otherwise round out to whole decades and squash the curves.
  f.setup = "set autoscale xfix\nset autoscale yfix\nset offsets 0, 0, graph 0.04, graph 0.04\n";
  return f;
}

// The distinct x values of the curves, for tics at the swept values (none if too many to label).
std::string swept_tics(const std::vector<std::vector<Curve>>& all) {
  std::set<double> xs;
  for (const auto& curves : all) {
    for (const auto& c : curves) {
      for (const auto& point : c.points) xs.insert(point.first);
    }
  }
  if (xs.empty() || xs.size() > 24) return "";
  std::string items;
  for (double x : xs) items += fmt::format("{}{}", items.empty() ? "" : ", ", x);
  return "set xtics (" + items + ")\n";
}

Figure swept_figure(const PlotSpec& plot, const std::string& stem, const PlotInputs& in,
                    const std::vector<Panel>& panels) {
  Figure f;
  const auto declared = plot.kind == PlotKind::time_to ? declared_hits(in.dir / "time_to_target.csv", plot)
                                                       : std::map<std::string, std::optional<double>>{};
  std::vector<std::vector<Curve>> all;
  for (const auto& panel : panels) all.push_back(swept_series(plot, in, panel, declared, f.dropped));
  const std::size_t missing = f.dropped.missing, left_out = f.dropped.left_out;
  if (plot.kind == PlotKind::final) {
    f.title = fmt::format("final {} vs {}", to_string(plot.y), plot.x);
    f.subtitle = fmt::format("{} with {}{}{}", mean_text(plot.mean), interval_text(plot.mean, "CI"),
                             plot.mark_lupa_period ? "" : "; slope = fitted log-log slope of the means",
                             left_out ? fmt::format("; {} diverged runs left out", left_out) : "");
    f.y_label = std::string("final ") + axis_label(to_string(plot.y));
  } else {
    f.title = fmt::format("{} until {} <= {} vs {}", to_string(plot.by), to_string(plot.y), plot.value, plot.x);
    f.subtitle = fmt::format("{} with {}{}", mean_text(plot.mean), interval_text(plot.mean, "CI"),
                             missing ? fmt::format("; {} runs never reached it", missing) : "");
    f.y_label = fmt::format("{} until {} <= {}", by_label(to_string(plot.by)), to_string(plot.y), plot.value);
    f.y_from_zero = !plot.log_y;
  }
  f.x_label = plot.x;
  // A reference curve (a variant without the swept key) spans the swept values of the others.
  double x_low = std::numeric_limits<double>::infinity(), x_high = -x_low;
  for (const auto& curves : all) {
    for (const auto& c : curves) {
      for (const auto& [x, s] : c.points) {
        x_low = std::min(x_low, x);
        x_high = std::max(x_high, x);
      }
    }
  }
  for (auto& curves : all) {
    for (auto& c : curves) {
      if (!c.reference || !c.points.empty() || !(x_low <= x_high)) continue;
      c.points = {{x_low, *c.reference}, {x_high, *c.reference}};
      c.label += fmt::format(" (does not take {})", plot.x);
    }
  }
  const bool shared_key = panels.size() > 1;
  Styles styles(count_labels(all) > 8);
  std::size_t index = 0;
  for (const auto& curves : all) {
    std::vector<std::string> items;
    for (const auto& c : curves) {
      const std::size_t rows = write_block(c.points, plot, f);
      styles.drew(c.label, rows);
      std::string title = c.label;
      if (plot.kind == PlotKind::final && !plot.mark_lupa_period && !c.reference) {  // a threshold plot is not a power law
        const double slope = log_log_slope(means(c, true), means(c, false));
        if (std::isfinite(slope)) title += fmt::format(" (slope {:.2f})", slope);
      }
      const std::string look = styles.line(c.label, "yerrorlines");
      items.push_back(
          titled(fmt::format("'{}.dat' index {} using 1:2:3:4 {}", stem, index, look), title, look, rows, shared_key));
      index += rows > 0 ? 1 : 0;  // gnuplot does not count a block without data lines
    }
    // Through the first point of the first curve that is not a flat reference: y = y0 (x / x0)^slope.
    const auto anchor = std::find_if(curves.begin(), curves.end(), [](const Curve& c) { return !c.reference && !c.points.empty(); });
    if (plot.reference_slope && anchor != curves.end()) {
      const auto& [x0, s0] = anchor->points.front();
      items.push_back(
          fmt::format("{} * (x / {})**({}) with lines dt 2 lw 1.5 lc rgb '#777777' title 'reference slope {}'", s0.mean,
                      x0, *plot.reference_slope, *plot.reference_slope));
    }
    f.panel_commands.push_back("plot " + join_items(items) + "\n");
  }
  f.key = styles.key("yerrorlines");
  if (plot.mark_lupa_period && in.resolved.contains("variants")) {
    // One dashed marker per variant, in its curve's colour (variants may differ in T, p or B).
    const Json& variants = in.resolved.at("variants");
    for (std::size_t i = 0; i < variants.size(); ++i) {
      const Json& v = variants[i];
      const double t = v.at("steps").get<double>();
      const double pb = v.at("workers").get<double>() * v.at("batch").get<double>();
      const double tau = std::max(1.0, std::round(std::pow(t, 2.0 / 3.0) / std::cbrt(pb)));
      f.setup += fmt::format("set arrow from {0}, graph 0 to {0}, graph 1 nohead dt 3 lw 1.5 lc rgb '{1}'\n", tau,
                             curve_colour(i));
    }
    f.subtitle += "; dotted: the theory's period T^(2/3)/(pB)^(1/3) per variant";
  }
  f.setup += "set autoscale xfix\n";
  f.setup += f.y_from_zero ? "set offsets graph 0.03, graph 0.03, graph 0.05, 0\nset yrange [0:*]\n"
                           : "set offsets graph 0.03, graph 0.03, graph 0.05, graph 0.05\n";
  f.setup += swept_tics(all);
  return f;
}

// Bars along x = 1, 2, ... labelled by `labels` (a tic each).
std::string category_tics(const std::vector<std::string>& labels) {
  std::string items;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    items += fmt::format("{}{} {}", i ? ", " : "", gnuplot_string(labels[i]), i + 1);
  }
  return fmt::format("set xrange [0.4:{}]\nset xtics ({}) rotate by -30 left\n",
                     static_cast<double>(labels.size()) + 0.6, items);
}

// time_to without x: one bar per variant and sweep point, its 95% CI as an error bar.
Figure bars_figure(const PlotSpec& plot, const std::string& stem, const PlotInputs& in,
                   const std::vector<Panel>& panels) {
  Figure f;
  const auto declared = declared_hits(in.dir / "time_to_target.csv", plot);
  f.title = fmt::format("{} until {} <= {} per variant", to_string(plot.by), to_string(plot.y), plot.value);
  f.x_label = "";
  f.y_label = fmt::format("{} until {} <= {}", by_label(to_string(plot.by)), to_string(plot.y), plot.value);
  f.y_from_zero = !plot.log_y;
  f.x_categories = true;
  std::vector<std::vector<Curve>> all;
  for (const auto& panel : panels) all.push_back(swept_series(plot, in, panel, declared, f.dropped));
  f.subtitle = fmt::format("{} with {}{}", mean_text(plot.mean), interval_text(plot.mean, "CI"),
                           f.dropped.missing ? fmt::format("; {} runs never reached it", f.dropped.missing) : "");
  Styles styles(count_labels(all) > 8);
  std::size_t index = 0;
  for (const auto& curves : all) {
    std::vector<std::string> items, labels;
    for (std::size_t b = 0; b < curves.size(); ++b) {
      std::vector<std::pair<double, Summary>> bar = curves[b].points;
      for (auto& point : bar) point.first = static_cast<double>(b + 1);
      const std::size_t rows = write_block(bar, plot, f);
      styles.drew(curves[b].label, rows);
      const std::size_t i = styles.index(curves[b].label);
      labels.push_back(rows > 0 ? curves[b].label : curves[b].label + " (never reached)");
      if (rows > 0) {
        items.push_back(
            fmt::format("'{0}.dat' index {1} using 1:2:(0.7) with boxes fs solid 0.55 lc rgb '{2}' notitle, "
                        "'{0}.dat' index {1} using 1:2:3:4 with yerrorbars pt 0 lw 1.5 lc rgb '#333333' "
                        "notitle",
                        stem, index, curve_colour(i)));
      }
      index += rows > 0 ? 1 : 0;  // gnuplot does not count a block without data lines
    }
    if (items.empty()) items.push_back("NaN notitle");
    f.panel_commands.push_back(category_tics(labels) + "plot " + join_items(items) + "\n");
  }
  f.setup = f.y_from_zero ? "set offsets 0, 0, graph 0.05, 0\nset yrange [0:*]\nset key off\n"
                          : "set offsets 0, 0, graph 0.05, graph 0.05\nset key off\n";
  return f;
}

// time_split: per variant and sweep point, the mean over its runs of the compute, communication
// and idle virtual time (summary.json), stacked.
Figure time_split_figure(const PlotSpec& plot, const std::string& stem, const PlotInputs& in,
                         const std::vector<Panel>& panels) {
  Figure f;
  f.title = "virtual time: compute, communication, idle per variant";
  f.subtitle = "mean over runs; compute and idle: means over workers (they add up to the run's virtual time)";
  f.y_label = "virtual time [s]";
  f.y_from_zero = true;
  f.x_categories = true;
  std::map<std::string, const Json*> summary_of_run;
  if (in.summary != nullptr && in.summary->contains("runs") && (*in.summary)["runs"].is_array()) {
    for (const Json& run : (*in.summary)["runs"]) {
      if (run.contains("run")) summary_of_run[run["run"].dump()] = &run;
    }
  }
  const auto field = [](const Json& run, const char* key) {
    return run.contains(key) && run[key].is_number() ? run[key].get<double>() : std::nan("");
  };
  static const char* kParts[] = {"compute", "communication", "idle"};
  static const char* kPartColours[] = {"#0072B2", "#E69F00", "#BBBBBB"};
  std::size_t index = 0;
  for (const auto& panel : panels) {
    const auto runs = runs_of(in.metrics, panel.runs, {plot.facet}, plot.where);
    std::vector<std::string> labels = labels_in_order(runs);
    std::string block = "# bar compute communication idle n\n";
    std::size_t bars = 0;
    for (std::size_t b = 0; b < labels.size(); ++b) {
      std::vector<double> parts[3];
      for (const auto& r : runs) {
        const auto it = summary_of_run.find(r.id);
        if (r.label != labels[b] || it == summary_of_run.end()) continue;
        const double values[3] = {field(*it->second, "compute_time_mean"), field(*it->second, "communication_time"),
                                  field(*it->second, "idle_time_mean")};
        ++f.dropped.values;
        if (!std::isfinite(values[0] + values[1] + values[2])) {
          ++f.dropped.non_finite;
          continue;
        }
        for (int k = 0; k < 3; ++k) parts[k].push_back(values[k]);
      }
      if (parts[0].empty()) {
        labels[b] += " (no summary)";
        continue;
      }
      const double compute = summarize(parts[0]).mean, communication = summarize(parts[1]).mean,
                   idle = summarize(parts[2]).mean;
      block += fmt::format("{} {} {} {} {}\n", b + 1, compute, communication, idle, parts[0].size());
      f.y_span.add(0.0, false);
      f.y_span.add(compute + communication + idle, false);
      ++bars;
      ++f.dropped.points;
    }
    f.data += block + "\n\n";
    f.rows += bars;
    ++f.curves;
    // Drawn back to front: the total (idle on top), then compute + communication, then compute.
    const std::string using_columns[] = {"1:2", "1:($2+$3)", "1:($2+$3+$4)"};
    std::vector<std::string> items;
    for (int k = 2; k >= 0; --k) {
      const std::string look =
          fmt::format("with boxes fs solid 0.8 border lc rgb '#555555' lc rgb '{}'", kPartColours[k]);
      const std::string item = fmt::format("'{}.dat' index {} using {}:(0.7) {}", stem, index, using_columns[k], look);
      items.push_back(panels.size() > 1 ? item + " notitle" : item + " title '" + kParts[k] + "'");
    }
    index += bars > 0 ? 1 : 0;  // gnuplot does not count a block without data lines
    f.panel_commands.push_back(category_tics(labels) + "plot " + (bars > 0 ? join_items(items) : "NaN notitle") + "\n");
  }
  for (int k = 2; k >= 0; --k) {
    f.key.push_back({kParts[k], fmt::format("with boxes fs solid 0.8 lc rgb '{}'", kPartColours[k])});
  }
  f.setup = "set offsets 0, 0, graph 0.05, 0\nset yrange [0:*]\n";
  return f;
}

}  // namespace

Figure build_figure(const PlotSpec& plot, const std::string& stem, const PlotInputs& in,
                    const std::vector<Panel>& panels) {
  switch (plot.kind) {
    case PlotKind::curve:
      return curve_figure(plot, stem, in, panels);
    case PlotKind::final:
      return swept_figure(plot, stem, in, panels);
    case PlotKind::time_to:
      return plot.x.empty() ? bars_figure(plot, stem, in, panels) : swept_figure(plot, stem, in, panels);
    case PlotKind::time_split:
      return time_split_figure(plot, stem, in, panels);
    case PlotKind::staleness:
      return staleness_figure(plot, stem, in, panels);
  }
  return {};
}

}  // namespace localsgd
