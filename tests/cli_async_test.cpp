// Asynchronous coordination end to end through `localsgd`: a spec with a barrier, a FedAsync and a
// FedBuff variant writes the asynchrony block of summary.json (its counts add up), the staleness
// columns of runs.csv and the staleness plot (its .dat file against summary.json); the barrier
// given explicitly changes nothing; a resumed folder reloads the asynchronous runs unchanged; a
// diverging asynchronous run is reported as such; `explain` and `list` name the coordination.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "experiments/store/csv.hpp"
#include "support/cli.hpp"

using namespace localsgd;
using namespace localsgd::test;
namespace fs = std::filesystem;

namespace {

// p = 4 workers with exponential step times (so pushes go stale), d = 5, T = 200, τ = 10, 2 seeds.
Json async_spec(const Json& variants) {
  return Json{{"name", "async"},
              {"problem", {{"type", "least_squares"}, {"samples", 400}, {"dim", 5}, {"noise", 0.3}}},
              {"workers", 4},
              {"steps", 200},
              {"schedule", {{"type", "fixed"}, {"period", 10}}},
              {"step_size", {{"type", "constant"}, {"value", 0.01}}},
              {"clock", {{"compute", {{"type", "exponential"}, {"mean", 0.01}}}}},
              {"eval", {{"every", 10}}},
              {"seeds", 2},
              {"variants", variants}};
}

const Json kVariants = Json::parse(R"([
  {"label": "barrier"},
  {"label": "fedasync", "coordination": {"type": "fedasync", "staleness": "polynomial"}},
  {"label": "fedbuff", "coordination": {"type": "fedbuff", "buffer": 2}, "server": {"type": "sgd", "learning_rate": 0.5}}
])");

long sum(const Json& values) {
  long total = 0;
  for (const Json& v : values) total += v.get<long>();
  return total;
}

// The blocks of a gnuplot .dat file: per block, its lines of numbers.
std::vector<std::vector<std::vector<double>>> dat_blocks(const std::string& text) {
  std::vector<std::vector<std::vector<double>>> blocks;
  bool in_block = false;
  for (const std::string& line : lines(text)) {
    if (line.empty()) {
      in_block = false;
      continue;
    }
    if (line.front() == '#') {
      if (!in_block) blocks.emplace_back();
      in_block = true;
      continue;
    }
    std::vector<double> numbers;
    std::size_t start = 0;
    while (start < line.size()) {
      const std::size_t end = std::min(line.find(' ', start), line.size());
      numbers.push_back(std::stod(line.substr(start, end - start)));
      start = end + 1;
    }
    blocks.back().push_back(numbers);
  }
  return blocks;
}

}  // namespace

