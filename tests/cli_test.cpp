// End-to-end tests of the `localsgd` command line: results folders, determinism across thread
// counts and evaluation frequencies, and bad input that loses nothing.
#include <catch2/catch.hpp>
#include <set>
#include <vector>

#include <nlohmann/json.hpp>

#include "experiments/store/csv.hpp"
#include "support/cli.hpp"

using namespace localsgd;
using namespace localsgd::test;

namespace {

// Two variants, two seeds, every step evaluated, a ring network.
const std::string kSpec = tiny_spec("tiny", Json::parse(R"({
  "clock": {"network": {"type": "ring"}},
  "variants": [
    {"label": "sync", "schedule": {"type": "sync"}},
    {"label": "tau=10", "schedule": {"type": "fixed", "period": 10}}
  ],
  "seeds": 2,
  "eval": {"every": 1}
})")).dump(2);

}  // namespace

TEST_CASE("localsgd run writes metrics.csv, summary.json, spec.resolved.json and PNG plots") {
  ScratchDir dir;
  write_file(dir / "tiny.json", kSpec);
  const auto result = run_cli(dir, "run tiny.json --out results");
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  CHECK_THAT(result.out, Catch::Contains("tau=10"));

  const auto rows = lines(read_file(dir / "results/metrics.csv"));
  REQUIRE(!rows.empty());
  CHECK(rows[0] == "run,variant,seed,step,round,samples,time,loss,gap,grad_norm_sq,consensus");
  CHECK(rows.size() == 1 + 4 * 301);  // 4 runs, evaluated at steps 0..300

  const Json summary = Json::parse(read_file(dir / "results/summary.json"));
  REQUIRE(summary.at("runs").size() == 4);
  const Json& tau = summary.at("runs").at(2);
  CHECK(tau.at("variant") == "tau=10");
  CHECK(tau.at("rounds") == 30);
  CHECK(tau.at("termination") == "completed");
  CHECK(tau.at("config").at("clock").at("network").at("bandwidth") == 1.25e9);
  // T·c + R·(ring all-reduce of 5 doubles among 3 workers)
  const double ring = 2 * 2 * 5e-5 + 2 * (2.0 / 3.0) * 40 / 1.25e9;
  CHECK(tau.at("virtual_time").get<double>() == Approx(300 * 0.01 + 30 * ring).epsilon(1e-12));
  const auto first_row = split_csv_line(rows.at(1 + 2 * 301));  // run 2, step 0
  REQUIRE(first_row.at(0) == "2");
  CHECK(tau.at("final").at("gap").get<double>() < 0.01 * std::stod(first_row.at(8)));
  CHECK(tau.at("constants").at("L").get<double>() > tau.at("constants").at("mu").get<double>());

  const Json resolved = Json::parse(read_file(dir / "results/spec.resolved.json"));
  CHECK(resolved.at("variants").at(0).at("batch") == 2);
  CHECK(resolved.at("variants").at(0).at("optimizer").at("type") == "sgd");

  for (const char* plot : {"gap_vs_step.png", "gap_vs_round.png", "gap_vs_time.png"}) {
    const std::string png = read_file(dir / "results/plots" / plot);
    INFO(plot);
    REQUIRE(png.size() > 1000);
    CHECK(png.substr(0, 8) == std::string("\x89PNG\r\n\x1a\n", 8));
  }
}

TEST_CASE("metrics.csv is bit-identical with 1 and 2 threads") {
  ScratchDir dir;
  REQUIRE(run_spec(dir, "tiny.json", kSpec, "one", "--threads 1").exit_code == 0);
  REQUIRE(run_cli(dir, "run tiny.json --out two --threads 2 --quiet").exit_code == 0);
  const std::string one = read_file(dir / "one/metrics.csv");
  CHECK(one.size() > 10000);
  CHECK(one == read_file(dir / "two/metrics.csv"));
}

TEST_CASE("evaluating every step or every 100 steps gives the same rows at the shared steps") {
  ScratchDir dir;
  Json sparse = Json::parse(kSpec);
  sparse["eval"] = {{"every", 100}};
  REQUIRE(run_spec(dir, "dense.json", kSpec, "dense").exit_code == 0);
  REQUIRE(run_spec(dir, "sparse.json", sparse.dump(), "sparse").exit_code == 0);
  std::vector<std::string> shared;
  for (const auto& row : lines(read_file(dir / "dense/metrics.csv"))) {
    const auto fields = split_csv_line(row);
    if (fields[3] == "step" || std::stol(fields[3]) % 100 == 0) shared.push_back(row);
  }
  const auto sparse_rows = lines(read_file(dir / "sparse/metrics.csv"));
  CHECK(sparse_rows.size() == 1 + 4 * 4);
  CHECK(shared == sparse_rows);
}

