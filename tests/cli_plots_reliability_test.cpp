// Plots are drawn atomically and a failed or interrupted drawing is reported as such
// (docs/reliability.md): gnuplot failing, writing a truncated PNG, or stopped by a full disk keeps
// the previous PNG and fails the command; Ctrl-C while gnuplot runs is exit 130; the redraw
// `gnuplot NAME.gp` writes NAME.png; a user's file named like the old fixed temporary is never
// touched; metrics.csv written by hand or by older versions is read with clear messages.
#include <signal.h>
#include <sys/mount.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "experiments/store/csv.hpp"
#include "experiments/report/gnuplot.hpp"
#include "support/cli.hpp"

using namespace localsgd;
using namespace localsgd::test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

// Two runs of a small least-squares problem and one plot, plots/gap_vs_step.png.
const char* kSpec = R"({
  "name": "p",
  "problem": {"type": "least_squares", "samples": 200, "dim": 5, "noise": 0.3},
  "workers": 2, "steps": 200, "batch": 2,
  "step_size": {"type": "constant", "value": 0.05},
  "schedule": {"type": "fixed", "period": 5},
  "variants": [{"label": "a"}],
  "seeds": 2,
  "eval": {"points": 10},
  "plots": [{"x": "step", "y": "gap"}]
})";

// `localsgd ARGS` in DIR after a shell prefix (an environment assignment, `ulimit ... &&`).
test::CommandResult run_with(const ScratchDir& dir, const std::string& prefix, const std::string& args) {
  const auto out = dir / ".stdout";
  const auto err = dir / ".stderr";
  const std::string command = "cd '" + dir.path().string() + "' && " + prefix + " '" LOCALSGD_BINARY "' " + args +
                              " > '" + out.string() + "' 2> '" + err.string() + "' < /dev/null";
  const int status = std::system(command.c_str());
  test::CommandResult result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.out = read_file(out);
  result.err = read_file(err);
  fs::remove(out);
  fs::remove(err);
  return result;
}

// A `gnuplot` executable in DIR/fakebin running `body` (sh); returns the PATH prefix to use it.
std::string fake_gnuplot(const ScratchDir& dir, const std::string& body) {
  const fs::path bin = dir / "fakebin";
  fs::create_directories(bin);
  write_file(bin / "gnuplot", "#!/bin/sh\n" + body);
  fs::permissions(bin / "gnuplot", fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec);
  return "PATH='" + bin.string() + "':\"$PATH\"";
}

// PATH with `folder` first, for processes this test starts itself; restored at the end.
class PathPrefix {
 public:
  explicit PathPrefix(const fs::path& folder) : old_(std::getenv("PATH") ? std::getenv("PATH") : "") {
    ::setenv("PATH", (folder.string() + ":" + old_).c_str(), 1);
  }
  ~PathPrefix() { ::setenv("PATH", old_.c_str(), 1); }
  PathPrefix(const PathPrefix&) = delete;
  PathPrefix& operator=(const PathPrefix&) = delete;

 private:
  std::string old_;
};

// Files whose name starts with '.' in `folder`: temporaries left behind.
std::vector<std::string> hidden_files(const fs::path& folder) {
  std::vector<std::string> out;
  for (const auto& entry : fs::directory_iterator(folder)) {
    const std::string name = entry.path().filename().string();
    if (name.front() == '.') out.push_back(name);
  }
  return out;
}

// Runs the spec into DIR/results with the real gnuplot and returns the PNG it drew.
std::string first_run(const ScratchDir& dir) {
  const auto result = run_spec(dir, "p.json", kSpec, "results");
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  REQUIRE(is_complete_png(dir / "results/plots/gap_vs_step.png"));
  return read_file(dir / "results/plots/gap_vs_step.png");
}

// Whether the process `pid` has a handler for SIGINT installed (/proc/PID/status, SigCgt).
bool catches_sigint(pid_t pid) {
  for (const auto& line : lines(read_file("/proc/" + std::to_string(pid) + "/status"))) {
    if (line.rfind("SigCgt:", 0) == 0) return (std::stoull(line.substr(7), nullptr, 16) >> (SIGINT - 1)) & 1;
  }
  return false;
}

}  // namespace

