// Plots that scale to real figures, end to end with gnuplot: every curve of many has its own style
// and a key entry (also a curve with no point a log axis can show), facets draw one panel per value
// with shared ranges, filters keep only matching runs, short log axes have labelled tics, time_to
// starts at 0 with tics at the swept values, bars per variant and the compute / communication /
// idle split, PDF and SVG output at a given size, and a metrics.csv of 10^6 rows thinned.
#include <catch2/catch.hpp>
#include <filesystem>
#include <regex>
#include <set>

#include "experiments/report/gnuplot.hpp"
#include "experiments/report/plots.hpp"
#include "experiments/store/csv.hpp"
#include "support/cli.hpp"

using namespace localsgd;
using namespace localsgd::test;
namespace fs = std::filesystem;

namespace {

const char* kMetricsHeader = "run,variant,seed,step,round,samples,time,loss,gap,grad_norm_sq,consensus\n";

// A results folder as `localsgd run` leaves it, written by hand: spec.resolved.json with these
// plots, and metrics.csv.
void write_results(const fs::path& folder, const Json& plots, const std::string& metrics) {
  fs::create_directories(folder);
  write_file(folder / "spec.resolved.json", Json{{"name", "hand"}, {"plots", plots}}.dump(2));
  write_file(folder / "metrics.csv", metrics);
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

// The data lines (not comments, not blank) of each block of a .dat file.
std::vector<std::vector<std::string>> blocks(const std::string& data) {
  std::vector<std::vector<std::string>> out(1);
  std::size_t blank = 0;
  for (const auto& line : lines(data)) {
    if (line.empty()) {
      if (++blank == 2 && !out.back().empty()) out.emplace_back();
      continue;
    }
    blank = 0;
    if (line[0] != '#') out.back().push_back(line);
  }
  if (out.back().empty()) out.pop_back();
  return out;
}

// The numbers of a .dat line ("x mean lower upper n").
std::vector<double> numbers(const std::string& line) {
  std::vector<double> out;
  std::size_t start = 0;
  while (start < line.size()) {
    const std::size_t end = std::min(line.find(' ', start), line.size());
    out.push_back(*parse_double(line.substr(start, end - start)));
    start = end + 1;
  }
  return out;
}

std::size_t bytes_of(const fs::path& file) { return fs::exists(file) ? fs::file_size(file) : 0; }

// Width and height from a PNG's IHDR chunk.
std::pair<int, int> png_size(const fs::path& file) {
  const std::string bytes = read_file(file);
  REQUIRE(bytes.size() > 24);
  const auto be32 = [&](std::size_t at) {
    return (static_cast<unsigned char>(bytes[at]) << 24) | (static_cast<unsigned char>(bytes[at + 1]) << 16) |
           (static_cast<unsigned char>(bytes[at + 2]) << 8) | static_cast<unsigned char>(bytes[at + 3]);
  };
  return {be32(16), be32(20)};
}

// A sweep of workers x schedule.period on the tiny problem, two variants, two seeds.
Json sweep_spec(const Json& plots) {
  return tiny_spec("grid", {{"variants", Json::parse(R"([{"label": "a", "schedule": {"type": "fixed", "period": 1}},
                                                       {"label": "b", "schedule": {"type": "fixed", "period": 1},
                                                        "step_size": {"type": "constant", "value": 0.02}}])")},
                            {"sweep", Json::parse(R"({"workers": [2, 4, 8], "schedule.period": [1, 4]})")},
                            {"seeds", 2},
                            {"eval", {{"points", 15}}},
                            {"targets", Json::parse(R"([{"metric": "gap", "value": 0.5}])")},
                            {"plots", plots}});
}

}  // namespace

TEST_CASE("plots: 20 curves have 20 distinct styles and 20 key entries, also those with no point to draw") {
  ScratchDir dir;
  std::string metrics = kMetricsHeader;
  for (int run = 0; run < 20; ++run) {
    for (int step = 0; step <= 10; ++step) {
      // Curves 0-3 have consensus 0 everywhere (synchronised every step): nothing a log axis can show.
      const double consensus = run < 4 ? 0.0 : (run + 1) * 1e-3 / (step + 1);
      metrics += fmt::format("{},curve {},0,{},{},{},{},1,1,1,{}\n", run, run, step, step, step, step, consensus);
    }
  }
  write_results(dir / "r", Json::parse(R"([{"x": "step", "y": "consensus"}])"), metrics);
  const auto result = run_cli(dir, "plot r");
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  const std::string script = read_file(dir / "r/plots/consensus_vs_step.gp");
  for (int run = 0; run < 20; ++run) {
    const std::string title = fmt::format("\"curve {}{}\"", run, run < 4 ? " (no points)" : "");
    CHECK(count(script, "title " + title) == 1);
  }
  CHECK(count(script, "keyentry ") == 4);
  // Each title is on its own curve's data: gnuplot does not count a block without data lines (the
  // curves with no point) in `index`, so the indices skip them. (Counting them drew curve 8's data
  // under the title "curve 4" and left the last 4 curves out of the key.)
  const auto data = blocks(read_file(dir / "r/plots/consensus_vs_step.dat"));
  REQUIRE(data.size() == 16);
  for (int run = 4; run < 20; ++run) {
    const std::regex item(fmt::format("index ([0-9]+) using 1:2 [^,]* title \"curve {}\"", run));
    std::smatch match;
    REQUIRE(std::regex_search(script, match, item));
    const std::size_t index = std::stoul(match[1]);
    REQUIRE(index < data.size());
    CHECK(numbers(data[index][0])[1] == Approx((run + 1) * 1e-3));  // its value at step 0
  }
  // Every curve its own (colour, dash, point).
  std::set<std::string> styles;
  const std::regex style("lc rgb '#[0-9A-F]{6}' dt [0-9]+ pt [0-9]+");
  for (auto it = std::sregex_iterator(script.begin(), script.end(), style); it != std::sregex_iterator(); ++it) {
    styles.insert(it->str());
  }
  CHECK(styles.size() == 20);
  CHECK(is_complete_png(dir / "r/plots/consensus_vs_step.png"));
  CHECK(bytes_of(dir / "r/plots/consensus_vs_step.png") > 20000);
  // The key's rows are added to the canvas (20 entries need more than the default 640 pixels).
  CHECK(png_size(dir / "r/plots/consensus_vs_step.png").second > 640);
}

TEST_CASE("plots: a log axis within one decade has tic labels; bands on it are geometric") {
  ScratchDir dir;
  std::string metrics = kMetricsHeader;
  for (int seed = 0; seed < 3; ++seed) {
    for (int step = 0; step <= 20; ++step) {
      const double loss = 7.0 - 0.25 * step + 0.1 * seed;  // from 7.2 down to 2.0: within a decade
      metrics += fmt::format("{},v,{},{},{},{},{},{},1,1,1\n", seed, seed, step, step, step, step, loss);
    }
  }
  write_results(dir / "r", Json::parse(R"([{"x": "step", "y": "loss"}, {"x": "round", "y": "loss", "log_y": false}])"),
                metrics);
  const auto result = run_cli(dir, "plot r");
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  const std::string script = read_file(dir / "r/plots/loss_vs_step.gp");
  CHECK_THAT(script, Catch::Contains("set logscale y\n"));
  CHECK_THAT(script, Catch::Contains("set ytics (\"2\" 2, \"3\" 3, \"4\" 4, \"5\" 5, \"6\" 6, \"7\" 7)\n"));
  CHECK_THAT(script, Catch::Contains("geometric mean over seeds with 95% confidence band (t-interval of the logs)"));
  // The first point: the geometric mean of 7.0, 7.1, 7.2.
  const auto data = blocks(read_file(dir / "r/plots/loss_vs_step.dat"));
  REQUIRE(data.size() == 1);
  CHECK(numbers(data[0][0])[1] == Approx(std::cbrt(7.0 * 7.1 * 7.2)).epsilon(1e-12));
  // On a linear axis: the arithmetic mean, and gnuplot's own tics.
  const auto linear = blocks(read_file(dir / "r/plots/loss_vs_round.dat"));
  REQUIRE(linear.size() == 1);
  CHECK(numbers(linear[0][0])[1] == Approx(7.1).epsilon(1e-12));
  CHECK_THAT(read_file(dir / "r/plots/loss_vs_round.gp"), !Catch::Contains("set ytics"));
  CHECK(is_complete_png(dir / "r/plots/loss_vs_step.png"));
}

TEST_CASE("plots: facets draw one panel per value with shared ranges; where keeps only matching runs") {
  ScratchDir dir;
  const Json plots = Json::parse(R"([
      {"x": "step", "y": "gap", "log_x": true, "facet": "workers"},
      {"x": "step", "y": "gap", "facet": "schedule.period", "where": {"workers": [2, 8], "variant": "a"}},
      {"kind": "final", "x": "workers", "y": "gap", "facet": "variant"},
      {"kind": "time_to", "x": "schedule.period", "y": "gap", "value": 0.5},
      {"kind": "time_to", "y": "gap", "value": 0.5, "where": {"schedule.period": 4}},
      {"kind": "time_split", "where": {"variant": "b"}}])");
  const auto result = run_spec(dir, "grid.json", sweep_spec(plots).dump(), "r");
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  const fs::path out = dir / "r/plots";

