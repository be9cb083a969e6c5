// End-to-end tests of the results folder (docs/reliability.md, "The results folder"): a run's
// identity covers its data files' bytes; one process at a time holds a folder; --force leaves
// nothing of the earlier spec behind and never touches a file localsgd did not write.
#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <signal.h>
#include <sys/file.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <vector>

#include "experiments/catalog/sha256.hpp"
#include "support/cli.hpp"

using namespace localsgd;
using namespace localsgd::test;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

// A LIBSVM file of 60 rows with 3 features; `scale` changes its values.
std::string data_file(double scale, bool real_labels) {
  std::string text;
  for (int i = 0; i < 60; ++i) {
    text += real_labels ? fmt::format("{}", (i % 9) / 4.0 - 1.0) : std::string(i % 2 ? "+1" : "-1");
    text += fmt::format(" 1:{} 2:{} 3:{}\n", scale * ((i * 7) % 11 - 5) / 5.0, scale * ((i * 3) % 7 - 3) / 3.0,
                        ((i * 5) % 13 - 6) / 6.0);
  }
  return text;
}

// Two variants, each on its own data file (logistic on c.svm, least squares on r.svm), 2 seeds.
const char* kDataSpec = R"({
  "name": "data",
  "problem": {"type": "logistic", "data": "libsvm", "file": "c.svm", "l2": 0.01},
  "workers": 2, "steps": 200, "batch": 2, "schedule": {"type": "fixed", "period": 5},
  "step_size": {"type": "constant", "value": 0.05},
  "variants": [{"label": "logistic"},
               {"label": "least squares", "problem": {"type": "least_squares", "design": "libsvm", "file": "r.svm"}}],
  "seeds": 2,
  "eval": {"points": 20}
})";

// c.svm and r.svm (kDataSpec's files) with values scaled by `scale`.
void write_data_files(const ScratchDir& dir, double scale) {
  write_file(dir / "c.svm", data_file(scale, false));
  write_file(dir / "r.svm", data_file(scale, true));
}

std::set<std::string> names_in(const fs::path& folder) {
  std::set<std::string> names;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(folder, error)) names.insert(entry.path().filename().string());
  return names;
}

// About a second or two of work on one thread (4 runs): long enough for other processes to
// arrive while it runs.
std::string slow_spec(const std::string& name) {
  return fmt::format(R"({{
    "name": "{}",
    "problem": {{"type": "least_squares", "samples": 2000, "dim": 20, "noise": 0.3}},
    "workers": 2, "steps": 100000, "batch": 4,
    "step_size": {{"type": "inverse_time", "eta0": 0.05, "t0": 100}},
    "variants": [{{"label": "sync", "schedule": {{"type": "sync"}}}},
                 {{"label": "tau=20", "schedule": {{"type": "fixed", "period": 20}}}}],
    "seeds": 2,
    "eval": {{"points": 20}}
  }})",
                     name);
}

// The lock file's content once a process holds the folder (empty string on timeout).
std::string wait_for_holder(const fs::path& dir) {
  std::string pid;
  eventually(
      [&] {
        pid = read_file(dir / ".localsgd.lock");
        return !pid.empty() && pid.back() == '\n';
      },
      60s);
  return pid.empty() ? pid : pid.substr(0, pid.size() - 1);
}

}  // namespace