TEST_CASE("a plot gnuplot fails to draw fails the command and keeps the previous PNG") {
  ScratchDir dir;
  const std::string good = first_run(dir);
  const fs::path plots = dir / "results/plots";

  SECTION("gnuplot exits 1") {
    const std::string path = fake_gnuplot(dir, "echo 'fake gnuplot: cannot draw' >&2\nexit 1\n");
    for (const char* command : {"plot results", "run p.json --out results --quiet"}) {
      INFO(command);
      const auto result = run_with(dir, path, command);
      INFO(result.err);
      CHECK(result.exit_code == 1);
      CHECK_THAT(result.err, Catch::Contains("error: results/plots/gap_vs_step.png: gnuplot failed (exit 1) on "
                                             "results/plots/gap_vs_step.gp; the previous gap_vs_step.png is kept; "
                                             "see results/plots/gap_vs_step.log"));
      CHECK(read_file(plots / "gap_vs_step.png") == good);
      CHECK(read_file(plots / "gap_vs_step.log") == "fake gnuplot: cannot draw\n");
      CHECK(hidden_files(plots).empty());
    }
    // The next successful drawing replaces the PNG and removes the stale log.
    const auto redraw = run_cli(dir, "plot results");
    CHECK(redraw.exit_code == 0);
    CHECK_FALSE(fs::exists(plots / "gap_vs_step.log"));
    CHECK(is_complete_png(plots / "gap_vs_step.png"));
  }
  SECTION("gnuplot writes a truncated PNG and exits 0") {
    // The first 100 bytes of the good PNG, into the file localsgd names in -e "output_file='...'".
    const std::string path = fake_gnuplot(
        dir, "f=${2#output_file=}; f=${f#\\'}; f=${f%\\'}\nhead -c 100 gap_vs_step.png > \"$f\"\nexit 0\n");
    const auto result = run_with(dir, path, "run p.json --out results --quiet");
    INFO(result.err);
    CHECK(result.exit_code == 1);
    CHECK_THAT(result.err, Catch::Contains("error: results/plots/gap_vs_step.png: gnuplot exited 0 but wrote an "
                                           "incomplete PNG (100 bytes, no IEND chunk at the end; is the disk full?)"));
    CHECK(read_file(plots / "gap_vs_step.png") == good);
    CHECK(hidden_files(plots).empty());
  }
  SECTION("gnuplot is not installed: a warning, the data and scripts are written") {
    // An empty folder as the whole PATH: posix_spawnp finds no gnuplot (ENOENT).
    fs::create_directories(dir / "empty");
    const auto result = run_with(dir, "PATH='" + (dir / "empty").string() + "'", "run p.json --out results --quiet");
    INFO(result.err);
    CHECK(result.exit_code == 0);
    CHECK_THAT(result.err, Catch::Contains("warning: could not start gnuplot: it was not found on PATH"));
    CHECK(read_file(plots / "gap_vs_step.png") == good);
  }
}

