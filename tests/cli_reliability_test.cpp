// End-to-end reliability of `localsgd run` (docs/reliability.md): divergence ends one run and the
// sweep goes on; Ctrl-C and kill -9 lose no finished run and a rerun completes the folder with
// results identical to an uninterrupted sweep; the memory estimate; files the tool did not write.
#include <catch2/catch.hpp>
#include <set>
#include <vector>

#include <nlohmann/json.hpp>

#include "experiments/store/csv.hpp"
#include "support/cli.hpp"

using namespace localsgd;
using namespace localsgd::test;
using namespace std::chrono_literals;

namespace {

// 40 runs of about 10 ms each (more on a loaded or sanitized build): long enough to interrupt.
const char* kSweep = R"({
  "name": "sweep",
  "problem": {"type": "least_squares", "samples": 2000, "dim": 20, "noise": 0.3},
  "workers": 2, "steps": 40000, "batch": 4,
  "step_size": {"type": "inverse_time", "eta0": 0.05, "t0": 100},
  "variants": [{"label": "sync", "schedule": {"type": "sync"}},
               {"label": "tau=20", "schedule": {"type": "fixed", "period": 20}}],
  "seeds": 20,
  "eval": {"points": 30}
})";

}  // namespace

TEST_CASE("a diverging variant ends as diverged with a hint; the sweep goes on and exits 3") {
  ScratchDir dir;
  write_file(dir / "div.json", R"({
    "name": "div",
    "problem": {"type": "least_squares", "samples": 400, "dim": 5},
    "workers": 2, "steps": 400, "batch": 2,
    "step_size": {"type": "constant", "value": 0.05},
    "schedule": {"type": "fixed", "period": 5},
    "variants": [{"label": "ok"},
                 {"label": "explodes", "step_size": {"type": "constant", "value": 1.5}},
                 {"label": "overflows", "step_size": {"type": "constant", "value": 1e200}}],
    "seeds": 2,
    "eval": {"every": 10}
  })");
  const auto result = run_cli(dir, "run div.json --out results");
  INFO(result.err);
  CHECK(result.exit_code == 3);
  CHECK_THAT(result.err, Catch::Contains("explodes seed=0: DIVERGED at step "));
  CHECK_THAT(result.err, Catch::Contains("(eta_0 = 1.5 vs 1/L = "));
  CHECK_THAT(result.out, Catch::Contains("explodes                                     diverged"));

  const Json summary = Json::parse(read_file(dir / "results/summary.json"));
  const auto rows = lines(read_file(dir / "results/metrics.csv"));
  std::map<std::string, std::vector<std::vector<std::string>>> rows_of;  // run -> rows
  for (std::size_t i = 1; i < rows.size(); ++i) {
    auto fields = split_csv_line(rows[i]);
    rows_of[fields[0]].push_back(fields);
  }
  std::set<double> finite_steps_of_explodes;
  for (const Json& run : summary.at("runs")) {
    const std::string id = std::to_string(run.at("run").get<int>());
    const auto& run_rows = rows_of.at(id);
    INFO(run.at("variant") << " seed " << run.at("seed"));
    if (run.at("variant") == "ok") {
      CHECK(run.at("termination") == "completed");
      CHECK(run.at("steps") == 400);
      CHECK(run_rows.back()[3] == "400");
      CHECK_FALSE(run.contains("divergence_hint"));
      continue;
    }
    REQUIRE(run.at("termination") == "diverged");
    const long at = run.at("diverged_at_step").get<long>();
    CHECK(at > 0);
    CHECK(at < 400);
    CHECK(run.at("steps") == at);
    // The metric rows stop at the step where the run diverged.
    CHECK(std::stol(run_rows.back()[3]) == at);
    const std::string hint = run.at("divergence_hint");
    CHECK_THAT(hint, Catch::StartsWith(run.at("variant") == "explodes" ? "eta_0 = 1.5 vs 1/L = " : "eta_0 = 1e+200 vs 1/L = "));
    CHECK_THAT(hint, Catch::Contains("try eta_0 <= "));
    if (run.at("variant") == "explodes") {
      // Exploding but finite: stopped by the 1e6 x initial gap rule at an evaluation point.
      CHECK(std::isfinite(std::stod(run_rows.back()[8])));
      CHECK(std::stod(run_rows.back()[8]) > 1e6 * std::stod(run_rows.front()[8]));
      for (const auto& r : run_rows) {
        if (std::stol(r[3]) > 0 && std::isfinite(std::stod(r[8]))) finite_steps_of_explodes.insert(std::stod(r[3]));
      }
    } else {
      CHECK_FALSE(std::isfinite(std::stod(run_rows.back()[8])));  // overflowed to inf or nan
    }
  }
  // The plot shows the diverged variant up to its divergence: block 1 (log x: no step 0).
  const auto data = lines(read_file(dir / "results/plots/gap_vs_step.dat"));
  std::vector<std::set<double>> blocks(1);
  for (const auto& line : data) {
    if (line.empty()) {
      if (!blocks.back().empty()) blocks.emplace_back();
      continue;
    }
    if (line[0] != '#') blocks.back().insert(std::stod(line.substr(0, line.find(' '))));
  }
  REQUIRE(blocks.size() >= 2);
  CHECK(blocks[0].size() == 40);  // "ok": steps 10, 20, ..., 400
  CHECK(!finite_steps_of_explodes.empty());
  CHECK(blocks[1] == finite_steps_of_explodes);
  CHECK(std::filesystem::file_size(dir / "results/plots/gap_vs_step.png") > 1000);
}

