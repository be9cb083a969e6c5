// The round's policies end to end through `localsgd`: a spec using each policy runs, summary.json
// reports who took part and how much work was used (exact counts where the policy fixes them),
// identities that go through the same arithmetic give the default's metrics bit for bit, `list`
// shows the families, `explain` prints each policy with its formula and source, and `validate` /
// `explain` warn (exit 0) when the period cannot change x̄.
#include <catch2/catch.hpp>
#include <numeric>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "experiments/store/csv.hpp"
#include "support/cli.hpp"

using namespace localsgd;
using namespace localsgd::test;

namespace {

// p = 4 equal shards, d = 5, T = 200, τ = 10 (R = 20 rounds), 0.01 s per step.
constexpr long kRounds = 20;

Json round_spec(const Json& variants) {
  return Json{{"name", "round"},
              {"problem", {{"type", "least_squares"}, {"samples", 400}, {"dim", 5}, {"noise", 0.3}}},
              {"workers", 4},
              {"steps", 200},
              {"schedule", {{"type", "fixed"}, {"period", 10}}},
              {"step_size", {{"type", "constant"}, {"value", 0.01}}},
              {"eval", {{"every", 10}}},
              {"variants", variants}};
}

long sum(const Json& values) {
  long total = 0;
  for (const Json& v : values) total += v.get<long>();
  return total;
}

std::vector<long> longs(const Json& values) { return values.get<std::vector<long>>(); }

// metrics.csv rows of one variant, without the run, variant and seed columns.
std::vector<std::string> rows_of(const std::string& csv, const std::string& variant) {
  std::vector<std::string> out;
  for (const std::string& line : lines(csv)) {
    const auto fields = split_csv_line(line);
    if (fields.size() > 3 && fields[1] == variant) out.push_back(line.substr(line.find(',', line.find(',', line.find(',') + 1) + 1)));
  }
  return out;
}

}  // namespace

TEST_CASE("every round policy runs end to end; summary.json counts participation and work") {
  ScratchDir dir;
  const Json variants = Json::parse(R"([
    {"label": "default"},
    {"label": "uniform", "participation": {"type": "uniform", "clients": 2}},
    {"label": "weighted", "participation": {"type": "weighted", "clients": 2}},
    {"label": "available", "participation": {"type": "available", "probability": [1, 1, 0, 0]}},
    {"label": "diurnal", "participation": {"type": "available", "probability": 0.5, "period_rounds": 5, "amplitude": 0.3}},
    {"label": "deadline", "participation": {"type": "deadline", "seconds": 0.055}},
    {"label": "partial", "participation": {"type": "deadline", "seconds": 0.055, "keep_partial": true}},
    {"label": "per_worker", "local_work": {"type": "per_worker", "steps": [1, 2, 5, 10]}},
    {"label": "random", "local_work": {"type": "random", "min_steps": 5}},
    {"label": "budget", "local_work": {"type": "time_budget", "seconds": 0.035}},
    {"label": "fedprox", "correction": {"type": "fedprox", "mu": 0.1}},
    {"label": "scaffold", "correction": {"type": "scaffold"}},
    {"label": "shard_size", "aggregation": {"type": "shard_size"}},
    {"label": "fednova", "local_work": {"type": "per_worker", "steps": [1, 2, 5, 10]}, "aggregation": {"type": "fednova"}},
    {"label": "server sgd", "server": {"type": "sgd", "learning_rate": 0.5}},
    {"label": "slowmo", "server": {"type": "momentum", "momentum": 0.5}},
    {"label": "diloco", "server": {"type": "nesterov", "learning_rate": 0.7, "momentum": 0.9}},
    {"label": "fedadam", "server": {"type": "adam", "learning_rate": 0.01}},
    {"label": "fedyogi", "server": {"type": "yogi", "learning_rate": 0.01}},
    {"label": "fedadagrad", "server": {"type": "adagrad", "learning_rate": 0.01}}
  ])");
  const auto result = run_spec(dir, "round.json", round_spec(variants).dump(2), "out");
  INFO(result.out << result.err);
  REQUIRE(result.exit_code == 0);
  const Json summary = Json::parse(read_file(dir / "out/summary.json"));
  const Json& runs = summary.at("runs");
  REQUIRE(runs.size() == variants.size());
  auto run = [&](const std::string& label) -> const Json& {
    for (const Json& r : runs) {
      if (r.at("variant") == label) return r;
    }
    FAIL("no run " << label);
    return runs.front();
  };
  for (const Json& r : runs) {
    INFO(r.at("variant"));
    CHECK(r.at("termination") == "completed");
    CHECK(r.at("rounds") == kRounds);
    CHECK(std::isfinite(r.at("final").at("gap").get<double>()));
    // Counts only for a round other than LUPA-SGD's: the default's summary is as before.
    CHECK(r.contains("participation") == (r.at("variant") != "default"));
  }
  const std::vector<long> everyone(4, kRounds), all_steps(4, 10 * kRounds), none(4, 0);
  // Uniform K = 2 of 4: exactly 2 participants per round.
  const Json& uniform = run("uniform").at("participation");
  CHECK(sum(uniform.at("rounds_participated")) == 2 * kRounds);
  CHECK(sum(uniform.at("steps_run")) == 2 * kRounds * 10);
  CHECK(longs(uniform.at("dropped_steps")) == none);
  CHECK(uniform.at("empty_rounds") == 0);
  // Weighted K = 2 draws with replacement: one or two distinct workers per round.
  const long weighted = sum(run("weighted").at("participation").at("rounds_participated"));
  CHECK(weighted >= kRounds);
  CHECK(weighted <= 2 * kRounds);
  // Available with q = (1, 1, 0, 0): the first two always, the others never.
  CHECK(longs(run("available").at("participation").at("rounds_participated")) ==
        std::vector<long>{kRounds, kRounds, 0, 0});
  const Json& diurnal = run("diurnal").at("participation");
  CHECK(sum(diurnal.at("rounds_participated")) > 0);
  CHECK(sum(diurnal.at("steps_run")) == 10 * sum(diurnal.at("rounds_participated")));
  // A deadline at 5.5 steps of 0.01 s: every worker finishes 5 of its 10 steps. Dropped: nobody
  // takes part, 5 steps per round are dropped work, every round is empty. Kept: 5 steps count.
  const Json& dropped = run("deadline").at("participation");
  CHECK(longs(dropped.at("rounds_participated")) == none);
  CHECK(longs(dropped.at("steps_run")) == none);
  CHECK(longs(dropped.at("dropped_steps")) == std::vector<long>(4, 5 * kRounds));
  CHECK(dropped.at("empty_rounds") == kRounds);
  const Json& partial = run("partial").at("participation");
  CHECK(longs(partial.at("rounds_participated")) == everyone);
  CHECK(longs(partial.at("steps_run")) == std::vector<long>(4, 5 * kRounds));
  CHECK(longs(partial.at("dropped_steps")) == none);
  CHECK(partial.at("empty_rounds") == 0);
  // Local work: τ_i = min(steps_i, 10); random in [5, 10]; 3 steps fit in 0.035 s.
  CHECK(longs(run("per_worker").at("participation").at("steps_run")) ==
        std::vector<long>{kRounds, 2 * kRounds, 5 * kRounds, 10 * kRounds});
  const long random = sum(run("random").at("participation").at("steps_run"));
  CHECK(random >= 4 * 5 * kRounds);
  CHECK(random <= 4 * 10 * kRounds);
  CHECK(longs(run("budget").at("participation").at("steps_run")) == std::vector<long>(4, 3 * kRounds));
  for (const char* label : {"fedprox", "scaffold", "shard_size", "server sgd", "slowmo", "diloco", "fedadam"}) {
    INFO(label);
    CHECK(longs(run(label).at("participation").at("rounds_participated")) == everyone);
    CHECK(longs(run(label).at("participation").at("steps_run")) == all_steps);
  }
  // The configuration in summary.json names the policy with its resolved parameters.
  CHECK(run("slowmo").at("config").at("server") == Json({{"type", "momentum"}, {"learning_rate", 1.0}, {"momentum", 0.5}}));
  CHECK_FALSE(run("default").at("config").contains("server"));
}