TEST_CASE("a full disk while gnuplot draws fails the run and keeps the previous PNG") {
  ScratchDir dir;
  const std::string good = first_run(dir);
  const fs::path plots = dir / "results/plots";
  // A file size limit (ulimit -f, in 512-byte blocks in sh) half the PNG's size: gnuplot cannot
  // write the PNG, while every other file the run rewrites is smaller (checked).
  const std::size_t blocks = good.size() / 2 / 512;
  for (const char* file : {"metrics.csv", "summary.json", "time_to_target.csv", "spec.resolved.json",
                           "plots/gap_vs_step.dat", "plots/gap_vs_step.gp"}) {
    if (fs::file_size(dir / "results" / file) >= blocks * 512) {
      WARN("skipped: " << file << " is larger than half the PNG, so a file size limit cannot single out the PNG");
      return;
    }
  }
  const auto result = run_with(dir, "ulimit -f " + std::to_string(blocks) + " &&", "run p.json --out results --quiet");
  INFO(result.err);
  CHECK(result.exit_code == 1);
  CHECK_THAT(result.err, Catch::Contains("error: results/plots/gap_vs_step.png: gnuplot"));
  CHECK_THAT(result.err, Catch::Contains("the previous gap_vs_step.png is kept"));
  CHECK(read_file(plots / "gap_vs_step.png") == good);
  CHECK(hidden_files(plots).empty());

  // A real full disk: a small tmpfs (root only, and only where mounting is allowed).
  const fs::path small = dir / "small";
  fs::create_directories(small);
  if (::geteuid() != 0 || ::mount("tmpfs", small.c_str(), "tmpfs", 0, "size=1m") != 0) {
    WARN("tmpfs part skipped: cannot mount a tmpfs here (" << (::geteuid() != 0 ? "not root" : std::strerror(errno))
                                                            << ")");
    return;
  }
  struct Unmount {
    fs::path folder;
    ~Unmount() { ::umount(folder.c_str()); }
  } unmount{small};
  const auto on_tmpfs = run_cli(dir, "run p.json --out small/results --quiet");
  CHECK(on_tmpfs.exit_code == 0);
  const std::string good_on_tmpfs = read_file(small / "results/plots/gap_vs_step.png");
  // Fill the disk, leaving room for the .dat and .gp but not for a new PNG.
  {
    std::ofstream filler(small / "filler", std::ios::binary);
    const std::string chunk(4096, 'x');
    while (filler.write(chunk.data(), chunk.size())) {
    }
  }
  // Free: 3 pages, enough for the .dat and .gp (rewritten through temporaries), not for the PNG.
  REQUIRE(good_on_tmpfs.size() > 5 * 4096);
  fs::resize_file(small / "filler", fs::file_size(small / "filler") - 3 * 4096);
  const auto full = run_cli(dir, "plot small/results");
  INFO(full.err);
  CHECK(full.exit_code == 1);
  CHECK_THAT(full.err, Catch::Contains("error: small/results/plots/gap_vs_step.png: gnuplot"));
  CHECK(read_file(small / "results/plots/gap_vs_step.png") == good_on_tmpfs);
  CHECK(hidden_files(small / "results/plots").empty());
}

TEST_CASE("gnuplot NAME.gp run by hand in plots/ redraws NAME.png") {
  ScratchDir dir;
  first_run(dir);
  const fs::path plots = dir / "results/plots";
  fs::remove(plots / "gap_vs_step.png");
  const std::string command = "cd '" + plots.string() + "' && gnuplot gap_vs_step.gp > /dev/null 2>&1";
  REQUIRE(std::system(command.c_str()) == 0);
  CHECK(is_complete_png(plots / "gap_vs_step.png"));
  CHECK(hidden_files(plots).empty());
}

TEST_CASE("a user's file named like the old fixed plot temporary is never touched") {
  ScratchDir dir;
  first_run(dir);
  const fs::path mine = dir / "results/plots/.gap_vs_step.png.tmp";
  write_file(mine, "my notes\n");
  const auto rerun = run_cli(dir, "run p.json --out results --quiet");
  CHECK(rerun.exit_code == 0);
  const auto redraw = run_cli(dir, "plot results");
  CHECK(redraw.exit_code == 0);
  CHECK(read_file(mine) == "my notes\n");
  CHECK(is_complete_png(dir / "results/plots/gap_vs_step.png"));
}