TEST_CASE("a changed data file is a different spec: refused, and with --force its runs are not reused") {
  ScratchDir dir;
  write_data_files(dir, 1.0);
  const auto first = run_spec(dir, "data.json", kDataSpec, "results");
  INFO(first.err);
  REQUIRE(first.exit_code == 0);
  const std::string metrics = read_file(dir / "results/metrics.csv");

  // What the results were computed from, visibly.
  const Json inputs = Json::parse(read_file(dir / "results/inputs.json"));
  CHECK(inputs.at("results_format") == 2);
  REQUIRE(inputs.at("data_files").size() == 2);
  CHECK(inputs.at("data_files")[0].at("path") == "c.svm");
  CHECK(inputs.at("data_files")[0].at("sha256") == sha256_hex(data_file(1.0, false)));
  CHECK(inputs.at("data_files")[1].at("sha256") == sha256_hex(data_file(1.0, true)));
  CHECK(inputs.at("data_files")[1].at("bytes") == data_file(1.0, true).size());

  // The same bytes written again: everything is reused.
  fs::remove(dir / "c.svm");
  write_file(dir / "c.svm", data_file(1.0, false));
  const auto same = run_cli(dir, "run data.json --out results --quiet");
  REQUIRE(same.exit_code == 0);
  CHECK_THAT(same.out, Catch::Contains("4 of 4 runs reused"));
  CHECK(read_file(dir / "results/metrics.csv") == metrics);

  // Other bytes under the same name: refused, the message names the file; nothing is touched.
  write_file(dir / "r.svm", data_file(1.5, true));
  const auto refused = run_cli(dir, "run data.json --out results --quiet");
  CHECK(refused.exit_code == 2);
  CHECK_THAT(refused.err, Catch::StartsWith("error: results: holds results computed from other contents of the "
                                            "data file r.svm (SHA-256 now "));
  CHECK(lines(refused.err).size() == 1);
  CHECK(read_file(dir / "results/metrics.csv") == metrics);
  CHECK(run_records(dir / "results").size() == 4);

  // --force: the runs on the unchanged file are reused, the others recomputed, the old ones removed.
  const auto forced = run_cli(dir, "run data.json --out results --quiet --force");
  INFO(forced.err);
  REQUIRE(forced.exit_code == 0);
  CHECK_THAT(forced.out, Catch::Contains("2 of 4 runs reused"));
  CHECK(run_records(dir / "results").size() == 4);
  CHECK(read_file(dir / "results/metrics.csv") != metrics);
  const auto fresh = run_cli(dir, "run data.json --out fresh --quiet");
  REQUIRE(fresh.exit_code == 0);
  CHECK(read_file(dir / "results/metrics.csv") == read_file(dir / "fresh/metrics.csv"));
  CHECK(names_in(dir / "results/runs") == names_in(dir / "fresh/runs"));
}

TEST_CASE("a sweep interrupted before its data changed is not resumed after: no mixed metrics.csv") {
  ScratchDir dir;
  write_data_files(dir, 1.0);
  REQUIRE(run_spec(dir, "data.json", kDataSpec, "results").exit_code == 0);
  // As an interrupted sweep leaves it: two runs saved, no aggregate files.
  REQUIRE(run_records(dir / "results").size() == 4);
  lose_runs(dir / "results", 2);

  write_data_files(dir, 2.0);
  const auto resumed = run_cli(dir, "run data.json --out results --quiet");
  CHECK(resumed.exit_code == 2);
  CHECK_THAT(resumed.err, Catch::Contains("data file c.svm"));
  CHECK_FALSE(fs::exists(dir / "results/metrics.csv"));

  // Forced, nothing computed from the old bytes is used: the same numbers as a fresh folder.
  const auto forced = run_cli(dir, "run data.json --out results --quiet --force");
  REQUIRE(forced.exit_code == 0);
  CHECK_THAT(forced.out, Catch::Contains("(4 executed, 0 reused)"));
  REQUIRE(run_cli(dir, "run data.json --out fresh --quiet").exit_code == 0);
  CHECK(read_file(dir / "results/metrics.csv") == read_file(dir / "fresh/metrics.csv"));
}

TEST_CASE("a folder without inputs.json (an older localsgd) is not resumed without --force") {
  ScratchDir dir;
  write_data_files(dir, 1.0);
  REQUIRE(run_spec(dir, "data.json", kDataSpec, "results").exit_code == 0);
  fs::remove(dir / "results/inputs.json");
  const auto refused = run_cli(dir, "run data.json --out results --quiet");
  CHECK(refused.exit_code == 2);
  CHECK_THAT(refused.err, Catch::Contains("has no readable inputs.json"));
  Json inputs = {{"results_format", 1}, {"data_files", Json::array()}};
  write_file(dir / "results/inputs.json", inputs.dump());
  CHECK_THAT(run_cli(dir, "run data.json --out results --quiet").err,
             Catch::Contains("holds results of results format 1, and this localsgd writes format 2"));
}