TEST_CASE("identities through the command line: uniform K = p, server sgd eta_g = 1, FedProx mu = 0, SlowMo beta = 0, "
          "FedNova with equal steps and SCAFFOLD with p = 1 give their reference's metrics bit for bit") {
  ScratchDir dir;
  const Json variants = Json::parse(R"([
    {"label": "default"},
    {"label": "uniform K=p", "participation": {"type": "uniform", "clients": 4}},
    {"label": "server eta=1", "server": {"type": "sgd", "learning_rate": 1}},
    {"label": "fedprox mu=0", "correction": {"type": "fedprox", "mu": 0}},
    {"label": "slowmo beta=0", "server": {"type": "momentum", "momentum": 0}},
    {"label": "uniform K=2", "participation": {"type": "uniform", "clients": 2}},
    {"label": "server eta=0.5", "server": {"type": "sgd", "learning_rate": 0.5}},
    {"label": "slowmo beta=0 alpha=0.5", "server": {"type": "momentum", "learning_rate": 0.5, "momentum": 0}},
    {"label": "slowmo beta=0.5 alpha=0.5", "server": {"type": "momentum", "learning_rate": 0.5, "momentum": 0.5}},
    {"label": "nesterov mu=0", "server": {"type": "nesterov", "learning_rate": 0.5, "momentum": 0}},
    {"label": "shard_size", "aggregation": {"type": "shard_size"}},
    {"label": "fednova", "aggregation": {"type": "fednova"}},
    {"label": "sgd p=1", "workers": 1},
    {"label": "scaffold p=1", "workers": 1, "correction": {"type": "scaffold"}}
  ])");
  const auto result = run_spec(dir, "round.json", round_spec(variants).dump(2), "out");
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  const std::string csv = read_file(dir / "out/metrics.csv");
  const auto reference = rows_of(csv, "default");
  REQUIRE(reference.size() == 21);
  for (const char* label : {"uniform K=p", "server eta=1", "fedprox mu=0", "slowmo beta=0"}) {
    INFO(label);
    CHECK(rows_of(csv, label) == reference);
  }
  CHECK(rows_of(csv, "uniform K=2") != reference);  // the comparison can fail
  CHECK(rows_of(csv, "slowmo beta=0 alpha=0.5") == rows_of(csv, "server eta=0.5"));
  CHECK(rows_of(csv, "slowmo beta=0.5 alpha=0.5") != rows_of(csv, "server eta=0.5"));
  CHECK(rows_of(csv, "nesterov mu=0") == rows_of(csv, "server eta=0.5"));
  CHECK(rows_of(csv, "fednova") == rows_of(csv, "shard_size"));
  const auto single = rows_of(csv, "sgd p=1");
  REQUIRE(single.size() == 21);
  CHECK(rows_of(csv, "scaffold p=1") == single);
}

