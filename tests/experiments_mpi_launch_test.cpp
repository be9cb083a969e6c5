// Launcher detection (experiments/mpi/launch.hpp) and `validate --ranks` (docs/cluster.md): what
// needs no MPI. The runs under mpirun are tested by tests/mpi/mpi_test.sh.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdlib>
#include <regex>
#include <string>

#include "experiments/mpi/launch.hpp"
#include "support/cli.hpp"

using namespace localsgd;
using namespace localsgd::test;

namespace {

const char* const kLauncherVariables[] = {"OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_RANK", "PMI_SIZE", "PMI_RANK",
                                          "PMIX_RANK"};

// Sets the given launcher variables (and unsets the others) for one scope.
class LauncherEnvironment {
 public:
  explicit LauncherEnvironment(std::initializer_list<std::pair<const char*, const char*>> set) {
    for (const char* name : kLauncherVariables) {
      if (const char* value = std::getenv(name)) saved_.emplace_back(name, value);
      ::unsetenv(name);
    }
    for (const auto& [name, value] : set) ::setenv(name, value, 1);
  }
  ~LauncherEnvironment() {
    for (const char* name : kLauncherVariables) ::unsetenv(name);
    for (const auto& [name, value] : saved_) ::setenv(name.c_str(), value.c_str(), 1);
  }

 private:
  std::vector<std::pair<std::string, std::string>> saved_;
};

// "<before> about 21.8 MiB" -> bytes (format_bytes: B, KiB, MiB, GiB to 3 digits).
double bytes_after(const std::string& text, const std::string& before) {
  std::smatch match;
  REQUIRE(std::regex_search(text, match, std::regex(before + " about ([0-9.]+) (B|KiB|MiB|GiB)")));
  const std::string unit = match[2];
  const double scale = unit == "B" ? 1 : unit == "KiB" ? 1024.0 : unit == "MiB" ? 1048576.0 : 1073741824.0;
  return std::stod(match[1]) * scale;
}

}  // namespace

TEST_CASE("mpi launch: the launchers' variables give the ranks; none is a plain process") {
  {
    const LauncherEnvironment none({});
    CHECK_FALSE(launched_ranks().has_value());
  }
  {
    const LauncherEnvironment ompi({{"OMPI_COMM_WORLD_SIZE", "4"}, {"OMPI_COMM_WORLD_RANK", "2"}});
    const auto ranks = launched_ranks();
    REQUIRE(ranks.has_value());
    CHECK(ranks->size == 4);
    CHECK(ranks->rank == 2);
  }
  {
    const LauncherEnvironment pmi({{"PMI_SIZE", "16"}, {"PMI_RANK", "0"}});
    REQUIRE(launched_ranks().has_value());
    CHECK(launched_ranks()->size == 16);
  }
  {
    const LauncherEnvironment pmix({{"PMIX_RANK", "3"}});  // srun --mpi=pmix: the size comes with MPI_Init
    REQUIRE(launched_ranks().has_value());
    CHECK_FALSE(launched_ranks()->size.has_value());
    CHECK(launched_ranks()->rank == 3);
  }
  {
    const LauncherEnvironment garbage({{"OMPI_COMM_WORLD_SIZE", "4x"}});
    CHECK_FALSE(launched_ranks().has_value());
  }
}

TEST_CASE("mpi launch: one rank is a plain process, with a plain process's outputs") {
  ScratchDir dir;
  write_file(dir / "spec.json", tiny_spec("one_rank", {{"seeds", 2}, {"schedule", {{"type", "fixed"}, {"period", 10}}}}).dump());
  const auto plain = run_cli(dir, "run spec.json --out plain --quiet");
  REQUIRE(plain.exit_code == 0);
  // Started as one rank of one (mpirun -n 1): MPI is not even initialised.
  const auto single = [&] {
    const LauncherEnvironment env({{"OMPI_COMM_WORLD_SIZE", "1"}, {"OMPI_COMM_WORLD_RANK", "0"}});
    return run_cli(dir, "run spec.json --out single --quiet");
  }();
  INFO(single.err);
  REQUIRE(single.exit_code == 0);
  CHECK(read_file(dir / "single/metrics.csv") == read_file(dir / "plain/metrics.csv"));
}

TEST_CASE("validate --ranks: memory per rank, and for the ranks on one node") {
  ScratchDir dir;
  write_file(dir / "spec.json", tiny_spec("ranks", {{"seeds", 3}, {"schedule", {{"type", "fixed"}, {"period", 10}}}}).dump());
  const auto validated = run_cli(dir, "validate spec.json --threads 2 --ranks 3 --max-memory 1G");
  INFO(validated.out << validated.err);
  REQUIRE(validated.exit_code == 0);
  REQUIRE(validated.out.find("memory per rank (3 ranks x 2 threads): rank 0 about") != std::string::npos);
  // Rank 0 is the whole process's estimate; the others hold all but the results; the node all 3.
  // (Figures are printed to 3 digits: equal within their rounding.)
  const double whole = bytes_after(validated.out, "memory:");
  const double rank0 = bytes_after(validated.out, "rank 0");
  const double other = bytes_after(validated.out, "every other rank");
  const double node = bytes_after(validated.out, "3 ranks on one node:");
  CHECK(rank0 == whole);
  CHECK(other < rank0);
  CHECK(node == Approx(rank0 + 2 * other).epsilon(0.01));
  CHECK(validated.out.find("note:") == std::string::npos);
  // Above the limit for 3 ranks on one node, but within it for one: a note, not a refusal.
  const long limit_kib = std::lround((rank0 + node) / 2 / 1024);
  const auto tight = run_cli(dir, "validate spec.json --threads 2 --ranks 3 --max-memory " + std::to_string(limit_kib) + "K");
  INFO(tight.out << tight.err);
  CHECK(tight.exit_code == 0);
  CHECK(tight.out.find("note: 3 ranks on one node need more than") != std::string::npos);
  const auto refused = run_cli(dir, "validate spec.json --ranks 0");
  CHECK(refused.exit_code == 2);
  CHECK(refused.err.find("--ranks") != std::string::npos);
}
