// Traces through `localsgd run`: trace.csv, rounds.csv and summary.json's sync_steps for a spec
// with a `trace`; metrics.csv unchanged by it; bad trace keys refused naming the path; a rerun
// reuses traced runs with their traces; the trajectories of a 2-D run drawn as PNG and GIF.
#include <catch2/catch.hpp>

#include <cmath>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "experiments/report/gif_drawing.hpp"
#include "experiments/report/gnuplot.hpp"
#include "experiments/store/csv.hpp"
#include "support/cli.hpp"

using namespace localsgd;
using namespace localsgd::test;

namespace {

Json adaptive_spec(const Json& trace) {
  Json spec = tiny_spec("traced", {{"schedule", {{"type", "ada_lupa_loss"}, {"tau0", 4}}},
                                   {"clock",
                                    {{"compute", {{"type", "exponential"}, {"mean", 0.01}}},
                                     {"slowdown", {{"type", "one_slow"}, {"worker", 1}, {"factor", 4}}},
                                     {"network", {{"type", "constant"}, {"seconds", 0.02}}}}},
                                   {"seeds", 2}});
  if (!trace.is_null()) spec["trace"] = trace;
  return spec;
}

}  // namespace

TEST_CASE("trace: trace.csv, rounds.csv and sync_steps of an adaptive schedule, and metrics.csv unchanged") {
  ScratchDir dir;
  const CommandResult plain = run_spec(dir, "plain.json", adaptive_spec(Json()).dump(), "plain");
  REQUIRE(plain.exit_code == 0);
  const CommandResult traced =
      run_spec(dir, "traced.json", adaptive_spec({{"workers", "all"}, {"every", 7}, {"coordinates", 3}}).dump(), "traced");
  INFO(traced.err);
  REQUIRE(traced.exit_code == 0);

  // Tracing changes no number: metrics.csv is the same file.
  REQUIRE(read_file(dir / "plain/metrics.csv") == read_file(dir / "traced/metrics.csv"));
  REQUIRE(!std::filesystem::exists(dir / "plain/trace.csv"));
  REQUIRE(!Json::parse(read_file(dir / "plain/summary.json")).at("runs").at(0).contains("sync_steps"));

  const Json summary = Json::parse(read_file(dir / "traced/summary.json"));
  const CsvTable trace = read_csv(dir / "traced/trace.csv");
  REQUIRE(trace.header == std::vector<std::string>{"run", "step", "round", "worker", "x0", "x1", "x2", "loss", "dist_to_mean"});
  const CsvTable rounds = read_csv(dir / "traced/rounds.csv");
  REQUIRE(rounds.header ==
          std::vector<std::string>{"run", "round", "worker", "compute_seconds", "idle_seconds", "steps"});

  for (const Json& run : summary.at("runs")) {
    const auto index = run.at("run").get<double>();
    const std::vector<long> syncs = run.at("sync_steps").get<std::vector<long>>();
    // Every sync, in order, ending at T; the adaptive periods are not all equal.
    REQUIRE(static_cast<long>(syncs.size()) == run.at("rounds").get<long>());
    REQUIRE(syncs.back() == 300);
    REQUIRE(std::is_sorted(syncs.begin(), syncs.end()));
    std::set<long> periods;
    for (std::size_t k = 0; k < syncs.size(); ++k) periods.insert(syncs[k] - (k ? syncs[k - 1] : 0));
    REQUIRE(periods.size() > 1);

    // trace.csv: worker 0 shows the sync steps twice (before and after, round r then r + 1) and
    // every 7th step once.
    std::map<long, std::vector<long>> rounds_at;  // step -> the rounds of worker 0's rows
    for (std::size_t r = 0; r < trace.rows.size(); ++r) {
      if (trace.number(r, 0) != index || trace.number(r, 3) != 0) continue;
      rounds_at[static_cast<long>(trace.number(r, 1))].push_back(static_cast<long>(trace.number(r, 2)));
    }
    std::vector<long> twice;
    for (const auto& [step, list] : rounds_at) {
      if (list.size() == 2) {
        twice.push_back(step);
        REQUIRE(list[1] == list[0] + 1);
      } else {
        REQUIRE(list.size() == 1);
        REQUIRE(step % 7 == 0);
      }
    }
    REQUIRE(twice == syncs);

    // rounds.csv: per worker, the rounds' seconds add up to summary.json's, the steps to T.
    for (std::size_t w = 0; w < 3; ++w) {
      double busy = 0, idle = 0;
      long steps = 0, count = 0;
      for (std::size_t r = 0; r < rounds.rows.size(); ++r) {
        if (rounds.number(r, 0) != index || rounds.number(r, 2) != static_cast<double>(w)) continue;
        busy += rounds.number(r, 3);
        idle += rounds.number(r, 4);
        steps += static_cast<long>(rounds.number(r, 5));
        ++count;
      }
      const double compute_time = run.at("per_worker").at("compute_time").at(w).get<double>();
      const double idle_time = run.at("per_worker").at("idle_time").at(w).get<double>();
      INFO("run " << index << " worker " << w);
      REQUIRE(count == static_cast<long>(syncs.size()));
      REQUIRE(steps == 300);
      REQUIRE(std::abs(busy - compute_time) <= 1e-12 * compute_time);
      REQUIRE(std::abs(idle - idle_time) <= 1e-12 * (compute_time + idle_time));
    }
  }

  // A rerun reuses the traced runs and writes the same files.
  const std::string trace_before = read_file(dir / "traced/trace.csv");
  const CommandResult again =
      run_spec(dir, "traced.json", adaptive_spec({{"workers", "all"}, {"every", 7}, {"coordinates", 3}}).dump(), "traced");
  REQUIRE(again.exit_code == 0);
  REQUIRE(again.out.find("2 of 2 runs reused") != std::string::npos);
  REQUIRE(read_file(dir / "traced/trace.csv") == trace_before);
}