TEST_CASE("a second process on a folder in use exits 2 at once naming the holder's PID, and nothing is lost") {
  ScratchDir dir;
  write_file(dir / "slow.json", slow_spec("slow"));
  BackgroundCli holder(dir, {"run", "slow.json", "--out", "results", "--threads", "1", "--quiet"});
  REQUIRE(holder.started());
  const std::string pid = wait_for_holder(dir / "results");
  CHECK(pid == std::to_string(holder.pid()));

  const auto second = run_cli(dir, "run slow.json --out results --quiet");
  const auto plot = run_cli(dir, "plot results");
  const bool still_running = holder.running();
  CHECK(second.exit_code == 2);
  CHECK(second.err == "error: results: is in use by another localsgd process (PID " + pid +
                          ", which holds results/.localsgd.lock); wait until it ends, or choose another --out\n");
  CHECK(second.out.empty());
  CHECK(plot.exit_code == 2);
  CHECK_THAT(plot.err, Catch::Contains("PID " + pid));
  // Only meaningful if the holder was still running when both were refused (it normally is).
  CHECK(still_running);

  REQUIRE(holder.wait(300s) == 0);
  CHECK_FALSE(fs::exists(dir / "results/.localsgd.lock"));  // released and removed
  REQUIRE(run_cli(dir, "run slow.json --out uncontended --threads 1 --quiet").exit_code == 0);
  for (const char* file : {"metrics.csv", "spec.resolved.json", "inputs.json", "time_to_target.csv"}) {
    CHECK(read_file(dir / "results" / file) == read_file(dir / "uncontended" / file));
  }
  CHECK(names_in(dir / "results/runs") == names_in(dir / "uncontended/runs"));
}

TEST_CASE("the folder lock is released when its holder is killed with SIGKILL") {
  ScratchDir dir;
  write_file(dir / "slow.json", slow_spec("slow"));
  BackgroundCli holder(dir, {"run", "slow.json", "--out", "results", "--threads", "1", "--quiet"});
  REQUIRE(holder.started());
  REQUIRE(wait_for_holder(dir / "results") == std::to_string(holder.pid()));
  holder.send(SIGKILL);
  REQUIRE(holder.wait(60s) == 128 + SIGKILL);
  CHECK(fs::exists(dir / "results/.localsgd.lock"));  // left behind, but no longer locked

  const auto next = run_cli(dir, "run slow.json --out results --threads 1 --quiet");
  INFO(next.err);
  CHECK(next.exit_code == 0);
  CHECK(run_records(dir / "results").size() == 4);
  CHECK_FALSE(fs::exists(dir / "results/.localsgd.lock"));
}

TEST_CASE("a claim killed between writing inputs.json and spec.resolved.json leaves a folder the next run takes") {
  // What a kill -9 at that moment leaves (seen under AddressSanitizer, where the window is wide):
  // the lock file, inputs.json and a temporary of spec.resolved.json; no run was saved yet.
  ScratchDir dir;
  write_file(dir / "slow.json", slow_spec("slow"));
  REQUIRE(run_cli(dir, "run slow.json --out complete --threads 1 --quiet").exit_code == 0);
  fs::create_directories(dir / "results");
  fs::copy_file(dir / "complete/inputs.json", dir / "results/inputs.json");
  write_file(dir / "results/.localsgd.lock", "12345\n");
  write_file(dir / "results/.spec.resolved.json.tmp.12345.1", "{\"na");
  const auto next = run_cli(dir, "run slow.json --out results --threads 1 --quiet");
  INFO(next.err);
  CHECK(next.exit_code == 0);
  CHECK(read_file(dir / "results/metrics.csv") == read_file(dir / "complete/metrics.csv"));
  // A user's inputs.json (not in localsgd's format) still makes the folder foreign.
  fs::create_directories(dir / "mine");
  write_file(dir / "mine/inputs.json", "{\"my\": \"notes\"}\n");
  const auto refused = run_cli(dir, "run slow.json --out mine --threads 1 --quiet");
  CHECK(refused.exit_code == 2);
  CHECK(read_file(dir / "mine/inputs.json") == "{\"my\": \"notes\"}\n");
}