  // By workers: 3 panels of 4 curves (2 variants x 2 periods), one key of the 4 below them.
  const std::string by_workers = read_file(out / "gap_vs_step_by_workers.gp");
  CHECK(count(by_workers, "\nset multiplot") == 1);
  CHECK(count(by_workers, "\n# panel ") == 3);
  CHECK_THAT(by_workers, Catch::Contains("set title \"workers=2\"") && Catch::Contains("set title \"workers=8\""));
  CHECK(count(by_workers, "keyentry ") == 4);
  CHECK_THAT(by_workers, Catch::Contains("title \"a, schedule.period=4\""));
  CHECK(count(by_workers, "set yrange [") == 2);  // shared by the panels, then the key's own
  CHECK(blocks(read_file(out / "gap_vs_step_by_workers.dat")).size() == 12);
  CHECK(is_complete_png(out / "gap_vs_step_by_workers.png"));
  CHECK(bytes_of(out / "gap_vs_step_by_workers.png") > 30000);

  // where: workers 2 and 8, variant a; one panel per period with 2 curves (the workers).
  const std::string filtered = read_file(out / "gap_vs_step_by_schedule.period_where_variant=a_workers=2+8.gp");
  CHECK(count(filtered, "\n# panel ") == 2);
  CHECK(blocks(read_file(out / "gap_vs_step_by_schedule.period_where_variant=a_workers=2+8.dat")).size() == 4);
  CHECK_THAT(filtered, Catch::Contains("keyentry with lines lw 2 lc rgb '#0072B2' title \"workers=2\""));
  CHECK_THAT(filtered, !Catch::Contains("workers=4"));