TEST_CASE("trace: bad keys are refused naming the path and the rule") {
  ScratchDir dir;
  struct Case {
    Json trace;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {Json{{"workers", {0, 3}}}, "/trace/workers/1"},
      {Json{{"workers", {1, 1}}}, "listed twice"},
      {Json{{"workers", "some"}}, "must be \"all\" or a list of worker ids"},
      {Json{{"every", 2}}, "missing required key \"workers\""},
      {Json{{"workers", "all"}, {"coordinates", 6}}, "/trace/coordinates"},
      {Json{{"workers", "all"}, {"every", 0}}, "/trace/every"},
      {Json{{"workers", "all"}, {"evry", 2}}, "evry"},
  };
  for (const Case& c : cases) {
    const CommandResult result = run_spec(dir, "bad.json", tiny_spec("bad", {{"schedule", {{"type", "fixed"}, {"period", 10}}}, {"trace", c.trace}}).dump(), "bad");
    INFO(c.trace.dump() << ": " << result.err);
    REQUIRE(result.exit_code != 0);
    REQUIRE(result.err.find(c.expected) != std::string::npos);
  }
}

TEST_CASE("trace: a 2-D run's trajectories are drawn as a PNG and an animated GIF, and `plot` redraws them") {
  ScratchDir dir;
  const Json spec = {
      {"name", "drift"},
      {"problem", {{"type", "quadratic"}, {"dim", 2}, {"mu", 0.2}, {"L", 1.0}, {"sigma2", 0}, {"heterogeneity", 1.0},
                   {"hessian_heterogeneity", 1.0}}},
      {"workers", 3},
      {"steps", 40},
      {"step_size", {{"type", "constant"}, {"value", 0.2}}},
      {"trace", {{"workers", "all"}}},
      {"variants", {{{"label", "tau=1"}, {"schedule", {{"type", "fixed"}, {"period", 1}}}},
                    {{"label", "tau=10"}, {"schedule", {{"type", "fixed"}, {"period", 10}}}}}},
  };
  const CommandResult result = run_spec(dir, "drift.json", spec.dump(), "drift");
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  const auto plots = dir / "drift/plots";
  REQUIRE(is_complete_png(plots / "trajectories.png"));
  REQUIRE(is_complete_gif(plots / "trajectories.gif"));
  REQUIRE(std::filesystem::file_size(plots / "trajectories.png") > 10000);
  // Two panels, each with a grid of F − F* (101 × 101 points) and the syncs of its period.
  for (int k = 0; k < 2; ++k) {
    const auto grid = lines(read_file(plots / ("trajectories_grid_" + std::to_string(k) + ".dat")));
    REQUIRE(std::count_if(grid.begin(), grid.end(), [](const std::string& l) { return !l.empty(); }) == 101 * 101);
  }
  REQUIRE(lines(read_file(plots / "trajectories_syncs_0.dat")).size() == 40);
  REQUIRE(lines(read_file(plots / "trajectories_syncs_1.dat")).size() == 4);
  const std::string animation = read_file(plots / "trajectories_animation.gp");
  REQUIRE(animation.find("gif animate") != std::string::npos);
  REQUIRE(animation.find("do for [f=1:41]") != std::string::npos);  // steps 0..40, one frame each

  std::filesystem::remove(plots / "trajectories.png");
  std::filesystem::remove(plots / "trajectories.gif");
  const CommandResult redraw = run_cli(dir, "plot drift");
  INFO(redraw.err);
  REQUIRE(redraw.exit_code == 0);
  REQUIRE(is_complete_png(plots / "trajectories.png"));
  REQUIRE(is_complete_gif(plots / "trajectories.gif"));
}

