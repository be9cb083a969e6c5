// The rooms of experiments/ are stacked (language < catalog < spec < store < run, report < cli):
// every #include of another room points down, and the two rooms of one level (run, report) do not
// include each other, so no two rooms include each other in a circle.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

const std::map<std::string, int> kLevel = {{"language", 1}, {"catalog", 2}, {"spec", 3}, {"store", 4},
                                           {"run", 5},      {"report", 5},  {"cli", 6}};

// The room an #include line names ("experiments/spec/spec.hpp" -> "spec"), if it names one.
std::optional<std::string> included_room(const std::string& line) {
  static const std::regex include(R"(^\s*#\s*include\s*"experiments/([a-z_]+)/)");
  std::smatch match;
  if (!std::regex_search(line, match, include)) return std::nullopt;
  return match[1].str();
}

// True if a file of `room` may not include from `target`: a room above it, or a sibling.
bool points_up(const std::string& room, const std::string& target) {
  return target != room && kLevel.at(target) >= kLevel.at(room);
}

}  // namespace

TEST_CASE("the layering rule refuses an include of a room above or beside, and allows one below") {
  CHECK(points_up("spec", "report"));
  CHECK(points_up("store", "run"));
  CHECK(points_up("run", "report"));
  CHECK(points_up("report", "run"));
  CHECK_FALSE(points_up("report", "spec"));
  CHECK_FALSE(points_up("cli", "run"));
  CHECK_FALSE(points_up("store", "store"));
  CHECK(included_room("#include \"experiments/report/expectations.hpp\"") == "report");
  CHECK_FALSE(included_room("#include \"sim/engine.hpp\"").has_value());
}

TEST_CASE("every include between the rooms of experiments/ points down") {
  const fs::path root = fs::path(LOCALSGD_SOURCE_DIR) / "experiments";
  std::vector<std::string> upward;
  std::size_t files = 0;
  for (const auto& [room, level] : kLevel) {
    REQUIRE(fs::is_directory(root / room));
    for (const auto& entry : fs::directory_iterator(root / room)) {
      const auto extension = entry.path().extension();
      if (extension != ".hpp" && extension != ".cpp") continue;
      ++files;
      std::ifstream in(entry.path());
      std::string line;
      for (int number = 1; std::getline(in, line); ++number) {
        const auto target = included_room(line);
        if (!target) continue;
        INFO(entry.path().string() << ":" << number << ": " << line);
        REQUIRE(kLevel.contains(*target));  // a new room must be given its level here
        if (points_up(room, *target)) upward.push_back(fs::relative(entry.path(), root).string() + ": " + line);
      }
    }
  }
  CHECK(files > 50);
  CHECK(upward == std::vector<std::string>{});
}