  // facet by variant: the curves are the periods, a panel per variant.
  CHECK(count(read_file(out / "final_gap_vs_workers_by_variant.gp"), "\n# panel ") == 2);

  // time_to: y from 0, tics at the swept values.
  const std::string time_to = read_file(out / "time_to_gap_0.5_vs_schedule.period.gp");
  CHECK_THAT(time_to, Catch::Contains("set yrange [0:*]\n") && Catch::Contains("set xtics (1, 4)\n"));
  CHECK(is_complete_png(out / "time_to_gap_0.5_vs_schedule.period.png"));

  // time_to without x: one bar per variant and sweep point (here 2 variants x 3 worker counts).
  const std::string bars = read_file(out / "time_to_gap_0.5_per_variant_where_schedule.period=4.gp");
  CHECK(count(bars, "with boxes") == 6);
  CHECK_THAT(bars, Catch::Contains("\"a, workers=2\" 1") && Catch::Contains("\"b, workers=8\" 6"));
  CHECK_THAT(bars, Catch::Contains("set yrange [0:*]"));
  CHECK(is_complete_png(out / "time_to_gap_0.5_per_variant_where_schedule.period=4.png"));

  // time_split: the means over seeds of summary.json's compute, communication and idle times.
  const Json summary = Json::parse(read_file(dir / "r/summary.json"));
  const auto split = blocks(read_file(out / "time_split_where_variant=b.dat"));
  REQUIRE(split.size() == 1);
  REQUIRE(split[0].size() == 6);
  for (std::size_t bar = 0; bar < 6; ++bar) {
    double compute = 0, communication = 0, idle = 0;
    int runs = 0;
    for (const Json& run : summary.at("runs")) {
      // Bars in metrics.csv's order: period 1 then 4, workers 2, 4, 8 within each.
      const int workers = run.at("swept").at("workers"), period = run.at("swept").at("schedule.period");
      if (run.at("variant") != "b" || workers != std::array{2, 4, 8}[bar % 3] || period != (bar < 3 ? 1 : 4)) continue;
      compute += run.at("compute_time_mean").get<double>();
      communication += run.at("communication_time").get<double>();
      idle += run.at("idle_time_mean").get<double>();
      ++runs;
    }
    REQUIRE(runs == 2);
    const auto row = numbers(split[0][bar]);
    CHECK(row[0] == static_cast<double>(bar + 1));
    CHECK(row[1] == Approx(compute / 2).epsilon(1e-12));
    CHECK(row[2] == Approx(communication / 2).epsilon(1e-12));
    CHECK(row[3] == Approx(idle / 2).epsilon(1e-12));
  }
  CHECK(is_complete_png(out / "time_split_where_variant=b.png"));