TEST_CASE("ten processes racing for one folder: exactly one runs, the others exit 2 naming it") {
  ScratchDir shared;
  write_file(shared / "race.json", slow_spec("race"));
  const std::string spec = (shared / "race.json").string();
  const std::string out = (shared / "results").string();
  // Each process in its own working folder (BackgroundCli keeps its output files there); the
  // results folder is created by whichever gets there first.
  std::vector<std::unique_ptr<ScratchDir>> homes;
  std::vector<std::unique_ptr<BackgroundCli>> racers;
  for (int i = 0; i < 10; ++i) {
    homes.push_back(std::make_unique<ScratchDir>());
    racers.push_back(std::make_unique<BackgroundCli>(
        *homes.back(), std::vector<std::string>{"run", spec, "--out", out, "--threads", "1", "--quiet"}));
    REQUIRE(racers.back()->started());
  }
  std::vector<int> codes;
  for (auto& racer : racers) codes.push_back(racer->wait(600s));
  int winners = 0;
  pid_t winner = -1;
  for (std::size_t i = 0; i < racers.size(); ++i) {
    INFO(racers[i]->err());
    CHECK((codes[i] == 0 || codes[i] == 2));
    // A process that started only after the winner had finished resumes the folder and reuses
    // every run (legitimately); one that ran a run itself is a winner.
    if (codes[i] == 0 && !Catch::Contains("4 of 4 runs reused").match(racers[i]->out())) {
      ++winners;
      winner = racers[i]->pid();
    }
  }
  CHECK(winners == 1);
  int refused = 0;
  for (std::size_t i = 0; i < racers.size(); ++i) {
    if (codes[i] != 2) continue;
    ++refused;
    CHECK_THAT(racers[i]->err(), Catch::Contains("is in use by another localsgd process (PID " +
                                                 std::to_string(winner) + ","));
    CHECK(lines(racers[i]->err()).size() == 1);
  }
  WARN(refused << " of 10 processes were refused; the others started after the winner had finished");
  CHECK(refused >= 1);

  REQUIRE(run_cli(shared, "run race.json --out uncontended --threads 1 --quiet").exit_code == 0);
  for (const char* file : {"metrics.csv", "spec.resolved.json", "time_to_target.csv"}) {
    CHECK(read_file(shared / "results" / file) == read_file(shared / "uncontended" / file));
  }
  CHECK(run_records(shared / "results").size() == 4);
  CHECK_FALSE(fs::exists(shared / "results/.localsgd.lock"));
}

