#include "experiments/report/trajectory_plot.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>
#include <limits>
#include <map>

#include "experiments/report/gif_drawing.hpp"
#include "experiments/report/gnuplot.hpp"
#include "experiments/store/csv.hpp"
#include "experiments/store/results.hpp"

namespace localsgd {

namespace fs = std::filesystem;

namespace {

// One row of trace.csv of a 2-D run.
struct TracePoint {
  long step = 0;
  int round = 0;
  int worker = 0;
  double x = 0, y = 0;
};

// One panel: a traced run of d = 2 (the first seed of its variant and sweep point).
struct Panel {
  std::size_t run = 0;
  std::string title;
  double star_x = 0, star_y = 0;
  std::vector<TracePoint> points;  // in trace.csv's order
  std::vector<int> workers;        // traced ids, increasing
};

std::string quoted(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

// The traced 2-D runs of summary.json, one per variant and sweep point.
std::vector<Panel> read_panels(const fs::path& dir) {
  std::ifstream in(dir / "summary.json");
  if (!in) return {};
  const Json summary = Json::parse(in);
  std::vector<Panel> panels;
  std::vector<std::string> seen;
  for (const Json& run : summary.at("runs")) {
    const Json& config = run.at("config");
    if (!config.contains("trace") || config.at("trace").at("coordinates").get<long>() < 2) continue;
    const Json& constants = run.at("constants");
    if (!constants.contains("x_star") || constants.at("x_star").size() != 2) continue;
    std::string key = run.at("variant").get<std::string>();
    for (const auto& [path, value] : run.at("swept").items()) {
      if (!value.is_null()) key += fmt::format(" {}={}", path, value.dump());  // null: the variant does not take it
    }
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) continue;
    if (static_cast<int>(panels.size()) == kMaxTrajectoryPanels) break;
    seen.push_back(key);
    Panel panel;
    panel.run = run.at("run").get<std::size_t>();
    panel.title = fmt::format("{} (seed {})", key, run.at("seed").get<std::uint64_t>());
    panel.star_x = constants.at("x_star").at(0).get<double>();
    panel.star_y = constants.at("x_star").at(1).get<double>();
    panels.push_back(std::move(panel));
  }
  return panels;
}

void read_points(const fs::path& dir, std::vector<Panel>& panels) {
  const CsvTable table = read_csv(dir / "trace.csv");
  const std::size_t run = table.column("run"), step = table.column("step"), round = table.column("round"),
                    worker = table.column("worker"), x0 = table.column("x0"), x1 = table.column("x1");
  std::map<std::size_t, Panel*> by_run;
  for (Panel& p : panels) by_run[p.run] = &p;
  for (std::size_t r = 0; r < table.rows.size(); ++r) {
    const auto it = by_run.find(static_cast<std::size_t>(table.number(r, run)));
    if (it == by_run.end()) continue;
    TracePoint point{static_cast<long>(table.number(r, step)), static_cast<int>(table.number(r, round)),
                     static_cast<int>(table.number(r, worker)), table.number(r, x0), table.number(r, x1)};
    Panel& panel = *it->second;
    if (std::find(panel.workers.begin(), panel.workers.end(), point.worker) == panel.workers.end()) {
      panel.workers.push_back(point.worker);
    }
    panel.points.push_back(point);
  }
  for (Panel& p : panels) std::sort(p.workers.begin(), p.workers.end());
}

struct Extent {
  double x_min, x_max, y_min, y_max;
};

Extent extent_of(const std::vector<Panel>& panels) {
  Extent e{HUGE_VAL, -HUGE_VAL, HUGE_VAL, -HUGE_VAL};
  auto include = [&](double x, double y) {
    if (!std::isfinite(x) || !std::isfinite(y)) return;
    e.x_min = std::min(e.x_min, x), e.x_max = std::max(e.x_max, x);
    e.y_min = std::min(e.y_min, y), e.y_max = std::max(e.y_max, y);
  };
  for (const Panel& p : panels) {
    include(p.star_x, p.star_y);
    for (const TracePoint& t : p.points) include(t.x, t.y);
  }
  // A margin of 8% of the larger side on every side, so that the contours frame the paths.
  const double side = std::max({e.x_max - e.x_min, e.y_max - e.y_min, 1e-12});
  const double pad = 0.08 * side;
  return {e.x_min - pad, e.x_max + pad, e.y_min - pad, e.y_max + pad};
}

// F − F* on a kTrajectoryGridPoints² grid over `e` (gnuplot's grid format: a blank line after
// each x), and 11 contour levels spaced geometrically over the grid's positive gaps.
std::string grid_dat(const Problem& problem, const Extent& e, std::vector<double>& levels) {
  std::string text;
  auto out = std::back_inserter(text);
  const int n = kTrajectoryGridPoints;
  Vector x(2);
  double low = HUGE_VAL, high = 0;
  for (int i = 0; i < n; ++i) {
    x[0] = e.x_min + (e.x_max - e.x_min) * i / (n - 1);
    for (int j = 0; j < n; ++j) {
      x[1] = e.y_min + (e.y_max - e.y_min) * j / (n - 1);
      const double gap = problem.gap(x);
      if (gap > 0 && std::isfinite(gap)) low = std::min(low, gap), high = std::max(high, gap);
      fmt::format_to(out, "{} {} {}\n", x[0], x[1], gap);
    }
    text += '\n';
  }
  levels.clear();
  if (high > 0) {
    low = std::max(low, high * 1e-6);
    for (int k = 1; k <= 11; ++k) levels.push_back(low * std::pow(high / low, k / 12.0));
  }
  return text;
}

// Each worker's path, one block per round (so that the snap at a sync is not drawn as part of
// it): x y worker step.
std::string paths_dat(const Panel& panel) {
  std::string text;
  auto out = std::back_inserter(text);
  for (int w : panel.workers) {
    int round = -1;
    for (const TracePoint& t : panel.points) {
      if (t.worker != w) continue;
      if (round >= 0 && t.round != round) text += '\n';
      round = t.round;
      fmt::format_to(out, "{} {} {} {}\n", t.x, t.y, t.worker, t.step);
    }
    text += "\n";
  }
  return text;
}

// The snaps: for every sync and worker, a segment from its model before the sync to x̄ after it
// (x y step, a blank line after each); and x̄ after every sync (x y step).
void sync_dat(const Panel& panel, std::string& snaps, std::string& syncs) {
  std::map<int, const TracePoint*> previous;  // per worker, its previous row
  for (const TracePoint& t : panel.points) {
    const TracePoint* before = previous[t.worker];
    previous[t.worker] = &t;
    if (before == nullptr || before->step != t.step) continue;  // a sync shows a step twice
    snaps += fmt::format("{} {} {}\n{} {} {}\n\n", before->x, before->y, t.step, t.x, t.y, t.step);
    if (t.worker == panel.workers.front()) syncs += fmt::format("{} {} {}\n", t.x, t.y, t.step);
  }
}

// The frames' steps: every traced step of the panels, thinned evenly to kMaxTrajectoryFrames
// (the last kept).
std::vector<long> frame_steps(const std::vector<Panel>& panels) {
  std::vector<long> steps;
  for (const Panel& p : panels) {
    for (const TracePoint& t : p.points) steps.push_back(t.step);
  }
  std::sort(steps.begin(), steps.end());
  steps.erase(std::unique(steps.begin(), steps.end()), steps.end());
  if (steps.size() <= static_cast<std::size_t>(kMaxTrajectoryFrames)) return steps;
  const std::size_t stride = (steps.size() + kMaxTrajectoryFrames - 1) / kMaxTrajectoryFrames;
  std::vector<long> kept;
  for (std::size_t i = stride - 1; i < steps.size(); i += stride) kept.push_back(steps[i]);
  if (kept.back() != steps.back()) kept.back() = steps.back();
  return kept;
}

// Per frame (gnuplot index f − 1), every worker's latest position at or before the frame's step.
// The points are in step order, so one pass per worker over points and frames together.
std::string heads_dat(const Panel& panel, const std::vector<long>& frames) {
  std::vector<std::vector<const TracePoint*>> heads(frames.size());
  for (int w : panel.workers) {
    const TracePoint* last = nullptr;
    std::size_t next = 0;  // the next point to look at
    for (std::size_t f = 0; f < frames.size(); ++f) {
      for (; next < panel.points.size() && panel.points[next].step <= frames[f]; ++next) {
        if (panel.points[next].worker == w) last = &panel.points[next];
      }
      heads[f].push_back(last);
    }
  }
  std::string text;
  auto out = std::back_inserter(text);
  for (const auto& frame : heads) {
    for (const TracePoint* t : frame) {
      if (t != nullptr) fmt::format_to(out, "{} {} {}\n", t->x, t->y, t->worker);
    }
    text += "\n\n";
  }
  return text;
}

std::string contour_tables(std::size_t panels, const std::vector<std::vector<double>>& levels) {
  std::string text = "set contour base\nunset surface\nset view map\n";
  for (std::size_t k = 0; k < panels; ++k) {
    if (levels[k].empty()) continue;
    std::string list;
    for (double v : levels[k]) list += fmt::format("{}{:.6g}", list.empty() ? "" : ",", v);
    text += fmt::format("set cntrparam levels discrete {}\nset table 'trajectories_contours_{}.dat'\n"
                        "splot 'trajectories_grid_{}.dat' using 1:2:3 with lines notitle\nunset table\n",
                        list, k, k);
  }
  return text + "unset contour\nset surface\n";
}

// One panel's plot command; `animated`: only what happened up to step s, and the workers' heads.
std::string panel_plot(std::size_t k, const Panel& panel, bool has_contours, bool animated) {
  std::vector<std::string> parts;
  const std::string upto = animated ? "($4<=s?$1:NaN)" : "1";
  const std::string upto3 = animated ? "($3<=s?$1:NaN)" : "1";
  if (has_contours) parts.push_back(fmt::format("'trajectories_contours_{}.dat' with lines lc rgb '#b8b8b8' notitle", k));
  parts.push_back(fmt::format("'trajectories_paths_{}.dat' using {}:2:($3+1) with lines lw 2 lc variable notitle", k, upto));
  parts.push_back(fmt::format("'trajectories_snaps_{}.dat' using {}:2 with lines dt 2 lc rgb '#606060' title 'snap to the average'", k, upto3));
  parts.push_back(fmt::format("'trajectories_syncs_{}.dat' using {}:2 with points pt 7 ps 0.9 lc rgb 'black' title 'average after a sync'", k, upto3));
  if (animated) {
    parts.push_back(fmt::format("'trajectories_heads_{}.dat' index (f-1) using 1:2:($3+1) with points pt 7 ps 1.6 lc variable notitle", k));
  }
  parts.push_back(fmt::format("'+' every ::0::0 using ({}):({}) with points pt 3 ps 2.5 lw 2 lc rgb 'red' title 'x*'",
                              panel.star_x, panel.star_y));
  for (std::size_t j = 0; j < panel.workers.size() && j < 8; ++j) {
    parts.push_back(fmt::format("NaN with lines lw 2 lt {} title 'worker {}'", panel.workers[j] + 1, panel.workers[j]));
  }
  std::string text = fmt::format("set title {}\nplot ", quoted(panel.title));
  for (std::size_t i = 0; i < parts.size(); ++i) text += (i ? ", \\\n     " : "") + parts[i];
  return text + "\n";
}

std::string axes(const Extent& e) {
  return fmt::format("set xrange [{}:{}]\nset yrange [{}:{}]\nset size ratio -1\nset xlabel 'x0'\nset ylabel 'x1'\n"
                     "set key below horizontal font ',9'\nset samples 2\n",
                     e.x_min, e.x_max, e.y_min, e.y_max);
}

void write_scripts(const fs::path& plots, const std::vector<Panel>& panels, const Extent& e,
                   const std::vector<std::vector<double>>& levels) {
  const std::vector<long> frames = frame_steps(panels);
  const std::size_t count = panels.size();
  const int width = 560 * static_cast<int>(count), height = 620;
  std::string png = "# The trajectories of the traced 2-D runs (localsgd run writes this; `gnuplot trajectories.gp` redraws it).\n"
                    "if (!exists('output_file')) output_file = 'trajectories.png'\n";
  png += fmt::format("set terminal pngcairo size {},{} noenhanced font ',10'\nset output output_file\n", width, height);
  png += contour_tables(count, levels) + axes(e);
  png += fmt::format("set multiplot layout 1,{}\n", count);
  for (std::size_t k = 0; k < count; ++k) png += panel_plot(k, panels[k], !levels[k].empty(), false);
  png += "unset multiplot\n";
  write_file_atomically(plots / "trajectories.gp", png);

  std::string gif = "# The trajectories drawn step by step (`gnuplot trajectories_animation.gp` redraws it).\n"
                    "if (!exists('output_file')) output_file = 'trajectories.gif'\n";
  gif += fmt::format("set terminal gif animate delay 8 loop 0 size {},{} noenhanced\nset output output_file\n", width,
                     height);
  gif += contour_tables(count, levels) + axes(e);
  std::string list;
  for (long s : frames) list += fmt::format("{}{}", list.empty() ? "" : ",", s);
  gif += fmt::format("array frame_step[{}] = [{}]\ndo for [f=1:{}] {{\n  s = frame_step[f]\n", frames.size(), list,
                     frames.size());
  gif += fmt::format("  set multiplot layout 1,{} title sprintf('step %d', s)\n", count);
  for (std::size_t k = 0; k < count; ++k) gif += panel_plot(k, panels[k], !levels[k].empty(), true);
  gif += "  unset multiplot\n}\n";
  write_file_atomically(plots / "trajectories_animation.gp", gif);

  for (std::size_t k = 0; k < count; ++k) {
    std::string snaps, syncs;
    sync_dat(panels[k], snaps, syncs);
    write_file_atomically(plots / fmt::format("trajectories_paths_{}.dat", k), paths_dat(panels[k]));
    write_file_atomically(plots / fmt::format("trajectories_snaps_{}.dat", k), snaps);
    write_file_atomically(plots / fmt::format("trajectories_syncs_{}.dat", k), syncs);
    write_file_atomically(plots / fmt::format("trajectories_heads_{}.dat", k), heads_dat(panels[k], frames));
  }
}

void draw(PlotOutcome& outcome, const fs::path& plots, const std::atomic<bool>* stop) {
  const DrawResult png = draw_png(plots, "trajectories", stop);
  if (png.status == DrawStatus::drawn) {
    outcome.written.push_back(plots / "trajectories.png");
  } else if (png.status == DrawStatus::interrupted) {
    outcome.interrupted = true;
    return;
  } else if (png.status == DrawStatus::not_found) {
    return;  // render_plots has said so already
  } else {
    outcome.failures.push_back(png.message);
  }
  const DrawResult gif = draw_gif(plots, "trajectories_animation.gp", "trajectories.gif", stop);
  if (gif.status == DrawStatus::drawn) {
    outcome.written.push_back(plots / "trajectories.gif");
  } else if (gif.status == DrawStatus::interrupted) {
    outcome.interrupted = true;
  } else if (gif.status == DrawStatus::failed) {
    outcome.failures.push_back(gif.message);
  }
}

}  // namespace

void add_trajectory_plots(PlotOutcome& outcome, const fs::path& dir, const ExperimentSpec* spec,
                          const std::atomic<bool>* stop) {
  if (outcome.interrupted || (stop != nullptr && stop->load())) return;
  const fs::path plots = dir / "plots";
  if (spec == nullptr) {
    std::error_code error;
    if (fs::is_regular_file(plots / "trajectories.gp", error)) draw(outcome, plots, stop);
    return;
  }
  if (!fs::is_regular_file(dir / "trace.csv")) return;
  std::vector<Panel> panels = read_panels(dir);
  if (panels.empty()) return;
  read_points(dir, panels);
  std::erase_if(panels, [](const Panel& p) { return p.points.empty(); });
  if (panels.empty()) return;
  fs::create_directories(plots);
  const Extent e = extent_of(panels);
  std::vector<std::vector<double>> levels(panels.size());
  for (std::size_t k = 0; k < panels.size(); ++k) {
    const auto problem = spec->runs.at(panels[k].run).build_problem();
    write_file_atomically(plots / fmt::format("trajectories_grid_{}.dat", k), grid_dat(*problem, e, levels[k]));
  }
  write_scripts(plots, panels, e, levels);
  draw(outcome, plots, stop);
}

}  // namespace localsgd