  // One progress line per plot drawn.
  std::vector<std::string> progress;
  const PlotOutcome redrawn =
      render_plots(dir / "r", nullptr, [&](const std::string& line) { progress.push_back(line); });
  CHECK(redrawn.written.size() == 6);
  REQUIRE(progress.size() == 6);
  CHECK_THAT(progress[0],
             Catch::StartsWith("plot 1/6: ") && Catch::Contains("gap_vs_step_by_workers.png (3 panels, 12 curves"));
}

TEST_CASE("plots: PDF and SVG output, and a given size") {
  ScratchDir dir;
  std::string metrics = kMetricsHeader;
  for (int step = 0; step <= 10; ++step)
    metrics += fmt::format("0,v,0,{},{},{},{},1,{},1,1\n", step, step, step, step, 1.0 / (step + 1));
  write_results(dir / "r", Json::parse(R"([{"x": "step", "y": "gap", "format": "pdf"},
                                           {"x": "round", "y": "gap", "format": "svg", "size": [700, 450]},
                                           {"x": "time", "y": "gap", "size": [640, 480]}])"),
                metrics);
  const auto result = run_cli(dir, "plot r");
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  CHECK_THAT(result.out, Catch::Contains("gap_vs_step.pdf") && Catch::Contains("gap_vs_round.svg"));
  CHECK(is_complete_drawing(dir / "r/plots/gap_vs_step.pdf", PlotFormat::pdf));
  CHECK(bytes_of(dir / "r/plots/gap_vs_step.pdf") > 5000);
  CHECK(is_complete_drawing(dir / "r/plots/gap_vs_round.svg", PlotFormat::svg));
  CHECK_THAT(read_file(dir / "r/plots/gap_vs_round.svg"),
             Catch::Contains("width=\"700\"") && Catch::Contains("height=\"450\""));
  CHECK(png_size(dir / "r/plots/gap_vs_time.png") == std::pair{640, 480});
  CHECK_THAT(read_file(dir / "r/plots/gap_vs_step.gp"), Catch::Contains("set terminal pdfcairo size 10in,6.4in"));
  CHECK_FALSE(fs::exists(dir / "r/plots/gap_vs_step.png"));
}

TEST_CASE("plots: 10^6 rows of metrics.csv are aggregated over seeds and thinned before gnuplot draws them") {
  ScratchDir dir;
  constexpr int kSteps = 500000;  // two seeds: 10^6 rows
  std::string metrics = kMetricsHeader;
  metrics.reserve(40u << 20);
  for (int seed = 0; seed < 2; ++seed) {
    for (int step = 0; step < kSteps; ++step) {
      metrics +=
          fmt::format("{},v,{},{},{},{},{},1,{},1,1\n", seed, seed, step, step, step, step, 1.0 / (step + 1 + seed));
    }
  }
  write_results(dir / "r", Json::parse(R"([{"x": "step", "y": "gap"}, {"x": "round", "y": "gap", "log_x": true}])"),
                metrics);
  const auto result = run_cli(dir, "plot r");
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  for (const char* stem : {"gap_vs_step", "gap_vs_round"}) {
    const auto data = blocks(read_file(dir / "r/plots" / (std::string(stem) + ".dat")));
    REQUIRE(data.size() == 1);
    CHECK(data[0].size() <= kMaxCurvePoints);
    CHECK(data[0].size() > kMaxCurvePoints / 2);
    CHECK(numbers(data[0].back())[0] == kSteps - 1);  // the last point is kept
    CHECK(numbers(data[0].back())[4] == 2);           // a mean over both seeds
    CHECK(is_complete_png(dir / "r/plots" / (std::string(stem) + ".png")));
  }
  CHECK(numbers(blocks(read_file(dir / "r/plots/gap_vs_step.dat"))[0].front())[0] == 0);  // and the first
  // On the log x axis (x = 0 cannot be shown) the first points are kept as they are: log-spaced.
  const auto log_spaced = blocks(read_file(dir / "r/plots/gap_vs_round.dat"))[0];
  for (int i = 0; i < 3; ++i) CHECK(numbers(log_spaced[i])[0] == i + 1);
}

