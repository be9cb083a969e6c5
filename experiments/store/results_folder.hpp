#pragma once
// Claiming a results folder for a spec. A folder that holds the results of the same spec computed
// from the same inputs (data file contents, results format: DIR/inputs.json) is resumed; one that
// holds another spec's results, or results computed from other inputs, or files localsgd did not
// write, is refused unless `force`. Files the tool did not write are never deleted or overwritten;
// with `force`, every file localsgd wrote for the earlier spec and the new one does not use is
// removed. The folder is locked (experiments/store/folder_lock.hpp) before it is looked at, for as long
// as the returned ClaimedFolder lives.
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "experiments/store/folder_lock.hpp"
#include "experiments/spec/spec.hpp"

namespace localsgd {

class FolderConflict : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class FolderState { created, resumed, forced };

// The files at the top of a results folder that localsgd writes, whatever the spec.
inline const std::vector<std::string> kTopLevelOutputs = {"spec.resolved.json", "inputs.json", "metrics.csv",
                                                          "summary.json", "runs.csv", "time_to_target.csv", "checks.json",
                                                          "trace.csv", "rounds.csv"};

// Every extension a plot's file stem gets in DIR/plots: the picture, then the data, script and
// log gnuplot drew it from. The one list of them: add new picture formats here.
inline const std::vector<std::string> kPlotFileExtensions = {".png", ".pdf", ".svg", ".dat", ".gp", ".log"};

// What a traced run keeps beside its record runs/<key>.json: runs/<key>.trace.csv and
// runs/<key>.rounds.csv (experiments/store/trace_writer.hpp).
inline const std::vector<std::string> kRunTraceSuffixes = {".trace.csv", ".rounds.csv"};

// The trajectory plot of traced 2-D runs (experiments/report/trajectory_plot.hpp) draws at most
// this many panels; trajectory_plot_files() is every file it may write into plots/.
constexpr int kMaxTrajectoryPanels = 4;
std::vector<std::string> trajectory_plot_files();

// What a results folder records besides spec.resolved.json: the results format of the binary and
// the data files the runs read, with their SHA-256 (DIR/inputs.json).
Json inputs_json(const ExperimentSpec& spec);

// Every file localsgd may write into a results folder for `spec`, relative to the folder.
std::vector<std::filesystem::path> planned_outputs(const ExperimentSpec& spec);

struct ClaimedFolder {
  FolderState state;
  FolderLock lock;  // keep alive until the last output is written
};

// Creates (or checks) DIR, locks it, and writes DIR/inputs.json and DIR/spec.resolved.json.
// Throws FolderBusy if another process holds the folder, FolderConflict if it is refused. With
// `force`, a folder without spec.resolved.json (not written by localsgd) is still refused if it
// holds any of the planned outputs, so that no file the tool did not write is ever replaced.
ClaimedFolder claim_results_folder(const std::filesystem::path& dir, const ExperimentSpec& spec, bool force);

}  // namespace localsgd
