// Every claim spec in experiments/ (any spec with an `expect` block) must hold on seeds it was not
// written with: each is rerun with its seeds shifted by an offset chosen here, not in the spec,
// and every check must pass. scripts/check-paper-claims.sh runs the same specs on their own seeds.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <set>
#include <string>

#include "experiments/language/params.hpp"
#include "support/cli.hpp"

using namespace localsgd;
namespace fs = std::filesystem;

namespace {

// Far above the seeds any claim spec uses today (they count from 0), and different from the
// offsets the claims were verified with by hand (1000 to 4000, experiments/paper/README.md).
constexpr std::uint64_t kSeedOffset = 7000;

std::vector<std::uint64_t> spec_seeds(const Json& spec) {
  if (!spec.contains("seeds")) return {0};
  const Json& seeds = spec.at("seeds");
  if (seeds.is_array()) return seeds.get<std::vector<std::uint64_t>>();
  std::vector<std::uint64_t> out(seeds.get<std::uint64_t>());
  for (std::uint64_t k = 0; k < out.size(); ++k) out[k] = k;
  return out;
}

// Relative data paths resolve against the spec's folder; the copy lives elsewhere.
void absolute_data_paths(Json& node, const fs::path& folder) {
  if (node.is_object()) {
    for (auto& [key, value] : node.items()) {
      if (key == "file" && value.is_string() && fs::path(value.get<std::string>()).is_relative()) {
        value = (folder / value.get<std::string>()).string();
      } else {
        absolute_data_paths(value, folder);
      }
    }
  } else if (node.is_array()) {
    for (auto& value : node) absolute_data_paths(value, folder);
  }
}

std::vector<fs::path> claim_specs() {
  std::vector<fs::path> out;
  for (const auto& entry : fs::recursive_directory_iterator(fs::path(LOCALSGD_SOURCE_DIR) / "experiments")) {
    if (entry.path().extension() != ".json") continue;
    const Json spec = Json::parse(test::read_file(entry.path()), nullptr, false);
    if (spec.is_object() && spec.contains("expect") && !spec.at("expect").empty()) out.push_back(entry.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("every claim spec in experiments holds on a disjoint set of seeds") {
  const auto specs = claim_specs();
  REQUIRE(specs.size() >= 6);  // the paper's claims; later issues add more
  for (const fs::path& file : specs) {
    const std::string name = fs::relative(file, fs::path(LOCALSGD_SOURCE_DIR) / "experiments").string();
    INFO(name);
    Json spec = Json::parse(test::read_file(file));
    const auto own = spec_seeds(spec);
    REQUIRE(*std::max_element(own.begin(), own.end()) < kSeedOffset);
    std::vector<std::uint64_t> fresh;
    for (std::uint64_t seed : own) fresh.push_back(seed + kSeedOffset);
    spec["seeds"] = fresh;
    absolute_data_paths(spec, file.parent_path());

    test::ScratchDir dir;
    test::write_file(dir / "claim.json", spec.dump());
    const auto start = std::chrono::steady_clock::now();
    const auto result = test::run_cli(dir, "run claim.json --out results --quiet");
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    INFO(result.out << result.err);
    WARN(name << ": " << seconds << " s on seeds " << fresh.front() << ".." << fresh.back());
    CHECK(result.exit_code == 0);
    // The runs used the fresh seeds, none of the spec's own.
    const Json resolved = Json::parse(test::read_file(dir / "results/spec.resolved.json"));
    const auto used = resolved.at("seeds").get<std::vector<std::uint64_t>>();
    CHECK(used == fresh);
    CHECK(std::none_of(used.begin(), used.end(), [&](std::uint64_t s) {
      return std::find(own.begin(), own.end(), s) != own.end();
    }));
    const Json checks = Json::parse(test::read_file(dir / "results/checks.json"));
    CHECK(checks.size() >= spec.at("expect").size());
    for (const Json& check : checks) {
      INFO(check.dump());
      CHECK(check.at("passed") == true);
    }
  }
}