TEST_CASE("plots: an incomplete PDF or SVG from gnuplot is refused and the previous drawing kept") {
  ScratchDir dir;
  std::string metrics = kMetricsHeader;
  for (int step = 0; step <= 10; ++step)
    metrics += fmt::format("0,v,0,{},{},{},{},1,{},1,1\n", step, step, step, step, 1.0 / (step + 1));
  write_results(dir / "r", Json::parse(R"([{"x": "step", "y": "gap", "format": "pdf"},
                                           {"x": "round", "y": "gap", "format": "svg"}])"),
                metrics);
  REQUIRE(run_cli(dir, "plot r").exit_code == 0);
  const std::string pdf = read_file(dir / "r/plots/gap_vs_step.pdf");
  const std::string svg = read_file(dir / "r/plots/gap_vs_round.svg");
  // A gnuplot that exits 0 after writing the start of the file only (a full disk).
  const fs::path bin = dir / "fakebin";
  fs::create_directories(bin);
  write_file(bin / "gnuplot",
             "#!/bin/sh\neval \"$2\"\n"
             "case \"$output_file\" in *pdf*) printf '%%PDF-1.5 cut' ;; *) printf '<svg><g>' ;; esac "
             "> \"$output_file\"\nexit 0\n");
  fs::permissions(bin / "gnuplot", fs::perms::owner_all);
  const std::string command = "cd '" + dir.path().string() + "' && PATH='" + bin.string() + "':\"$PATH\" '" +
                              LOCALSGD_BINARY "' plot r > out.txt 2> err.txt < /dev/null";
  const int status = std::system(command.c_str());
  const std::string err = read_file(dir / "err.txt");
  INFO(err);
  CHECK(WEXITSTATUS(status) == 1);
  CHECK_THAT(err, Catch::Contains("gap_vs_step.pdf: gnuplot exited 0 but wrote an incomplete PDF (12 bytes, no %PDF- "
                                  "header or no %%EOF trailer; is the disk full?)"));
  CHECK_THAT(err, Catch::Contains("gap_vs_round.svg: gnuplot exited 0 but wrote an incomplete SVG (8 bytes, no </svg> "
                                  "at the end; is the disk full?)"));
  CHECK(read_file(dir / "r/plots/gap_vs_step.pdf") == pdf);
  CHECK(read_file(dir / "r/plots/gap_vs_round.svg") == svg);
  CHECK(fs::exists(dir / "r/plots/gap_vs_step.log"));
}

TEST_CASE("plots: a facet by workers that are not swept reads them from summary.json") {
  ScratchDir dir;
  std::string metrics = kMetricsHeader;
  Json runs = Json::array();
  for (int run = 0; run < 4; ++run) {
    for (int step = 0; step <= 5; ++step) {
      metrics += fmt::format("{},v{},0,{},{},{},{},1,{},1,1\n", run, run % 2, step, step, step, step, 1.0 / (step + 1));
    }
    // Variants v0 and v1, each with 2 and 4 workers.
    runs.push_back({{"run", run}, {"config", {{"workers", run < 2 ? 2 : 4}}}});
  }
  write_results(dir / "r",
                Json::parse(R"([{"x": "step", "y": "gap", "facet": "workers"},
                                {"x": "round", "y": "gap", "where": {"workers": 4}}])"),
                metrics);
  write_file(dir / "r/summary.json", Json{{"runs", runs}}.dump());
  const auto result = run_cli(dir, "plot r");
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  const std::string script = read_file(dir / "r/plots/gap_vs_step_by_workers.gp");
  CHECK(count(script, "\n# panel ") == 2);
  CHECK_THAT(script, Catch::Contains("set title \"workers=2\"") && Catch::Contains("set title \"workers=4\""));
  CHECK(blocks(read_file(dir / "r/plots/gap_vs_round_where_workers=4.dat")).size() == 2);  // runs 2 and 3
  // A filter no run matches: nothing drawn, and a warning that says why.
  write_results(dir / "s", Json::parse(R"([{"x": "step", "y": "gap", "where": {"variant": "none"}}])"), metrics);
  const auto none = run_cli(dir, "plot s");
  CHECK(none.exit_code == 1);
  CHECK_THAT(none.err, Catch::Contains("gap_vs_step_where_variant=none: nothing to draw: no run matches \"where\": "
                                       "{\"variant\":[\"none\"]}"));
}
