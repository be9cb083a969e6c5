#include "experiments/plots.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <spawn.h>
#include <sys/wait.h>

#include <cmath>
#include <fstream>
#include <map>
#include <stdexcept>

#include "experiments/csv.hpp"
#include "experiments/results.hpp"

extern char** environ;

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

std::string gnuplot_string(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

struct Table {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::size_t column(const std::string& name) const {
    for (std::size_t i = 0; i < header.size(); ++i) {
      if (header[i] == name) return i;
    }
    throw std::runtime_error("metrics.csv has no column \"" + name + "\"");
  }
};

Table read_table(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw std::runtime_error(file.string() + ": cannot open for reading");
  Table table;
  std::string line;
  if (!std::getline(in, line)) throw std::runtime_error(file.string() + ": empty file");
  table.header = split_csv_line(line);
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    table.rows.push_back(split_csv_line(line));
    if (table.rows.back().size() != table.header.size()) {
      throw std::runtime_error(fmt::format("{}: line {} has {} fields, the header {}", file.string(),
                                           table.rows.size() + 1, table.rows.back().size(), table.header.size()));
    }
  }
  return table;
}

// Curves keyed by (variant, swept values), in order of first appearance.
std::vector<Series> collect(const Table& table, const std::string& x, const std::string& y) {
  const std::size_t run_col = table.column("run");
  const std::size_t variant_col = table.column("variant");
  const std::size_t seed_col = table.column("seed");
  const std::size_t step_col = table.column("step");
  const std::size_t x_col = table.column(x);
  const std::size_t y_col = table.column(y);
  std::vector<Series> series;
  std::map<std::string, std::size_t> series_of_key;
  std::map<std::string, std::size_t> rows_seen_of_run;
  for (const auto& row : table.rows) {
    std::string label = row[variant_col];
    for (std::size_t c = seed_col + 1; c < step_col; ++c) label += fmt::format(", {}={}", table.header[c], row[c]);
    auto [it, inserted] = series_of_key.try_emplace(label, series.size());
    if (inserted) series.push_back(Series{label, {}, {}});
    Series& s = series[it->second];
    const std::size_t k = rows_seen_of_run[row[run_col]]++;  // evaluation index within the run
    if (s.xs.size() <= k) {
      s.xs.resize(k + 1);
      s.ys.resize(k + 1);
    }
    s.xs[k].push_back(std::stod(row[x_col]));
    s.ys[k].push_back(std::stod(row[y_col]));
  }
  return series;
}

std::string data_block(const Series& s, bool log_x, bool log_y) {
  std::string out = "# x mean lower upper seeds\n";
  for (std::size_t k = 0; k < s.xs.size(); ++k) {
    const auto& xs = s.xs[k];
    const auto& ys = s.ys[k];
    const auto n = static_cast<double>(ys.size());
    double x = 0, mean = 0;
    for (std::size_t i = 0; i < ys.size(); ++i) {
      x += xs[i] / n;
      mean += ys[i] / n;
    }
    double variance = 0;
    for (double v : ys) variance += (v - mean) * (v - mean);
    const double half_width = ys.size() > 1 ? student_t95(ys.size() - 1) * std::sqrt(variance / (n - 1) / n) : 0.0;
    double lower = mean - half_width;
    const double upper = mean + half_width;
    if (!std::isfinite(x) || !std::isfinite(mean) || (log_x && x <= 0) || (log_y && mean <= 0)) continue;
    if (log_y && lower <= 0) lower = mean * 1e-3;  // keep the band drawable on a log axis
    out += fmt::format("{} {} {} {} {}\n", x, mean, lower, upper, ys.size());
  }
  return out + "\n\n";
}