TEST_CASE("async: summary.json's asynchrony adds up, runs.csv has the staleness columns, the staleness plot is drawn") {
  ScratchDir dir;
  const auto result = run_spec(dir, "async.json", async_spec(kVariants).dump(2), "out");
  INFO(result.out << result.err);
  REQUIRE(result.exit_code == 0);
  const Json summary = Json::parse(read_file(dir / "out/summary.json"));
  const Json& runs = summary.at("runs");
  REQUIRE(runs.size() == 6);
  // Per asynchronous label: the histogram fractions of its runs, to check the plot against.
  std::map<std::string, std::vector<std::vector<double>>> fractions;
  for (const Json& r : runs) {
    const std::string variant = r.at("variant");
    INFO(variant);
    CHECK(r.at("termination") == "completed");
    CHECK(r.at("steps") == 200);
    if (variant == "barrier") {
      CHECK_FALSE(r.contains("asynchrony"));
      CHECK(r.at("rounds") == 20);
      continue;
    }
    REQUIRE(r.contains("asynchrony"));
    const Json& a = r.at("asynchrony");
    CHECK(a.at("coordination") == variant);
    const long pushes = a.at("pushes").get<long>();
    CHECK(pushes == sum(a.at("pushes_per_worker")));
    CHECK(a.at("pushes_per_worker").size() == 4);
    // The budget p·T = 800 local steps in jobs of τ = 10: exactly 80 pushes applied.
    CHECK(pushes == 80);
    const Json& histogram = a.at("staleness").at("histogram");
    CHECK(sum(histogram) == pushes);
    CHECK(a.at("staleness").at("max").get<std::size_t>() + 1 == histogram.size());
    long weighted = 0;
    for (std::size_t s = 0; s < histogram.size(); ++s) weighted += static_cast<long>(s) * histogram[s].get<long>();
    CHECK(a.at("staleness").at("mean").get<double>() == static_cast<double>(weighted) / static_cast<double>(pushes));
    CHECK(a.at("staleness").at("max").get<long>() > 0);  // unequal step times: some pushes are stale
    CHECK(a.at("communication_seconds").size() == 4);
    // Server versions: FedAsync one per push, FedBuff one per K = 2 pushes.
    CHECK(r.at("rounds") == (variant == "fedasync" ? 80 : 40));
    std::vector<double> f;
    for (const Json& c : histogram) f.push_back(c.get<double>() / static_cast<double>(pushes));
    fractions[variant].push_back(f);
  }

  // runs.csv: the two columns at the end, empty for the barrier runs.
  const CsvTable table = read_csv(dir / "out/runs.csv");
  REQUIRE(table.header.size() >= 2);
  CHECK(table.header[table.header.size() - 2] == "staleness_mean");
  CHECK(table.header.back() == "staleness_max");
  const std::size_t variant_col = table.column("variant");
  for (std::size_t i = 0; i < table.rows.size(); ++i) {
    const auto& row = table.rows[i];
    const Json& a = runs.at(i);
    if (row[variant_col] == "barrier") {
      CHECK(row[table.column("staleness_mean")].empty());
      CHECK(row[table.column("staleness_max")].empty());
    } else {
      CHECK(table.number(i, table.column("staleness_mean")) == a.at("asynchrony").at("staleness").at("mean").get<double>());
      CHECK(table.number(i, table.column("staleness_max")) == a.at("asynchrony").at("staleness").at("max").get<double>());
    }
  }

  // The staleness plot: one block per asynchronous variant (the barrier has no pushes), the mean
  // over the two seeds of each run's fraction of pushes at staleness k.
  REQUIRE(fs::exists(dir / "out/plots/staleness.dat"));
  CHECK(fs::exists(dir / "out/plots/staleness.gp"));
  const auto blocks = dat_blocks(read_file(dir / "out/plots/staleness.dat"));
  REQUIRE(blocks.size() == 2);
  const char* order[] = {"fedasync", "fedbuff"};
  for (std::size_t b = 0; b < 2; ++b) {
    INFO(order[b]);
    const auto& seeds = fractions.at(order[b]);
    REQUIRE(seeds.size() == 2);
    const std::size_t longest = std::max(seeds[0].size(), seeds[1].size());
    REQUIRE(blocks[b].size() == longest);
    for (std::size_t k = 0; k < longest; ++k) {
      const double f0 = k < seeds[0].size() ? seeds[0][k] : 0.0, f1 = k < seeds[1].size() ? seeds[1][k] : 0.0;
      CHECK(blocks[b][k][0] == static_cast<double>(k));
      CHECK(blocks[b][k][1] == Approx((f0 + f1) / 2).epsilon(1e-12));
      CHECK(blocks[b][k][4] == 2);  // n: two seeds
    }
  }
  const std::string script = read_file(dir / "out/plots/staleness.gp");
  CHECK_THAT(script, Catch::Contains("title \"fedasync\""));
  CHECK_THAT(script, Catch::Contains("title \"fedbuff\""));
  CHECK_THAT(script, Catch::Contains("fraction of pushes"));
  if (std::system("command -v gnuplot > /dev/null 2>&1") == 0) CHECK(fs::exists(dir / "out/plots/staleness.png"));
}

TEST_CASE("async: the barrier given explicitly has the run keys and outputs of a spec without the key") {
  ScratchDir dir;
  const Json variants = Json::parse(R"([{"label": "a"}, {"label": "b", "schedule": {"type": "fixed", "period": 20}}])");
  Json spelled = async_spec(variants);
  spelled["coordination"] = {{"type", "barrier"}};
  REQUIRE(run_spec(dir, "plain.json", async_spec(variants).dump(2), "plain").exit_code == 0);
  REQUIRE(run_spec(dir, "spelled.json", spelled.dump(2), "spelled").exit_code == 0);
  for (const char* file : {"metrics.csv", "runs.csv", "time_to_target.csv", "spec.resolved.json"}) {
    INFO(file);
    CHECK(read_file(dir / "plain" / file) == read_file(dir / "spelled" / file));
  }
  const auto names = [](const std::vector<fs::path>& paths) {
    std::vector<std::string> out;
    for (const auto& p : paths) out.push_back(p.filename().string());
    return out;
  };
  CHECK(names(run_records(dir / "plain")) == names(run_records(dir / "spelled")));
  // No staleness column, no staleness plot without an asynchronous run.
  CHECK_THAT(read_file(dir / "plain/runs.csv"), !Catch::Contains("staleness"));
  CHECK_FALSE(fs::exists(dir / "plain/plots/staleness.dat"));
}

