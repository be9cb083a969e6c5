// The staleness plot (plot kind "staleness", docs/experiments.md): for each curve label (variant
// and sweep point), the fraction of its runs' pushes that arrived with staleness k = 0, 1, ...,
// max, from summary.json's "asynchrony" (experiments/store/run_summary.hpp). Each run's histogram
// is made fractions of its own pushes first, then summarised over seeds (mean with a 95% CI,
// clipped to [0, 1]), so every seed weighs the same whatever its number of pushes.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "experiments/report/plot_figures.hpp"
#include "experiments/report/plot_styles.hpp"

namespace localsgd {

namespace {

// Per run id: its histogram of staleness counts and its pushes (runs without "asynchrony" are absent).
struct Pushes {
  std::vector<double> counts;
  double total = 0;
};

std::map<std::string, Pushes> pushes_of_runs(const Json* summary) {
  std::map<std::string, Pushes> out;
  if (summary == nullptr || !summary->contains("runs") || !(*summary)["runs"].is_array()) return out;
  for (const Json& run : (*summary)["runs"]) {
    if (!run.contains("run") || !run.contains("asynchrony")) continue;
    try {
      const Json& a = run.at("asynchrony");
      Pushes p;
      p.counts = a.at("staleness").at("histogram").get<std::vector<double>>();
      p.total = a.at("pushes").get<double>();
      out[run.at("run").dump()] = std::move(p);
    } catch (const std::exception&) {
      continue;  // a summary edited by hand: that run is left out
    }
  }
  return out;
}

}  // namespace

Figure staleness_figure(const PlotSpec& plot, const std::string& stem, const PlotInputs& in,
                        const std::vector<Panel>& panels) {
  Figure f;
  f.title = "staleness of the pushes";
  f.subtitle = fmt::format("fraction of each run's pushes with staleness k (server versions between its pull and its "
                           "push); {} with {}",
                           plot.mean == PlotMean::geometric ? "geometric mean over seeds" : "mean over seeds",
                           plot.mean == PlotMean::geometric ? "95% CI (t-interval of the logs)" : "95% CI");
  f.x_label = "staleness k";
  f.y_label = "fraction of pushes";
  f.y_from_zero = !plot.log_y;
  const std::map<std::string, Pushes> pushes = pushes_of_runs(in.summary);
  std::map<std::string, std::size_t> style_of;  // label -> its colour, the same in every panel
  std::vector<std::string> order;
  std::size_t index = 0;
  for (const auto& panel : panels) {
    const auto runs = runs_of(in.metrics, panel.runs, {plot.facet}, plot.where);
    std::vector<std::string> items;
    for (const auto& label : labels_in_order(runs)) {
      std::vector<const Pushes*> of_label;
      for (const auto& r : runs) {
        const auto it = pushes.find(r.id);
        if (r.label == label && it != pushes.end() && it->second.total > 0) of_label.push_back(&it->second);
      }
      if (of_label.empty()) continue;  // barrier runs: no pushes
      std::size_t longest = 0;
      for (const Pushes* p : of_label) longest = std::max(longest, p->counts.size());
      const auto [style, fresh] = style_of.try_emplace(label, order.size());
      if (fresh) order.push_back(label);
      std::string block = "# staleness fraction lower upper n\n";
      std::size_t rows = 0;
      for (std::size_t k = 0; k < longest; ++k) {
        std::vector<double> fractions;
        for (const Pushes* p : of_label) fractions.push_back(k < p->counts.size() ? p->counts[k] / p->total : 0.0);
        f.dropped.values += fractions.size();
        const Summary s = summarize(fractions, plot.mean);
        if (!std::isfinite(s.mean)) continue;
        ++f.dropped.points;
        if (plot.log_y && s.mean <= 0) {
          ++f.dropped.y_off_axis;
          continue;
        }
        // A fraction lies in [0, 1]: so does its interval (a t-interval over few seeds may not).
        const double lower = plot.log_y && s.lower <= 0 ? s.mean * 1e-3 : std::max(s.lower, 0.0);
        const double upper = std::min(s.upper, 1.0);
        block += fmt::format("{} {} {} {} {}\n", k, s.mean, lower, upper, s.n);
        ++rows;
        f.x_span.add(static_cast<double>(k), false);
        f.y_span.add(lower, plot.log_y);
        f.y_span.add(upper, plot.log_y);
      }
      f.data += block + "\n\n";
      f.rows += rows;
      ++f.curves;
      if (rows == 0) continue;
      const std::string look = fmt::format("with yerrorlines lw 2 pt 7 lc rgb '{}'", curve_colour(style->second));
      const std::string item = fmt::format("'{}.dat' index {} using 1:2:3:4 {}", stem, index, look);
      items.push_back(panels.size() > 1 ? item + " notitle" : item + " title " + gnuplot_string(label));
      ++index;  // gnuplot does not count a block without data lines
    }
    f.panel_commands.push_back("plot " + (items.empty() ? std::string("NaN notitle") : [&] {
      std::string joined;
      for (const auto& item : items) joined += (joined.empty() ? "" : ", ") + item;
      return joined;
    }()) + "\n");
  }
  for (const auto& label : order) {
    f.key.push_back({label, fmt::format("with yerrorlines lw 2 pt 7 lc rgb '{}'", curve_colour(style_of.at(label)))});
  }
  f.setup = f.y_from_zero ? "set autoscale xfix\nset offsets 0.5, 0.5, graph 0.05, 0\n"
                          : "set autoscale xfix\nset offsets 0.5, 0.5, graph 0.05, graph 0.05\n";
  // Integer tics: one per staleness while they fit.
  f.setup += !f.x_span.empty && f.x_span.high <= 20 ? "set xtics 1\n" : "set format x '%.0f'\n";
  if (f.y_from_zero) f.setup += "set yrange [0:*]\n";
  return f;
}

}  // namespace localsgd
