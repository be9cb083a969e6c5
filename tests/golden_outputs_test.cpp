// Golden outputs: every spec of experiments/paper/, experiments/examples/ and bench/specs/ (shortened)
// and the specs of tests/golden/specs/ (every problem, schedule, step size, optimizer and clock
// model) must produce exactly the recorded metrics.csv, summary.json (without wall-clock fields),
// spec.resolved.json, time_to_target.csv, checks.json, exit code and printed table. A change meant
// to keep results (a refactoring) must leave every byte; one meant to change them records anew
// with scripts/record-golden.sh and says why in its commit.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/cli.hpp"

using namespace localsgd;
using test::read_file;
using test::run_cli;
using test::ScratchDir;
using test::write_file;
using Json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

const fs::path kSource = LOCALSGD_SOURCE_DIR;
const fs::path kGolden = kSource / "tests/golden";

// The output files compared byte for byte (those a run writes; plots and the run store are not
// results a user reads as numbers).
const std::vector<std::string> kCompared = {"metrics.csv", "summary.json", "spec.resolved.json", "time_to_target.csv",
                                            "checks.json"};

void remove_wall_clock(Json& value) {
  if (value.is_object()) {
    value.erase("wall_seconds");
    for (auto& [key, child] : value.items()) remove_wall_clock(child);
  } else if (value.is_array()) {
    for (auto& child : value) remove_wall_clock(child);
  }
}

// What is compared of each output: summary.json without its wall-clock fields, stdout without
// the line that reports the simulator's own wall time; everything else as written.
std::string comparable(const std::string& file, const std::string& text) {
  if (file == "summary.json") {
    Json summary = Json::parse(text);
    remove_wall_clock(summary);
    return summary.dump(2) + "\n";
  }
  if (file == "stdout.txt") {
    std::string kept;
    for (const std::string& line : test::lines(text)) {
      if (line.rfind("wall time", 0) != 0) kept += line + "\n";
    }
    return kept;
  }
  return text;
}

// Runs one case in a scratch copy of the repository's layout (the spec at its own relative path,
// data/ linked), so that relative data paths resolve as in the repository.
void check_case(const Json& entry) {
  const std::string name = entry.at("name");
  const fs::path spec_path = entry.at("spec").get<std::string>();
  Json spec = Json::parse(read_file(kSource / spec_path));
  for (const auto& [pointer, value] : entry.at("set").items()) spec[Json::json_pointer(pointer)] = value;

  ScratchDir dir;
  fs::create_directory_symlink(kSource / "data", dir / "data");
  fs::create_directories(dir.path() / spec_path.parent_path());
  write_file(dir.path() / spec_path, spec.dump(2));
  const auto result = run_cli(dir, "run '" + spec_path.string() + "' --out out --quiet --threads 2");
  INFO("case " << name << ": " << result.err);
  // 3: a run diverged (a case covers it); 4: an expectation failed on few seeds.
  REQUIRE((result.exit_code == 0 || result.exit_code == 3 || result.exit_code == 4));

  std::vector<std::pair<std::string, std::string>> outputs;
  outputs.emplace_back("exit_code.txt", std::to_string(result.exit_code) + "\n");
  outputs.emplace_back("stdout.txt", comparable("stdout.txt", result.out));
  for (const std::string& file : kCompared) {
    if (fs::exists(dir / ("out/" + file))) outputs.emplace_back(file, comparable(file, read_file(dir / ("out/" + file))));
  }

  const fs::path golden = kGolden / name;
  if (const char* record = std::getenv("LOCALSGD_RECORD_GOLDEN"); record != nullptr && std::string(record) == "1") {
    fs::remove_all(golden);
    fs::create_directories(golden);
    for (const auto& [file, text] : outputs) write_file(golden / file, text);
    return;
  }
  REQUIRE(fs::is_directory(golden));
  std::size_t recorded = 0;
  for (const auto& item : fs::directory_iterator(golden)) recorded += item.is_regular_file() ? 1 : 0;
  CHECK(recorded == outputs.size());
  for (const auto& [file, text] : outputs) {
    INFO("file " << (golden / file).string());
    REQUIRE(fs::exists(golden / file));
    const std::string expected = read_file(golden / file);
    if (expected != text) {
      // Name the first differing line, not the whole file.
      const auto want = test::lines(expected);
      const auto got = test::lines(text);
      std::size_t line = 0;
      while (line < want.size() && line < got.size() && want[line] == got[line]) ++line;
      INFO("first difference at line " << line + 1 << "\n  golden: " << (line < want.size() ? want[line] : "(end)")
                                       << "\n  now:    " << (line < got.size() ? got[line] : "(end)"));
      CHECK(expected == text);
    }
  }
}

// The cases whose spec path starts with `prefix` (split in groups so that CTest runs them in
// parallel).
void check_cases(const std::string& prefix) {
  const Json cases = Json::parse(read_file(kGolden / "cases.json")).at("cases");
  int checked = 0;
  for (const Json& entry : cases) {
    if (entry.at("spec").get<std::string>().rfind(prefix, 0) != 0) continue;
    ++checked;
    SECTION(entry.at("name").get<std::string>()) { check_case(entry); }
  }
  CHECK(checked > 0);
}

}  // namespace

TEST_CASE("golden outputs: the paper's specs, shortened") { check_cases("experiments/paper/"); }
TEST_CASE("golden outputs: the examples") { check_cases("experiments/examples/"); }
TEST_CASE("golden outputs: the benchmark specs, shortened") { check_cases("bench/specs/"); }
TEST_CASE("golden outputs: every problem, schedule, step size, optimizer and clock model") {
  check_cases("tests/golden/specs/");
}