// Runs `gnuplot script` with its output sent to `log`; returns the exit status, or -1 if
// gnuplot could not be started.
// gnuplot runs inside the script's folder, where the script's relative file names point.
int run_gnuplot(const std::filesystem::path& script, const std::filesystem::path& log) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addchdir_np(&actions, script.parent_path().c_str());
  posix_spawn_file_actions_addopen(&actions, 1, log.filename().c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  std::string program = "gnuplot";
  std::string script_arg = script.filename().string();
  char* argv[] = {program.data(), script_arg.data(), nullptr};
  pid_t pid = 0;
  const int spawned = posix_spawnp(&pid, "gnuplot", &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) return -1;
  int status = 0;
  if (waitpid(pid, &status, 0) < 0) return -1;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
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

PlotOutcome render_plots(const std::filesystem::path& dir) {
  std::ifstream spec_in(dir / "spec.resolved.json");
  if (!spec_in) throw std::runtime_error((dir / "spec.resolved.json").string() + ": cannot open for reading");
  const Json resolved = Json::parse(spec_in);
  const Table table = read_table(dir / "metrics.csv");
  const std::string name = resolved.value("name", dir.filename().string());

  PlotOutcome outcome;
  const auto plots_dir = dir / "plots";
  std::filesystem::create_directories(plots_dir);
  for (const Json& plot : resolved.at("plots")) {
    const PlotSpec spec{plot.at("x"), plot.at("y"), plot.at("log_x"), plot.at("log_y")};
    const std::vector<Series> series = collect(table, spec.x, spec.y);
    const std::string stem = spec.file_stem();
    std::string data;
    for (const Series& s : series) data += data_block(s, spec.log_x, spec.log_y);
    write_file_atomically(plots_dir / (stem + ".dat"), data);

    const std::string png = stem + ".png";
    const std::string temporary_png = "." + png + ".tmp";
    std::string script = fmt::format(
        "# Drawn by `localsgd plot`; rerun with: cd {} && gnuplot {}.gp\n"
        "set terminal pngcairo size 1000,640 font 'DejaVu Sans,11' noenhanced\n"
        "set output {}\n"
        "set title {}\n"
        "set xlabel {}\nset ylabel {}\n"
        "set grid\nset key outside right top\n"
        "set style fill transparent solid 0.18 noborder\n",
        gnuplot_string(plots_dir.string()), stem, gnuplot_string(temporary_png),
        gnuplot_string(fmt::format("{}: {} vs {} (mean over seeds, 95% CI)", name, spec.y, spec.x)),
        gnuplot_string(axis_label(spec.x)), gnuplot_string(axis_label(spec.y)));
    script += "set autoscale xfix\n";
    if (spec.log_x) script += "set logscale x\n";
    if (spec.log_y) script += "set logscale y\nset format y '%.0e'\n";
    std::string bands, lines;
    for (std::size_t i = 0; i < series.size(); ++i) {
      bands += fmt::format("{}'{}.dat' index {} using 1:3:4 with filledcurves lc rgb '{}' notitle", i ? ", " : "",
                           stem, i, colour(i));
      lines += fmt::format(", '{}.dat' index {} using 1:2 with lines lw 2 lc rgb '{}' title {}", stem, i, colour(i),
                           gnuplot_string(series[i].label));
    }
    script += "plot " + bands + lines + "\n";
    write_file_atomically(plots_dir / (stem + ".gp"), script);

    const int status = run_gnuplot(plots_dir / (stem + ".gp"), plots_dir / (stem + ".log"));
    if (status < 0) {
      outcome.warnings.push_back("gnuplot was not found, so no PNG was drawn (install it: apt-get install "
                                 "gnuplot-nox); the data and scripts are in " + plots_dir.string());
      break;
    }
    if (status != 0) {
      outcome.warnings.push_back(fmt::format("gnuplot failed on {} (exit {}); see {}", (plots_dir / (stem + ".gp")).string(),
                                             status, (plots_dir / (stem + ".log")).string()));
      continue;
    }
    std::filesystem::rename(plots_dir / temporary_png, plots_dir / png);
    std::filesystem::remove(plots_dir / (stem + ".log"));
    outcome.written.push_back(plots_dir / png);
  }
  return outcome;
}

}  // namespace localsgd
