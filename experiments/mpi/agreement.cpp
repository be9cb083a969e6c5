#include "experiments/mpi/agreement.hpp"

#include <fmt/format.h>

#include "experiments/spec/spec.hpp"
#include "experiments/store/run_store.hpp"

namespace localsgd {

RankStatus agree(const Communicator& world, const RankStatus& mine) {
  const std::vector<std::string> all = world.gather(fmt::format("{}\n{}", mine.exit_code, mine.message));
  std::string verdict = "0\n";
  for (std::size_t r = 0; r < all.size(); ++r) {
    const std::size_t newline = all[r].find('\n');
    if (all[r].compare(0, newline, "0") == 0) continue;
    const std::string message = all[r].substr(newline + 1);
    verdict = all[r].substr(0, newline) + "\n" +
              (r == 0 ? message : fmt::format("rank {} of {}: {}", r, all.size(), message));
    break;
  }
  verdict = world.broadcast(verdict);
  const std::size_t newline = verdict.find('\n');
  return RankStatus{std::stoi(verdict.substr(0, newline)), verdict.substr(newline + 1)};
}

std::string runs_fingerprint(const ExperimentSpec& spec) {
  std::uint64_t hash = 0xcbf29ce484222325ULL;  // FNV-1a over the keys
  for (const RunSpec& run : spec.runs) {
    for (unsigned char c : run_key(run) + "\n") {
      hash ^= c;
      hash *= 0x100000001b3ULL;
    }
  }
  return fmt::format("{} runs, {:016x}", spec.runs.size(), hash);
}

}  // namespace localsgd