TEST_CASE("the lock file is not left in a refused folder, and does not make a folder foreign") {
  ScratchDir dir;
  write_file(dir / "tiny.json", slow_spec("tiny"));
  fs::create_directories(dir / "mine");
  write_file(dir / "mine/notes.txt", "my notes");
  const auto refused = run_cli(dir, "run tiny.json --out mine --quiet");
  CHECK(refused.exit_code == 2);
  CHECK(names_in(dir / "mine") == std::set<std::string>{"notes.txt"});

  // A folder whose only file is a lock left by a killed process counts as empty.
  fs::create_directories(dir / "stale");
  write_file(dir / "stale/.localsgd.lock", "999999999\n");
  const auto stale = run_spec(dir, "quick.json", R"({"name": "quick", "problem": {"type": "quadratic", "dim": 3}, "workers": 2, "schedule": {"type": "sync"},
    "steps": 50, "step_size": {"type": "constant", "value": 0.1}})", "stale");
  INFO(stale.err);
  CHECK(stale.exit_code == 0);
  CHECK_FALSE(fs::exists(dir / "stale/.localsgd.lock"));

  // Held by someone else (here: this test): refused, naming the PID written in the file.
  const std::string pid = std::to_string(::getpid());
  fs::create_directories(dir / "held");
  const int fd = ::open((dir / "held/.localsgd.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  REQUIRE(fd >= 0);
  REQUIRE(::flock(fd, LOCK_EX | LOCK_NB) == 0);
  REQUIRE(::write(fd, (pid + "\n").data(), pid.size() + 1) == static_cast<ssize_t>(pid.size() + 1));
  const auto busy = run_cli(dir, "run quick.json --out held --quiet");
  ::close(fd);
  CHECK(busy.exit_code == 2);
  CHECK_THAT(busy.err, Catch::Contains("(PID " + pid + ", which holds held/.localsgd.lock)"));
  CHECK(names_in(dir / "held") == std::set<std::string>{".localsgd.lock"});
}

TEST_CASE("run --force removes every file of the earlier spec and keeps files localsgd did not write") {
  ScratchDir dir;
  // The earlier spec: a failing expectation (checks.json), a target (time_to_target.csv rows), and
  // a plot the later spec does not draw.
  REQUIRE(run_spec(dir, "old.json", R"({
    "name": "old",
    "problem": {"type": "quadratic", "dim": 3}, "workers": 2, "steps": 60,
    "step_size": {"type": "constant", "value": 0.1},
    "targets": [{"metric": "gap", "value": 1e-3}],
    "variants": [{"label": "sync", "schedule": {"type": "sync"}}, {"label": "tau", "schedule": {"type": "fixed", "period": 5}}],
    "seeds": 2,
    "plots": [{"x": "step", "y": "gap"}, {"x": "round", "y": "consensus"}],
    "expect": [{"type": "rounds", "at_most": 0}]
  })", "results").exit_code == 4);
  REQUIRE(fs::exists(dir / "results/checks.json"));
  REQUIRE(fs::exists(dir / "results/plots/consensus_vs_round.dat"));
  REQUIRE(run_records(dir / "results").size() == 4);
  const std::set<std::string> old_runs = names_in(dir / "results/runs");

  // Leftovers of killed processes, and files of the user's own (some with names like ours).
  write_file(dir / "results/.metrics.csv.tmp.12345.0", "half");
  write_file(dir / "results/runs/.0123456789abcdef.json.tmp.12345.1", "half");
  // The fixed name older versions gave plot temporaries: it may be the user's, so it stays.
  write_file(dir / "results/plots/.gap_vs_step.png.tmp", "half");
  write_file(dir / "results/plots/.consensus_vs_round.png.tmp.7.7", "half");
  write_file(dir / "results/notes.txt", "my notes");
  write_file(dir / "results/.notes.txt.tmp.1.2", "my temporary");
  write_file(dir / "results/runs/README", "my readme");
  write_file(dir / "results/runs/0123.json", "my json");
  write_file(dir / "results/plots/mine.png", "my plot");

  // The later spec: other runs (one variant the same), no expectations, one plot in common.
  write_file(dir / "new.json", R"({
    "name": "new",
    "problem": {"type": "quadratic", "dim": 3}, "workers": 2, "steps": 60,
    "step_size": {"type": "constant", "value": 0.1},
    "targets": [{"metric": "gap", "value": 1e-3}],
    "variants": [{"label": "sync", "schedule": {"type": "sync"}}, {"label": "tau", "schedule": {"type": "fixed", "period": 7}}],
    "seeds": 2,
    "plots": [{"x": "step", "y": "gap"}, {"x": "time", "y": "loss"}]
  })");
  CHECK(run_cli(dir, "run new.json --out results --quiet").exit_code == 2);
  const auto forced = run_cli(dir, "run new.json --out results --quiet --force");
  INFO(forced.err);
  REQUIRE(forced.exit_code == 0);
  CHECK_THAT(forced.out, Catch::Contains("2 of 4 runs reused"));

  CHECK(names_in(dir / "results") == std::set<std::string>{"inputs.json", "metrics.csv", "notes.txt", ".notes.txt.tmp.1.2",
                                                           "plots", "runs", "runs.csv", "spec.resolved.json", "summary.json",
                                                           "time_to_target.csv"});
  REQUIRE(run_cli(dir, "run new.json --out fresh --quiet").exit_code == 0);
  std::set<std::string> runs = names_in(dir / "fresh/runs");
  runs.insert({"README", "0123.json"});
  CHECK(names_in(dir / "results/runs") == runs);
  std::set<std::string> plots = names_in(dir / "fresh/plots");
  plots.insert({"mine.png", ".gap_vs_step.png.tmp"});
  CHECK(names_in(dir / "results/plots") == plots);
  CHECK(read_file(dir / "results/plots/.gap_vs_step.png.tmp") == "half");
  CHECK(read_file(dir / "results/notes.txt") == "my notes");
  CHECK(read_file(dir / "results/.notes.txt.tmp.1.2") == "my temporary");
  CHECK(read_file(dir / "results/runs/README") == "my readme");
  CHECK(read_file(dir / "results/plots/mine.png") == "my plot");
  CHECK(read_file(dir / "results/metrics.csv") == read_file(dir / "fresh/metrics.csv"));
  CHECK(read_file(dir / "results/time_to_target.csv") == read_file(dir / "fresh/time_to_target.csv"));
}