TEST_CASE("async: a resumed folder reloads the asynchronous runs unchanged") {
  ScratchDir dir;
  REQUIRE(run_spec(dir, "async.json", async_spec(kVariants).dump(2), "out").exit_code == 0);
  const std::string summary = read_file(dir / "out/summary.json");
  const std::string runs_csv = read_file(dir / "out/runs.csv");
  const std::string metrics = read_file(dir / "out/metrics.csv");
  REQUIRE(run_records(dir / "out").size() == 6);
  lose_runs(dir / "out", 2);  // as an interrupted sweep leaves it
  const auto resumed = run_cli(dir, "run async.json --out out --quiet");
  INFO(resumed.out << resumed.err);
  REQUIRE(resumed.exit_code == 0);
  CHECK_THAT(resumed.out, Catch::Contains("(2 executed, 4 reused)"));
  CHECK(read_file(dir / "out/metrics.csv") == metrics);
  CHECK(read_file(dir / "out/runs.csv") == runs_csv);
  // Every run's asynchrony block as it was (wall_seconds of the two rerun runs differ).
  const Json before = Json::parse(summary), after = Json::parse(read_file(dir / "out/summary.json"));
  REQUIRE(after.at("runs").size() == before.at("runs").size());
  for (std::size_t i = 0; i < before.at("runs").size(); ++i) {
    CHECK(after.at("runs")[i].value("asynchrony", Json()) == before.at("runs")[i].value("asynchrony", Json()));
  }
  // Everything reused: summary.json byte for byte.
  const auto again = run_cli(dir, "run async.json --out out --quiet");
  REQUIRE(again.exit_code == 0);
  const std::string reloaded = read_file(dir / "out/summary.json");
  CHECK(run_cli(dir, "run async.json --out out --quiet").exit_code == 0);
  CHECK(read_file(dir / "out/summary.json") == reloaded);
}

TEST_CASE("async: a diverging asynchronous run is reported as diverged, with its asynchrony") {
  ScratchDir dir;
  Json spec = async_spec(Json::parse(R"([{"label": "fedasync", "coordination": {"type": "fedasync", "mixing": 1}}])"));
  spec["step_size"] = {{"type", "constant"}, {"value", 5.0}};
  spec["seeds"] = 1;
  const auto result = run_spec(dir, "diverge.json", spec.dump(2), "out");
  INFO(result.out << result.err);
  const Json run = Json::parse(read_file(dir / "out/summary.json")).at("runs").at(0);
  CHECK(run.at("termination") == "diverged");
  CHECK(run.at("diverged_at_step").get<long>() < 200);
  REQUIRE(run.contains("asynchrony"));
  CHECK(sum(run.at("asynchrony").at("staleness").at("histogram")) == run.at("asynchrony").at("pushes").get<long>());
}

TEST_CASE("async: explain names the coordination, tau, the event order and the staleness weight and list shows it") {
  ScratchDir dir;
  write_file(dir / "async.json", async_spec(kVariants).dump(2));
  const auto explained = run_cli(dir, "explain async.json");
  INFO(explained.err);
  REQUIRE(explained.exit_code == 0);
  CHECK_THAT(explained.out, Catch::Contains("coordination barrier: every worker waits"));
  CHECK_THAT(explained.out, Catch::Contains("coordination fedasync (a = 0.5, mixing = 0.6, staleness = \"polynomial\")"));
  CHECK_THAT(explained.out, Catch::Contains("Xie, Koyejo & Gupta 2019"));
  CHECK_THAT(explained.out, Catch::Contains("coordination fedbuff (buffer = 2, staleness = \"constant\")"));
  CHECK_THAT(explained.out, Catch::Contains("Nguyen et al., AISTATS 2022"));
  CHECK_THAT(explained.out, Catch::Contains("tau = 10 local steps per job"));
  CHECK_THAT(explained.out, Catch::Contains("events ordered by (time, push before pull, worker id)"));
  CHECK_THAT(explained.out, Catch::Contains("staleness weight s(k) = (1 + k)^-0.5"));
  CHECK_THAT(explained.out, Catch::Contains("staleness weight s(k) = 1\n"));
  const auto as_json = run_cli(dir, "explain async.json --json");
  REQUIRE(as_json.exit_code == 0);
  const Json configurations = Json::parse(as_json.out).at("configurations");
  CHECK(configurations.at(0).at("round").at("coordination").at("asynchronous") == false);
  CHECK(configurations.at(1).at("round").at("coordination").at("local_steps") == 10);
  CHECK(configurations.at(2).at("round").at("coordination").at("params").at("buffer") == 2);

  const auto listed = run_cli(dir, "list");
  REQUIRE(listed.exit_code == 0);
  CHECK_THAT(listed.out, Catch::Contains("coordination (coordination.type)"));
}