TEST_CASE("kill -9 in the middle of a sweep, then a rerun: identical to an uninterrupted sweep; Ctrl-C too") {
  ScratchDir dir;
  REQUIRE(run_spec(dir, "sweep.json", kSweep, "reference").exit_code == 0);
  const std::string reference = read_file(dir / "reference/metrics.csv");
  REQUIRE(lines(reference).size() == 1 + 40 * 30);

  // kill -9 once at least one run is saved; one thread, so most runs are not done yet.
  {
    BackgroundCli sweep(dir, {"run", "sweep.json", "--out", "killed", "--quiet", "--threads", "1"});
    REQUIRE(sweep.started());
    REQUIRE(eventually([&] { return run_records(dir / "killed").size() >= 1 || !sweep.running(); }, 120s));
    sweep.send(SIGKILL);
    CHECK(sweep.wait(60s) == 128 + SIGKILL);
  }
  const std::size_t saved = run_records(dir / "killed").size();
  CHECK(saved >= 1);
  CHECK(saved < 40);
  CHECK_FALSE(std::filesystem::exists(dir / "killed/metrics.csv"));
  const auto rerun = run_cli(dir, "run sweep.json --out killed --quiet");
  INFO(rerun.err);
  REQUIRE(rerun.exit_code == 0);
  CHECK_THAT(rerun.out, Catch::Contains(std::to_string(saved) + " of 40 runs reused"));
  CHECK(read_file(dir / "killed/metrics.csv") == reference);

  // Ctrl-C: finished runs are kept, runs in flight are dropped, exit 130 with a message.
  {
    BackgroundCli sweep(dir, {"run", "sweep.json", "--out", "interrupted", "--threads", "1"});
    REQUIRE(sweep.started());
    REQUIRE(eventually([&] { return run_records(dir / "interrupted").size() >= 1 || !sweep.running(); }, 120s));
    sweep.send(SIGINT);
    CHECK(sweep.wait(60s) == 130);
    const std::size_t kept = run_records(dir / "interrupted").size();
    CHECK(kept >= 1);
    CHECK(kept < 40);
    const auto messages = lines(sweep.err());
    REQUIRE(!messages.empty());
    CHECK(messages.back() == "interrupted: " + std::to_string(kept) +
                                 " of 40 runs finished and saved in interrupted/runs; run the same command again to "
                                 "complete");
    CHECK_FALSE(std::filesystem::exists(dir / "interrupted/metrics.csv"));
    const auto completed = run_cli(dir, "run sweep.json --out interrupted --quiet");
    REQUIRE(completed.exit_code == 0);
    CHECK_THAT(completed.out, Catch::Contains(std::to_string(kept) + " of 40 runs reused"));
  }
  CHECK(read_file(dir / "interrupted/metrics.csv") == reference);
}

TEST_CASE("validate prints the memory estimate; a spec needing 50 GiB is refused without allocating it") {
  ScratchDir dir;
  write_file(dir / "sweep.json", kSweep);
  const auto validated = run_cli(dir, "validate sweep.json --threads 2 --max-memory 8G");
  CHECK(validated.exit_code == 0);
  CHECK_THAT(validated.out, Catch::Contains("memory: about "));
  CHECK_THAT(validated.out, Catch::Contains("+ 2 concurrent runs x "));
  CHECK_THAT(validated.out, Catch::Contains("(40 runs, 1200 metric rows); limit 8.00 GiB (--max-memory 8G)"));
  const auto defaults = run_cli(dir, "validate sweep.json");
  CHECK_THAT(defaults.out, Catch::Contains("; limit "));

  // 50 GiB of data: 1.56e8 rows x 20 dims (the matrix and its copy while solving, the targets,
  // the shards: 43 numbers of 8 bytes per row). Refused in milliseconds: nothing is allocated.
  Json big = Json::parse(kSweep);
  big["problem"]["samples"] = 156000000;
  write_file(dir / "big.json", big.dump());
  for (const char* command : {"validate big.json --max-memory 40G", "run big.json --out results --max-memory 40G"}) {
    const auto refused = run_cli(dir, command);
    INFO(command << ": " << refused.err);
    CHECK(refused.exit_code == 2);
    CHECK_THAT(refused.err, Catch::StartsWith("error: big.json: /problem: needs about 50.0 GiB of memory (least_squares with 156000000 samples x 20 dims"));
    CHECK_THAT(refused.err, Catch::Contains("the limit is 40.0 GiB (--max-memory 40G)"));
    CHECK(lines(refused.err).size() == 1);
  }
  CHECK_FALSE(std::filesystem::exists(dir / "results"));
}

TEST_CASE("run --force never replaces a file that localsgd did not write") {
  ScratchDir dir;
  write_file(dir / "sweep.json", kSweep);
  std::filesystem::create_directories(dir / "mine/plots");
  write_file(dir / "mine/metrics.csv", "my own numbers");
  write_file(dir / "mine/plots/gap_vs_step.png", "my own plot");
  const auto refused = run_cli(dir, "run sweep.json --out mine --force");
  CHECK(refused.exit_code == 2);
  CHECK_THAT(refused.err, Catch::StartsWith("error: mine: holds metrics.csv (and 1 more file) that localsgd would "
                                            "overwrite but did not write"));
  CHECK(read_file(dir / "mine/metrics.csv") == "my own numbers");
  CHECK(read_file(dir / "mine/plots/gap_vs_step.png") == "my own plot");
  CHECK_FALSE(std::filesystem::exists(dir / "mine/spec.resolved.json"));
  CHECK_FALSE(std::filesystem::exists(dir / "mine/runs"));
}