TEST_CASE("a spec that changes only plots, expect or name resumes the folder: runs reused, old plots and checks go") {
  ScratchDir dir;
  const std::string runs_part = R"(
    "problem": {"type": "quadratic", "dim": 3}, "workers": 2, "steps": 60,
    "step_size": {"type": "constant", "value": 0.1},
    "variants": [{"label": "sync", "schedule": {"type": "sync"}}, {"label": "tau", "schedule": {"type": "fixed", "period": 5}}],
    "seeds": 2,)";
  REQUIRE(run_spec(dir, "a.json", "{\"name\": \"a\"," + runs_part + R"(
    "plots": [{"x": "step", "y": "gap"}, {"x": "round", "y": "consensus"}],
    "expect": [{"type": "rounds", "at_most": 0}]})", "results").exit_code == 4);
  REQUIRE(fs::exists(dir / "results/checks.json"));
  REQUIRE(fs::exists(dir / "results/plots/consensus_vs_round.dat"));
  const std::string metrics = read_file(dir / "results/metrics.csv");
  const std::set<std::string> runs = names_in(dir / "results/runs");

  // Another name, one plot replaced, no expectations: the same runs, so no --force is needed.
  write_file(dir / "b.json", "{\"name\": \"b\"," + runs_part + R"(
    "plots": [{"x": "step", "y": "gap"}, {"x": "time", "y": "loss"}]})");
  const auto restyled = run_cli(dir, "run b.json --out results --quiet");
  INFO(restyled.err);
  REQUIRE(restyled.exit_code == 0);
  CHECK_THAT(restyled.out, Catch::Contains("4 of 4 runs reused"));
  CHECK(read_file(dir / "results/metrics.csv") == metrics);
  CHECK(names_in(dir / "results/runs") == runs);
  CHECK_FALSE(fs::exists(dir / "results/checks.json"));
  CHECK_FALSE(fs::exists(dir / "results/plots/consensus_vs_round.dat"));
  CHECK(fs::exists(dir / "results/plots/loss_vs_time.dat"));
  CHECK(fs::exists(dir / "results/plots/gap_vs_step.dat"));
  CHECK_THAT(read_file(dir / "results/spec.resolved.json"), Catch::Contains("loss"));

  // The same plot in another format: the earlier picture goes.
  write_file(dir / "b2.json", "{\"name\": \"b\"," + runs_part + R"(
    "plots": [{"x": "step", "y": "gap", "format": "svg"}, {"x": "time", "y": "loss"}]})");
  const auto reformatted = run_cli(dir, "run b2.json --out results --quiet");
  INFO(reformatted.err);
  REQUIRE(reformatted.exit_code == 0);
  CHECK_FALSE(fs::exists(dir / "results/plots/gap_vs_step.png"));
  CHECK(fs::exists(dir / "results/plots/gap_vs_step.svg"));
  CHECK(fs::exists(dir / "results/plots/loss_vs_time.png"));

  // A change to what the runs compute is still a different spec.
  write_file(dir / "c.json", R"({"name": "b",
    "problem": {"type": "quadratic", "dim": 3}, "workers": 2, "steps": 61,
    "step_size": {"type": "constant", "value": 0.1},
    "variants": [{"label": "sync", "schedule": {"type": "sync"}}, {"label": "tau", "schedule": {"type": "fixed", "period": 5}}],
    "seeds": 2})");
  const auto refused = run_cli(dir, "run c.json --out results --quiet");
  CHECK(refused.exit_code == 2);
  CHECK_THAT(refused.err, Catch::Contains("differs in more than plots, expect and name"));
  CHECK(read_file(dir / "results/metrics.csv") == metrics);
}
