#include "experiments/store/earlier_outputs.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "experiments/store/results_folder.hpp"
#include "experiments/store/run_store.hpp"

namespace localsgd {

namespace fs = std::filesystem;

namespace {

// runs/<16 hex digits>.json, or a traced run's runs/<key>.trace.csv and runs/<key>.rounds.csv.
bool is_run_record_name(const std::string& name) {
  if (name.size() < 16 || name.find_first_not_of("0123456789abcdef") != 16) return false;
  const std::string suffix = name.substr(16);
  return suffix == ".json" || std::find(kRunTraceSuffixes.begin(), kRunTraceSuffixes.end(), suffix) != kRunTraceSuffixes.end();
}

// Removes a trailing ".DIGITS" from `name`; false if there is none.
bool strip_number(std::string& name) {
  const std::size_t dot = name.rfind('.');
  if (dot == std::string::npos || dot + 1 == name.size() ||
      name.find_first_not_of("0123456789", dot + 1) != std::string::npos) {
    return false;
  }
  name.resize(dot);
  return true;
}

// If `name` is a temporary of write_file_atomically, ".NAME.tmp.PID.N", then NAME; otherwise empty.
std::string temporary_target(std::string name) {
  if (name.size() < 6 || name.front() != '.') return {};
  std::string stem = name;
  if (!(strip_number(stem) && strip_number(stem))) return {};
  if (!stem.ends_with(".tmp") || stem.size() < 6) return {};
  return stem.substr(1, stem.size() - 5);
}

// The plot file stems a resolved spec draws (none if its "plots" cannot be read).
std::set<std::string> plot_stems(const Json& resolved) {
  std::set<std::string> stems;
  if (!resolved.is_object() || !resolved.contains("plots") || !resolved.at("plots").is_array()) return stems;
  for (const Json& plot : resolved.at("plots")) {
    try {
      stems.insert(PlotSpec::from_json(plot).file_stem());
    } catch (const std::exception&) {
      // a hand-edited entry: its files cannot be named, so none are touched
    }
  }
  return stems;
}

void remove_file(const fs::path& file) {
  std::error_code error;
  if (!fs::is_symlink(file, error) && !fs::is_regular_file(file, error)) return;
  fs::remove(file, error);
  if (error) throw std::runtime_error(fmt::format("{}: cannot remove: {}", file.string(), error.message()));
}

// Removes the temporaries that killed localsgd processes left in `folder` for files it writes
// there (`ours` says which names those are). Only called while the folder's lock is held, so no
// other localsgd process is writing them.
template <class Ours>
void remove_temporaries(const fs::path& folder, const Ours& ours) {
  std::error_code error;
  if (!fs::is_directory(folder, error)) return;
  std::vector<fs::path> found;
  for (const auto& entry : fs::directory_iterator(folder, error)) {
    const std::string target = temporary_target(entry.path().filename().string());
    if (!target.empty() && ours(target)) found.push_back(entry.path());
  }
  for (const auto& file : found) remove_file(file);
}

// Whether `name` is one of the plot files of `stems`.
bool is_plot_file(const std::set<std::string>& stems, const std::string& name) {
  for (const std::string& extension : kPlotFileExtensions) {
    if (name.ends_with(extension) && stems.contains(name.substr(0, name.size() - extension.size()))) return true;
  }
  return false;
}

}  // namespace

void remove_earlier_outputs(const fs::path& dir, const Json& earlier, const ExperimentSpec& spec) {
  for (const std::string& name : kTopLevelOutputs) {
    if (name != "spec.resolved.json") remove_file(dir / name);  // replaced last, when the claim is complete
  }
  for (const std::string& stem : plot_stems(earlier)) {
    for (const std::string& extension : kPlotFileExtensions) remove_file(dir / "plots" / (stem + extension));
  }
  // The trajectory plot is drawn again after the runs if the new spec traces a 2-D run.
  for (const std::string& name : trajectory_plot_files()) remove_file(dir / "plots" / name);
  std::set<std::string> used;
  for (const RunSpec& run : spec.runs) {
    used.insert(run_key(run) + ".json");
    if (!run.trace) continue;
    for (const std::string& suffix : kRunTraceSuffixes) used.insert(run_key(run) + suffix);
  }
  std::error_code error;
  std::vector<fs::path> unused;
  for (const auto& entry : fs::directory_iterator(dir / "runs", error)) {
    const std::string name = entry.path().filename().string();
    if (is_run_record_name(name) && !used.contains(name)) unused.push_back(entry.path());
  }
  for (const auto& file : unused) remove_file(file);
}

void remove_earlier_presentation(const fs::path& dir, const Json& earlier, const ExperimentSpec& spec) {
  const std::set<std::string> drawn_now = plot_stems(spec.resolved);
  for (const std::string& stem : plot_stems(earlier)) {
    if (drawn_now.contains(stem)) continue;
    for (const std::string& extension : kPlotFileExtensions) remove_file(dir / "plots" / (stem + extension));
  }
  // A plot drawn again in another format: its picture in the earlier format goes.
  for (const PlotSpec& plot : spec.plots) {
    for (const char* picture : {".png", ".pdf", ".svg"}) {
      const std::string name = plot.file_stem() + picture;
      if (name != plot.file_name()) remove_file(dir / "plots" / name);
    }
  }
  if (spec.expectations.empty()) remove_file(dir / "checks.json");
}

void remove_leftover_temporaries(const fs::path& dir, const ExperimentSpec& spec, const Json& earlier) {
  remove_temporaries(dir, [](const std::string& name) {
    return std::find(kTopLevelOutputs.begin(), kTopLevelOutputs.end(), name) != kTopLevelOutputs.end();
  });
  remove_temporaries(dir / "runs", is_run_record_name);
  std::set<std::string> stems = plot_stems(earlier);
  for (const std::string& stem : plot_stems(spec.resolved)) stems.insert(stem);
  // Not the fixed name ".NAME.tmp" that older versions gave plot temporaries: a file of that name
  // may be the user's (the very case), and an old leftover is harmless.
  const std::vector<std::string> trajectories = trajectory_plot_files();
  remove_temporaries(dir / "plots", [&](const std::string& name) {
    return is_plot_file(stems, name) || std::find(trajectories.begin(), trajectories.end(), name) != trajectories.end();
  });
}

}  // namespace localsgd