TEST_CASE("Ctrl-C while gnuplot runs is exit 130 with the interrupt message, never gnuplot not found") {
  ScratchDir dir;
  const std::string good = first_run(dir);
  const fs::path plots = dir / "results/plots";
  const fs::path started = dir / "gnuplot.pid";
  // A slow gnuplot that says its pid and sleeps.
  fake_gnuplot(dir, "echo $$ > '" + started.string() + "'\nexec sleep 60\n");
  const PathPrefix path(dir / "fakebin");

  const bool to_run = GENERATE(true, false);
  const bool to_gnuplot_too = GENERATE(false, true);  // a terminal's Ctrl-C reaches gnuplot as well
  INFO((to_run ? "run" : "plot") << (to_gnuplot_too ? ", SIGINT to gnuplot too" : ""));
  fs::remove(started);
  BackgroundCli cli(dir, to_run ? std::vector<std::string>{"run", "p.json", "--out", "results", "--quiet"}
                                : std::vector<std::string>{"plot", "results"});
  REQUIRE(eventually([&] { return !read_file(started).empty() && read_file(started).back() == '\n'; }, 120s));
  const pid_t gnuplot = std::stoi(read_file(started));
  if (to_gnuplot_too) ::kill(gnuplot, SIGINT);
  cli.send(SIGINT);
  const int code = cli.wait(30s);
  INFO(cli.err());
  CHECK(code == 130);
  CHECK_THAT(cli.err(), !Catch::Contains("not found"));
  CHECK_THAT(cli.err(), Catch::Contains(to_run ? "interrupted while drawing the plots: 2 of 2 runs finished and saved "
                                                 "in results/runs; run the same command again to complete"
                                               : "interrupted while drawing the plots of results"));
  CHECK(::kill(gnuplot, 0) != 0);  // gnuplot was stopped, not left running
  CHECK(read_file(plots / "gap_vs_step.png") == good);
  CHECK(hidden_files(plots).empty());
}

TEST_CASE("the interrupt summary counts the runs saved by an earlier invocation") {
  // Run 0 is long; runs 1-5 are short. The first invocation (2 threads) saves runs 1-5 while run 0
  // is computed, and is interrupted; the second (1 thread) is interrupted while it computes run 0
  // again, before it has looked at runs 1-5: they are saved all the same.
  ScratchDir dir;
  write_file(dir / "s.json", R"({
    "name": "s",
    "problem": {"type": "least_squares", "samples": 400, "dim": 10, "noise": 0.3},
    "workers": 2, "batch": 2, "steps": 200,
    "step_size": {"type": "constant", "value": 0.02},
    "schedule": {"type": "fixed", "period": 10},
    "variants": [{"label": "long", "steps": 50000000}, {"label": "s1", "steps": 201}, {"label": "s2", "steps": 202},
                 {"label": "s3", "steps": 203}, {"label": "s4", "steps": 204}, {"label": "s5", "steps": 205}],
    "seeds": 1,
    "eval": {"points": 5}
  })");
  const auto count_saved = [&] {
    std::size_t n = 0;
    std::error_code error;
    for (const auto& entry : fs::directory_iterator(dir / "out/runs", error)) {
      n += entry.path().filename().string().front() != '.' ? 1 : 0;
    }
    return n;
  };
  {
    BackgroundCli first(dir, {"run", "s.json", "--out", "out", "--threads", "2", "--quiet"});
    REQUIRE(eventually([&] { return count_saved() >= 5 || !first.running(); }, 120s));
    first.send(SIGINT);
    REQUIRE(first.wait(60s) == 130);
  }
  const std::size_t saved = count_saved();
  REQUIRE(saved == 5);
  BackgroundCli second(dir, {"run", "s.json", "--out", "out", "--threads", "1", "--quiet"});
  REQUIRE(eventually([&] { return catches_sigint(second.pid()) || !second.running(); }, 60s));
  second.send(SIGINT);
  REQUIRE(second.wait(60s) == 130);
  CHECK(count_saved() == saved);
  CHECK_THAT(second.err(), Catch::Contains("interrupted: " + std::to_string(saved) +
                                           " of 6 runs finished and saved in out/runs"));
}

TEST_CASE("localsgd plot names the file, line and column of a cell that is not a number") {
  ScratchDir dir;
  first_run(dir);
  auto rows = lines(read_file(dir / "results/metrics.csv"));
  auto fields = split_csv_line(rows.at(2));
  fields.at(8) = "abc";  // gap
  std::string line;
  for (const auto& f : fields) line += (line.empty() ? "" : ",") + f;
  rows.at(2) = line;
  std::string text;
  for (const auto& r : rows) text += r + "\n";
  write_file(dir / "results/metrics.csv", text);
  const auto result = run_cli(dir, "plot results");
  CHECK(result.exit_code == 1);
  CHECK(result.err == "error: results/metrics.csv:3: column \"gap\": not a number: \"abc\"\n");
}

