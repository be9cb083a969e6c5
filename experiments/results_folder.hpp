#pragma once
// Claiming a results folder for a spec. A folder that holds the results of the same spec is
// resumed; one that holds another spec's results, or files localsgd did not write, is refused
// unless `force`. Files the tool did not write are never deleted or overwritten.
#include <filesystem>
#include <stdexcept>
#include <vector>

#include "experiments/spec.hpp"

namespace localsgd {

class FolderConflict : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class FolderState { created, resumed, forced };

// Every file localsgd may write into a results folder for `spec`, relative to the folder.
std::vector<std::filesystem::path> planned_outputs(const ExperimentSpec& spec);

// Creates or checks DIR and writes DIR/spec.resolved.json. Throws FolderConflict. With `force`, a
// folder without spec.resolved.json (not written by localsgd) is still refused if it holds any of
// the planned outputs, so that no file the tool did not write is ever replaced.
FolderState claim_results_folder(const std::filesystem::path& dir, const ExperimentSpec& spec, bool force);

}  // namespace localsgd