TEST_CASE("trace: --force to a spec without a trace removes every trace file and the trajectories") {
  ScratchDir dir;
  Json spec = {
      {"name", "drift"},
      {"problem", {{"type", "quadratic"}, {"dim", 2}, {"sigma2", 0}, {"heterogeneity", 1.0}}},
      {"workers", 2},
      {"steps", 20},
      {"step_size", {{"type", "constant"}, {"value", 0.2}}},
      {"schedule", {{"type", "fixed"}, {"period", 5}}},
      {"trace", {{"workers", "all"}}},
  };
  REQUIRE(run_spec(dir, "a.json", spec.dump(), "out").exit_code == 0);
  REQUIRE(std::filesystem::exists(dir / "out/trace.csv"));
  REQUIRE(std::filesystem::exists(dir / "out/plots/trajectories_paths_0.dat"));
  std::size_t traces = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir / "out/runs")) {
    traces += entry.path().string().ends_with(".trace.csv") || entry.path().string().ends_with(".rounds.csv");
  }
  REQUIRE(traces == 2);
  write_file(dir / "out/notes.txt", "mine");

  spec.erase("trace");
  REQUIRE(run_spec(dir, "b.json", spec.dump(), "out").exit_code == 2);  // a different spec
  const CommandResult forced = run_spec(dir, "b.json", spec.dump(), "out", "--force");
  INFO(forced.err);
  REQUIRE(forced.exit_code == 0);
  for (const char* gone : {"trace.csv", "rounds.csv", "plots/trajectories.png", "plots/trajectories.gif",
                           "plots/trajectories.gp", "plots/trajectories_paths_0.dat", "plots/trajectories_grid_0.dat"}) {
    INFO(gone);
    CHECK_FALSE(std::filesystem::exists(dir / "out" / gone));
  }
  for (const auto& entry : std::filesystem::directory_iterator(dir / "out/runs")) {
    CHECK(entry.path().extension() == ".json");
  }
  CHECK(read_file(dir / "out/notes.txt") == "mine");
}