TEST_CASE("localsgd plot reads labels with CR, LF, quotes, commas and control bytes written by older versions") {
  ScratchDir dir;
  first_run(dir);
  const std::string hostile = "a\r\nb,\"c\"\x01\t";
  const auto rows = lines(read_file(dir / "results/metrics.csv"));
  std::string text = rows.at(0) + "\n";
  for (std::size_t i = 1; i < rows.size(); ++i) {
    auto fields = split_csv_line(rows[i]);
    text += fields[0] + "," + csv_field(hostile);
    for (std::size_t k = 2; k < fields.size(); ++k) text += "," + fields[k];
    text += "\n";
  }
  write_file(dir / "results/metrics.csv", text);
  fs::remove(dir / "results/plots/gap_vs_step.png");
  const auto result = run_cli(dir, "plot results");
  INFO(result.err);
  CHECK(result.exit_code == 0);
  CHECK(is_complete_png(dir / "results/plots/gap_vs_step.png"));
  // The key shows the control bytes as text; the script stays one command per line.
  CHECK_THAT(read_file(dir / "results/plots/gap_vs_step.gp"), Catch::Contains("title \"a\\\\x0d\\nb,\\\"c\\\"\\\\x01\\t\""));
}

TEST_CASE("a plot with nothing to draw says why: a gap of 0 everywhere on a log axis") {
  ScratchDir dir;
  const auto result = run_spec(dir, "zero.json", R"({
    "name": "zero",
    "problem": {"type": "quadratic", "dim": 4, "init": "optimum", "sigma2": 0},
    "workers": 2, "steps": 100, "batch": 1,
    "step_size": {"type": "constant", "value": 0.1},
    "schedule": {"type": "fixed", "period": 5},
    "variants": [{"label": "at the optimum"}],
    "seeds": 2,
    "eval": {"points": 5},
    "plots": [{"x": "step", "y": "gap"}]
  })", "results");
  INFO(result.err);
  CHECK(result.exit_code == 0);
  CHECK_THAT(result.err, Catch::Contains("warning: gap_vs_step: nothing to draw: 5 of 5 points have gap <= 0, which "
                                         "the log y axis cannot show (every value is 0 or negative; use \"log_y\": "
                                         "false)"));
  CHECK_THAT(result.err, !Catch::Contains("diverge"));
}

TEST_CASE("localsgd plot fills the defaults of a plot added by hand to spec.resolved.json, as the spec reader does") {
  ScratchDir dir;
  REQUIRE(run_spec(dir, "p.json", kSpec, "results").exit_code == 0);
  Json resolved = Json::parse(read_file(dir / "results/spec.resolved.json"));
  // Without log_x and log_y: a spec's curve defaults to a linear x and a logarithmic y.
  resolved["plots"].push_back({{"x", "round"}, {"y", "loss"}});
  write_file(dir / "results/spec.resolved.json", resolved.dump(2));
  const auto plotted = run_cli(dir, "plot results");
  INFO(plotted.err);
  CHECK(plotted.exit_code == 0);
  const std::string script = read_file(dir / "results/plots/loss_vs_round.gp");
  CHECK_THAT(script, !Catch::Contains("set logscale x"));
  CHECK_THAT(script, Catch::Contains("set logscale y"));
  CHECK(fs::file_size(dir / "results/plots/loss_vs_round.png") > 1000);

  // A bad entry gets the spec reader's error, naming the file and the JSON path (exit 2).
  resolved["plots"].push_back({{"x", "round"}, {"y", "loss"}, {"log_y", "yes"}});
  write_file(dir / "results/spec.resolved.json", resolved.dump(2));
  const auto bad = run_cli(dir, "plot results");
  CHECK(bad.exit_code == 2);
  CHECK_THAT(bad.err, Catch::Contains("spec.resolved.json: /plots/2/log_y: "));
}