TEST_CASE("bad input: one message naming file, JSON path and rule; exit 2; no results folder") {
  using Case = std::tuple<const char*, std::string, std::string>;  // what, spec text, expected message
  const Json good = Json::parse(kSpec);
  auto with = [&](const char* patch) {
    Json s = good;
    s.merge_patch(Json::parse(patch));
    return s.dump(2);
  };
  const auto [what, text, message] = GENERATE_COPY(
      Case{"malformed JSON", std::string("{\n  \"name\": \"tiny\",\n  \"st"), "bad.json: line 3, column "},
      Case{"wrong type", with(R"({"batch": "2"})"), "bad.json: /batch: must be an integer, got string \"2\""},
      Case{"unknown key", with(R"({"stepsize": 1})"),
           "bad.json: /stepsize: unknown key \"stepsize\" in the spec (valid keys: "},
      Case{"workers = 0", with(R"({"workers": 0})"), "bad.json: /workers: must be integer >= 1"},
      Case{"period = 0", with(R"({"variants": [{"label": "x", "schedule": {"type": "fixed", "period": 0}}]})"),
           "bad.json: /variants/0/schedule/period: must be integer >= 1, got 0"},
      Case{"negative step size", with(R"({"step_size": {"type": "constant", "value": -1, "eta0": null, "t0": null}})"),
           "bad.json: /step_size/value: must be number > 0, got -1"});
  INFO(what);
  ScratchDir dir;
  write_file(dir / "bad.json", text);
  const auto result = run_cli(dir, "run bad.json --out results");
  CHECK(result.exit_code == 2);
  CHECK_THAT(result.err, Catch::StartsWith("error: " + message));
  CHECK(lines(result.err).size() == 1);
  CHECK(result.out.empty());
  CHECK_FALSE(std::filesystem::exists(dir / "results"));
  CHECK(run_cli(dir, "validate bad.json").exit_code == 2);
}

TEST_CASE("bad input leaves an earlier results folder untouched") {
  ScratchDir dir;
  REQUIRE(run_spec(dir, "tiny.json", kSpec, "results").exit_code == 0);
  const std::string before = read_file(dir / "results/metrics.csv");
  Json bad = Json::parse(kSpec);
  bad["workers"] = -3;
  write_file(dir / "tiny.json", bad.dump());
  CHECK(run_cli(dir, "run tiny.json --out results").exit_code == 2);
  CHECK(read_file(dir / "results/metrics.csv") == before);
}

TEST_CASE("validate prints the run count; plot redraws from metrics.csv; list shows every type") {
  ScratchDir dir;
  write_file(dir / "tiny.json", kSpec);
  const auto validated = run_cli(dir, "validate tiny.json");
  CHECK(validated.exit_code == 0);
  CHECK_THAT(validated.out, Catch::Contains("4 runs = 2 variants x 1 sweep points x 2 seeds"));
  CHECK_FALSE(std::filesystem::exists(dir / "out"));

  REQUIRE(run_cli(dir, "run tiny.json --out results --quiet").exit_code == 0);
  std::filesystem::remove_all(dir / "results/plots");
  const auto plotted = run_cli(dir, "plot results");
  CHECK(plotted.exit_code == 0);
  CHECK(std::filesystem::file_size(dir / "results/plots/gap_vs_step.png") > 1000);

  const auto listed = run_cli(dir, "list");
  CHECK(listed.exit_code == 0);
  for (const char* name : {"least_squares", "sync", "fixed", "one_shot", "constant", "inverse_time", "sgd", "ring"}) {
    CHECK_THAT(listed.out, Catch::Contains(std::string("  ") + name + " "));
  }
}

TEST_CASE("the default output folder is out/<name> next to where localsgd runs") {
  ScratchDir dir;
  write_file(dir / "tiny.json", kSpec);
  REQUIRE(run_cli(dir, "run tiny.json --quiet").exit_code == 0);
  CHECK(std::filesystem::exists(dir / "out/tiny/metrics.csv"));
}

