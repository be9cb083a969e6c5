#include "experiments/results_folder.hpp"

#include <fmt/format.h>

#include <fstream>

#include "experiments/results.hpp"

namespace localsgd {

FolderState claim_results_folder(const std::filesystem::path& dir, const ExperimentSpec& spec, bool force) {
  namespace fs = std::filesystem;
  const fs::path resolved_file = dir / "spec.resolved.json";
  FolderState state = FolderState::created;
  if (fs::exists(dir)) {
    if (!fs::is_directory(dir)) throw FolderConflict(fmt::format("{}: exists and is not a folder", dir.string()));
    if (fs::exists(resolved_file)) {
      Json existing;
      try {
        std::ifstream in(resolved_file);
        existing = Json::parse(in);
      } catch (const std::exception&) {
        existing = nullptr;
      }
      if (existing == spec.resolved) {
        state = FolderState::resumed;
      } else if (force) {
        state = FolderState::forced;
      } else {
        throw FolderConflict(fmt::format(
            "{}: holds the results of a different spec (its spec.resolved.json differs); choose another --out, "
            "or pass --force to write into it (files of finished runs with identical settings are reused)",
            dir.string()));
      }
    } else if (!fs::is_empty(dir)) {
      if (!force) {
        throw FolderConflict(fmt::format("{}: is not empty and holds no localsgd results (no spec.resolved.json); "
                                         "choose another --out, or pass --force to write into it",
                                         dir.string()));
      }
      state = FolderState::forced;
    }
  }
  fs::create_directories(dir);
  write_file_atomically(resolved_file, spec.resolved.dump(2) + "\n");
  return state;
}

}  // namespace localsgd
