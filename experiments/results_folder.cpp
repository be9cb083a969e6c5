#include "experiments/results_folder.hpp"

#include <fmt/format.h>

#include <fstream>

#include "experiments/results.hpp"
#include "experiments/run_store.hpp"

namespace localsgd {

std::vector<std::filesystem::path> planned_outputs(const ExperimentSpec& spec) {
  std::vector<std::filesystem::path> files = {"spec.resolved.json", "metrics.csv", "summary.json",
                                              "time_to_target.csv", "checks.json"};
  for (const RunSpec& run : spec.runs) files.push_back(std::filesystem::path("runs") / (run_key(run) + ".json"));
  for (const PlotSpec& plot : spec.plots) {
    for (const char* extension : {".png", ".dat", ".gp", ".log"}) {
      files.push_back(std::filesystem::path("plots") / (plot.file_stem() + extension));
    }
  }
  return files;
}

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
      // Everything here was written by someone else: refuse if any file would be replaced.
      std::size_t clashes = 0;
      std::string first;
      for (const auto& file : planned_outputs(spec)) {
        std::error_code error;
        if (fs::exists(dir / file, error) || fs::is_symlink(dir / file, error)) {
          if (clashes++ == 0) first = file.string();
        }
      }
      if (clashes > 0) {
        throw FolderConflict(fmt::format("{}: holds {} (and {} more file{}) that localsgd would overwrite but did not "
                                         "write (there is no spec.resolved.json); choose another --out",
                                         dir.string(), first, clashes - 1, clashes == 2 ? "" : "s"));
      }
      state = FolderState::forced;
    }
  }
  fs::create_directories(dir);
  write_file_atomically(resolved_file, spec.resolved.dump(2) + "\n");
  return state;
}

}  // namespace localsgd
