#include "experiments/store/run_store.hpp"

#include <fmt/format.h>

#include <fstream>

#include "experiments/store/results.hpp"

namespace localsgd {

namespace {

std::uint64_t fnv1a(const std::string& text) {
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

Json identity(const RunSpec& run) {
  Json inputs = Json::array();
  for (const InputFile& file : run_inputs(run)) inputs.push_back("sha256:" + file.sha256);
  return {{"format", kResultsFormat}, {"config", run.config}, {"seed", run.seed}, {"inputs", inputs}};
}

}  // namespace

std::vector<InputFile> run_inputs(const RunSpec& run) {
  const InputRecording recording;
  run.build_problem();
  return recording.files();
}

std::string run_key(const RunSpec& run) { return fmt::format("{:016x}", fnv1a(identity(run).dump())); }

std::optional<RunRecord> RunStore::load(const RunSpec& run) const {
  std::ifstream in(path_of(run));
  if (!in) return std::nullopt;
  try {
    const Json stored = Json::parse(in);
    if (stored.at("identity") != identity(run)) return std::nullopt;  // a hash collision, or a stale file
    return record_from_json(stored.at("record"));
  } catch (const std::exception&) {
    return std::nullopt;  // unreadable (e.g. a file someone truncated): run it again
  }
}

void RunStore::save(const RunSpec& run, const RunRecord& record) const {
  std::filesystem::create_directories(dir_ / "runs");
  const Json stored = {{"identity", identity(run)}, {"record", record_to_json(record)}};
  write_file_atomically(path_of(run), stored.dump() + "\n");
}

}  // namespace localsgd
