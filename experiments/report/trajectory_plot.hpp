#pragma once
// The trajectories of a 2-D traced run (docs/experiments.md, "Traces"): DIR/plots/trajectories.png,
// the contours of F with each traced worker's path in its own colour, x̄ after every sync (black
// dots), the snaps from each worker to x̄ (dashed grey) and x* (a star); and
// DIR/plots/trajectories.gif, the same drawn step by step (at most kMaxTrajectoryFrames frames).
// One panel per variant and sweep point (its first seed), at most kMaxTrajectoryPanels.
#include <atomic>
#include <filesystem>

#include "experiments/report/plots.hpp"
#include "experiments/spec/spec.hpp"
#include "experiments/store/results_folder.hpp"  // kMaxTrajectoryPanels, the file names

namespace localsgd {

constexpr int kMaxTrajectoryFrames = 200;
constexpr int kTrajectoryGridPoints = 101;  // per axis, for the contours of F

// With `spec` (localsgd run): if some run has a trace of d = 2 with both coordinates, writes the
// data (DIR/plots/trajectories_*.dat: F − F* on a grid, the paths, syncs and snaps) and scripts
// (trajectories.gp, trajectories_animation.gp) from DIR/trace.csv and DIR/summary.json, and draws
// both files. Without `spec` (localsgd plot): redraws them from the scripts and data an earlier
// run wrote, if there are any. What is drawn, or fails, is added to `outcome`.
void add_trajectory_plots(PlotOutcome& outcome, const std::filesystem::path& dir, const ExperimentSpec* spec,
                          const std::atomic<bool>* stop);

}  // namespace localsgd