TEST_CASE("list shows the round's families; explain prints each policy with its formula and source") {
  ScratchDir dir;
  const auto listed = run_cli(dir, "list");
  REQUIRE(listed.exit_code == 0);
  for (const char* line : {"participation (participation.type)", "local_work (local_work.type)",
                           "correction (correction.type)", "aggregation (aggregation.type)", "server (server.type)"}) {
    CHECK_THAT(listed.out, Catch::Contains(line));
  }
  CHECK_THAT(listed.out, Catch::Contains("Karimireddy et al., ICML 2020"));

  const Json variants = Json::parse(R"([
    {"label": "plain"},
    {"label": "fedavg", "participation": {"type": "uniform", "clients": 2}, "correction": {"type": "scaffold"},
     "server": {"type": "momentum", "momentum": 0.5}}
  ])");
  write_file(dir / "round.json", round_spec(variants).dump(2));
  const auto text = run_cli(dir, "explain round.json");
  INFO(text.err);
  REQUIRE(text.exit_code == 0);
  CHECK_THAT(text.out, Catch::Contains("round (LUPA-SGD's: the default):"));
  CHECK_THAT(text.out, Catch::Contains("participation uniform (clients = 2): K = clients of the p workers"));
  CHECK_THAT(text.out, Catch::Contains("correction scaffold: SCAFFOLD (Karimireddy et al., ICML 2020, Alg. 1, option II)"));
  CHECK_THAT(text.out, Catch::Contains("server momentum (learning_rate = 1.0, momentum = 0.5): SlowMo (Wang et al., ICLR 2020"));
  const auto json = run_cli(dir, "explain round.json --json");
  REQUIRE(json.exit_code == 0);
  const Json e = Json::parse(json.out);
  const Json& plain = e.at("configurations").at(0).at("round");
  CHECK(plain.at("default") == true);
  CHECK(plain.at("participation").at("type") == "full");
  const Json& fedavg = e.at("configurations").at(1).at("round");
  CHECK(fedavg.at("default") == false);
  CHECK(fedavg.at("participation").at("params") == Json({{"clients", 2}}));
  CHECK_THAT(fedavg.at("server").at("formula").get<std::string>(), Catch::Contains("SlowMo"));
  CHECK(e.at("warnings").empty());
}

TEST_CASE("validate and explain warn, and exit 0, when the period cannot change x̄") {
  ScratchDir dir;
  const Json shared = Json::parse(R"({
    "name": "shared", "problem": {"type": "quadratic", "dim": 5, "sigma2": 1},
    "workers": 4, "steps": 200, "step_size": {"type": "constant", "value": 0.05},
    "variants": [{"label": "tau=1", "schedule": {"type": "sync"}},
                 {"label": "tau=10", "schedule": {"type": "fixed", "period": 10}}]
  })");
  write_file(dir / "shared.json", shared.dump(2));
  const std::string warning = "x̄ does not depend on the period here: workers share one Hessian and the noise is "
                              "additive, so local SGD equals mini-batch SGD (Woodworth et al. 2020); set "
                              "problem.hessian_heterogeneity > 0 to compare periods";
  const auto validated = run_cli(dir, "validate shared.json");
  CHECK(validated.exit_code == 0);
  CHECK_THAT(validated.err, Catch::Contains("warning: variant \"tau=10\": " + warning));
  const auto explained = run_cli(dir, "explain shared.json");
  CHECK(explained.exit_code == 0);
  CHECK_THAT(explained.out, Catch::Contains("  warning: " + warning));
  const auto as_json = run_cli(dir, "explain shared.json --json");
  CHECK(as_json.exit_code == 0);
  CHECK(Json::parse(as_json.out).at("warnings").size() == 2);
  CHECK_THAT(as_json.err, Catch::Contains(warning));

  // Multiplicative noise: the period matters; no warning.
  Json noisy = shared;
  noisy["problem"]["c1"] = 0.5;
  write_file(dir / "noisy.json", noisy.dump(2));
  const auto quiet = run_cli(dir, "validate noisy.json");
  CHECK(quiet.exit_code == 0);
  CHECK_THAT(quiet.err, !Catch::Contains("warning"));
  const auto quiet_explain = run_cli(dir, "explain noisy.json");
  CHECK_THAT(quiet_explain.out, !Catch::Contains("warning"));
}
