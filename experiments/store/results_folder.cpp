#include "experiments/store/results_folder.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <optional>

#include "experiments/store/earlier_outputs.hpp"
#include "experiments/store/output_folder.hpp"
#include "experiments/store/results.hpp"
#include "experiments/store/run_store.hpp"

namespace localsgd {

namespace fs = std::filesystem;

namespace {

std::string short_hash(const Json& file) {
  return file.is_object() && file.contains("sha256") && file.at("sha256").is_string()
             ? file.at("sha256").get<std::string>().substr(0, 12) + "..."
             : "?";
}

// Why the inputs recorded in a folder (`earlier`, if readable) differ from `now`; empty if they
// do not.
std::string input_change(const std::optional<Json>& earlier, const Json& now) {
  if (!earlier || !earlier->is_object() || !earlier->contains("results_format") || !earlier->contains("data_files")) {
    return "has no readable inputs.json, so what its results were computed from is unknown (an older localsgd, "
           "or a claim that was interrupted)";
  }
  if (earlier->at("results_format") != now.at("results_format")) {
    return fmt::format("holds results of results format {}, and this localsgd writes format {}",
                       earlier->at("results_format").dump(), now.at("results_format").dump());
  }
  const Json& old_files = earlier->at("data_files");
  const Json& new_files = now.at("data_files");
  for (std::size_t i = 0; i < new_files.size(); ++i) {
    const Json& file = new_files.at(i);
    if (!old_files.is_array() || i >= old_files.size()) {
      return fmt::format("holds results computed without the data file {}", file.at("path").get<std::string>());
    }
    const Json& old = old_files.at(i);
    if (!old.is_object() || old.value("sha256", Json()) != file.at("sha256")) {
      return fmt::format("holds results computed from other contents of the data file {} (SHA-256 now {}, was {}: "
                         "the file changed since)",
                         file.at("path").get<std::string>(), short_hash(file), short_hash(old));
    }
  }
  if (!old_files.is_array() || old_files.size() != new_files.size()) {
    return "holds results computed from other data files (see its inputs.json)";
  }
  return {};
}

// Whether `dir` holds anything but the lock file.
// Whether DIR holds anything but what a claim writes before spec.resolved.json: the lock file
// and an inputs.json in localsgd's format, or their temporaries. A claim killed between writing inputs.json and
// spec.resolved.json leaves exactly that, and no run was computed from it yet (runs are saved only
// after the claim), so such a folder is still empty for the next claim.
bool holds_files(const fs::path& dir) {
  for (const auto& entry : fs::directory_iterator(dir)) {
    const fs::path name = entry.path().filename();
    if (name == kLockFileName) continue;
    // A temporary of either file (".inputs.json.tmp.PID.N"), left by a kill during its write.
    if (name.string().starts_with(".inputs.json.tmp.") || name.string().starts_with(".spec.resolved.json.tmp.")) continue;
    if (name == "inputs.json" && entry.is_regular_file()) {
      const std::optional<Json> inputs = read_json_file(entry.path());
      if (inputs && inputs->is_object() && inputs->size() == 2 && inputs->contains("results_format") &&
          inputs->contains("data_files")) {
        continue;
      }
    }
    return true;
  }
  return false;
}

// The keys of a resolved spec that change no run's numbers: how results are named, drawn and
// checked. A folder whose spec differs from the new one only in these holds the new spec's results.
const std::vector<std::string> kPresentationKeys = {"name", "plots", "expect"};

// `resolved` without its presentation keys: what the runs compute.
Json computation_of(const Json& resolved) {
  if (!resolved.is_object()) return resolved;
  Json out = resolved;
  for (const std::string& key : kPresentationKeys) out.erase(key);
  return out;
}

}  // namespace

Json inputs_json(const ExperimentSpec& spec) {
  Json files = Json::array();
  std::vector<InputFile> seen;
  for (const RunSpec& run : spec.runs) {
    for (const InputFile& file : run_inputs(run)) {
      if (std::find(seen.begin(), seen.end(), file) != seen.end()) continue;
      seen.push_back(file);
      files.push_back({{"path", file.path}, {"sha256", file.sha256}, {"bytes", file.bytes}});
    }
  }
  return {{"results_format", kResultsFormat}, {"data_files", files}};
}

std::vector<std::string> trajectory_plot_files() {
  std::vector<std::string> files = {"trajectories.png",    "trajectories.gif",     "trajectories.gp",
                                    "trajectories.log",    "trajectories.gif.log", "trajectories_animation.gp",
                                    "trajectories_animation.log"};
  for (int k = 0; k < kMaxTrajectoryPanels; ++k) {
    for (const char* part : {"grid", "contours", "paths", "snaps", "syncs", "heads"}) {
      files.push_back(fmt::format("trajectories_{}_{}.dat", part, k));
    }
  }
  return files;
}

std::vector<fs::path> planned_outputs(const ExperimentSpec& spec) {
  std::vector<fs::path> files(kTopLevelOutputs.begin(), kTopLevelOutputs.end());
  bool traced = false;
  for (const RunSpec& run : spec.runs) {
    files.push_back(fs::path("runs") / (run_key(run) + ".json"));
    if (!run.trace) continue;
    traced = true;
    for (const std::string& suffix : kRunTraceSuffixes) files.push_back(fs::path("runs") / (run_key(run) + suffix));
  }
  if (traced) {
    for (const std::string& name : trajectory_plot_files()) files.push_back(fs::path("plots") / name);
  }
  for (const PlotSpec& plot : spec.plots) {
    for (const std::string& extension : kPlotFileExtensions) {
      files.push_back(fs::path("plots") / (plot.file_stem() + extension));
    }
  }
  return files;
}

ClaimedFolder claim_results_folder(const fs::path& dir, const ExperimentSpec& spec, bool force) {
  // A file, a dangling link or a path through a file is named as such.
  if (auto problem = output_folder_problem(dir.string())) throw FolderConflict(*problem);
  // Created before it is locked (the lock file lives in it); two processes may both create it:
  // create_directories accepts a folder that appeared meanwhile, and the lock picks one of them.
  fs::create_directories(dir);
  FolderLock lock(dir);

  const fs::path resolved_file = dir / "spec.resolved.json";
  const Json inputs = inputs_json(spec);
  FolderState state = FolderState::created;
  if (fs::exists(resolved_file) || fs::is_symlink(resolved_file)) {
    const Json earlier = read_json_file(resolved_file).value_or(Json());
    const std::string input_changed = input_change(read_json_file(dir / "inputs.json"), inputs);
    const bool same_computation = computation_of(earlier) == computation_of(spec.resolved);
    if (same_computation && input_changed.empty()) {
      state = FolderState::resumed;
      // Only plots, expectations or the name changed: the runs stand; what was drawn or checked
      // for the earlier spec and is not for this one goes (the rest is redrawn after the runs).
      if (earlier != spec.resolved) remove_earlier_presentation(dir, earlier, spec);
    } else if (!force) {
      if (!same_computation) {
        throw FolderConflict(fmt::format(
            "{}: holds the results of a different spec (its spec.resolved.json differs in more than plots, expect "
            "and name); choose another --out, "
            "or pass --force to write into it (files of finished runs with identical settings are reused)",
            dir.string()));
      }
      throw FolderConflict(fmt::format("{}: {}; choose another --out, or pass --force to recompute its results (runs "
                                       "whose inputs did not change are reused)",
                                       dir.string(), input_changed));
    } else {
      state = FolderState::forced;
      remove_earlier_outputs(dir, earlier, spec);
    }
    remove_leftover_temporaries(dir, spec, earlier);
  } else if (holds_files(dir)) {
    if (!force) {
      throw FolderConflict(fmt::format("{}: is not empty and holds no localsgd results (no spec.resolved.json); "
                                       "choose another --out, or pass --force to write into it",
                                       dir.string()));
    }
    // Everything here was written by someone else: refuse if any file would be replaced.
    std::size_t clashes = 0;
    std::string first;
    std::error_code error;
    for (const auto& file : planned_outputs(spec)) {
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
  // spec.resolved.json last: until it is replaced, the folder still says what its results were.
  write_file_atomically(dir / "inputs.json", inputs.dump(2) + "\n");
  write_file_atomically(resolved_file, spec.resolved.dump(2) + "\n");
  return {state, std::move(lock)};
}

}  // namespace localsgd