TEST_CASE("rerunning a spec into its folder reuses finished runs and gives identical results") {
  ScratchDir dir;
  REQUIRE(run_spec(dir, "tiny.json", kSpec, "results").exit_code == 0);
  const std::string metrics = read_file(dir / "results/metrics.csv");
  REQUIRE(run_records(dir / "results").size() == 4);

  // As if the first sweep had been interrupted: two runs finished, no aggregate files yet.
  lose_runs(dir / "results", 2);
  const auto rerun = run_cli(dir, "run tiny.json --out results --quiet");
  REQUIRE(rerun.exit_code == 0);
  CHECK_THAT(rerun.out, Catch::Contains("2 of 4 runs reused"));
  CHECK(read_file(dir / "results/metrics.csv") == metrics);

  // A relabelled variant has the same settings: all its runs are reused.
  Json relabelled = Json::parse(kSpec);
  relabelled["variants"][1]["label"] = "LUPA tau=10";
  relabelled["name"] = "tiny";
  write_file(dir / "relabelled.json", relabelled.dump());
  const auto forced = run_cli(dir, "run relabelled.json --out results --quiet --force");
  REQUIRE(forced.exit_code == 0);
  CHECK_THAT(forced.out, Catch::Contains("4 of 4 runs reused"));
}

TEST_CASE("a folder with another spec's results or foreign files is refused without --force") {
  ScratchDir dir;
  REQUIRE(run_spec(dir, "tiny.json", kSpec, "results").exit_code == 0);
  const std::string metrics = read_file(dir / "results/metrics.csv");
  Json other = Json::parse(kSpec);
  other["steps"] = 200;
  write_file(dir / "other.json", other.dump());
  const auto refused = run_cli(dir, "run other.json --out results");
  CHECK(refused.exit_code == 2);
  CHECK_THAT(refused.err, Catch::Contains("holds the results of a different spec"));
  CHECK(read_file(dir / "results/metrics.csv") == metrics);

  std::filesystem::create_directories(dir / "mine");
  write_file(dir / "mine/notes.txt", "my notes");
  const auto foreign = run_cli(dir, "run tiny.json --out mine");
  CHECK(foreign.exit_code == 2);
  CHECK_THAT(foreign.err, Catch::Contains("holds no localsgd results"));
  CHECK_FALSE(std::filesystem::exists(dir / "mine/metrics.csv"));
  REQUIRE(run_cli(dir, "run tiny.json --out mine --force --quiet").exit_code == 0);
  CHECK(read_file(dir / "mine/notes.txt") == "my notes");
  CHECK(read_file(dir / "mine/metrics.csv") == metrics);
}

TEST_CASE("final-vs-swept and time-to-target plots render from a sweep") {
  ScratchDir dir;
  Json spec = Json::parse(kSpec);
  spec["sweep"] = {{"workers", {1, 2, 4}}};
  spec["eval"] = {{"every", 10}};
  spec["plots"] = Json::parse(R"([
    {"kind": "final", "x": "workers", "y": "gap", "reference_slope": -1},
    {"kind": "time_to", "x": "workers", "y": "gap", "value": 0.01, "by": "step"},
    {"x": "step", "y": "consensus", "log_x": true}
  ])");
  const auto result = run_spec(dir, "sweep.json", spec.dump(), "results");
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  for (const char* plot : {"final_gap_vs_workers", "step_to_gap_0.01_vs_workers", "consensus_vs_step"}) {
    INFO(plot);
    const std::string png = read_file(dir / "results/plots" / (std::string(plot) + ".png"));
    REQUIRE(png.size() > 1000);
    CHECK(png.substr(0, 8) == std::string("\x89PNG\r\n\x1a\n", 8));
  }
  const std::string script = read_file(dir / "results/plots/final_gap_vs_workers.gp");
  CHECK_THAT(script, Catch::Contains("(slope "));
  CHECK_THAT(script, Catch::Contains("reference slope -1"));
  // One data block per variant, one line per swept value.
  const std::string data = read_file(dir / "results/plots/final_gap_vs_workers.dat");
  CHECK(std::count(data.begin(), data.end(), '#') == 2);
}

TEST_CASE("every spec shipped in experiments/ validates") {
  ScratchDir dir;
  std::size_t specs = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(LOCALSGD_SOURCE_DIR "/experiments")) {
    if (entry.path().extension() != ".json") continue;
    ++specs;
    const auto result = run_cli(dir, "validate '" + entry.path().string() + "'");
    INFO(entry.path().string() << ": " << result.err);
    CHECK(result.exit_code == 0);
  }
  CHECK(specs >= 4);
}

TEST_CASE("logistic on a LIBSVM file: the path resolves against the spec's folder; constants in summary.json") {
  ScratchDir dir;
  std::filesystem::create_directories(dir / "specs");
  std::filesystem::create_directories(dir / "data");
  std::filesystem::copy_file(std::filesystem::path(LOCALSGD_SOURCE_DIR) / "data/heart_scale", dir / "data/heart_scale");
  Json spec = Json::parse(kSpec);
  spec["problem"] = Json::parse(R"({"type": "logistic", "data": "libsvm", "file": "../data/heart_scale",
                                    "l2": 1e-3, "partition": "by_label", "init": "distance", "distance": 1.0})");
  spec["eval"] = {{"points", 10}};
  const auto result = run_spec(dir, "specs/heart.json", spec.dump(2), "results");
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  const Json summary = Json::parse(read_file(dir / "results/summary.json"));
  const Json& constants = summary.at("runs").at(0).at("constants");
  CHECK(constants.at("mu") == 1e-3);
  CHECK(constants.at("sigma2").is_null());
  CHECK(constants.at("heterogeneity").get<double>() > 0);
  CHECK(constants.at("exact") == true);
  CHECK(constants.at("x_star").size() == 13);
  CHECK_THAT(constants.at("how").get<std::string>(), Catch::Contains("heart_scale (270 rows, 13 features, stored dense)"));
  const Json resolved = Json::parse(read_file(dir / "results/spec.resolved.json"));
  CHECK(resolved.at("variants").at(0).at("problem").at("file") == "../data/heart_scale");

  spec["problem"]["file"] = "heart_scale";  // relative to specs/, where it is not
  write_file(dir / "specs/missing.json", spec.dump(2));
  const auto missing = run_cli(dir, "validate specs/missing.json");
  CHECK(missing.exit_code == 2);
  CHECK_THAT(missing.err, Catch::StartsWith("error: specs/missing.json: /problem/file: cannot open \"specs/heart_scale\""));
}

TEST_CASE("a quadratic run started at the optimum reports gap 0 at step 0 and its sigma2") {
  ScratchDir dir;
  Json spec = Json::parse(kSpec);
  spec["problem"] = Json::parse(R"({"type": "quadratic", "dim": 5, "spectrum": "geometric", "mu": 0.01,
                                    "sigma2": 0.5, "f_star": 2.0, "init": "optimum"})");
  REQUIRE(run_spec(dir, "q.json", spec.dump(2), "results").exit_code == 0);
  const auto rows = lines(read_file(dir / "results/metrics.csv"));
  const auto first = split_csv_line(rows.at(1));
  CHECK(first.at(3) == "0");    // step
  CHECK(first.at(7) == "2");    // loss = F*
  CHECK(first.at(8) == "0");    // gap
  const Json constants = Json::parse(read_file(dir / "results/summary.json")).at("runs").at(0).at("constants");
  CHECK(constants.at("sigma2") == 0.5);
  CHECK(constants.at("L") == 1.0);
  CHECK(constants.at("mu") == 0.01);
}

TEST_CASE("least squares on a LIBSVM file: the labels are the targets; sparse data stays sparse") {
  ScratchDir dir;
  Json spec = Json::parse(kSpec);
  spec["problem"] = {{"type", "least_squares"}, {"design", "libsvm"},
                     {"file", std::string(LOCALSGD_SOURCE_DIR) + "/data/a9a.t"}, {"dim", 123}};
  spec["eval"] = {{"points", 5}};
  spec["step_size"] = {{"type", "constant"}, {"value", 0.05}};
  const auto result = run_spec(dir, "a9a.json", spec.dump(), "results");
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  const Json constants = Json::parse(read_file(dir / "results/summary.json")).at("runs").at(0).at("constants");
  CHECK_THAT(constants.at("how").get<std::string>(), Catch::Contains("16281 rows, 123 features, stored sparse"));
  CHECK(constants.at("exact") == true);
  spec["problem"]["samples"] = 100;  // a synthetic-only key
  write_file(dir / "bad.json", spec.dump());
  const auto bad = run_cli(dir, "validate bad.json");
  CHECK(bad.exit_code == 2);
  CHECK_THAT(bad.err, Catch::Contains("/problem/samples"));
}
