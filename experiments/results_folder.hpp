#pragma once
// Claiming a results folder for a spec. A folder that holds the results of the same spec is
// resumed; one that holds another spec's results, or files localsgd did not write, is refused
// unless `force`. Files the tool did not write are never deleted or overwritten.
#include <filesystem>
#include <stdexcept>

#include "experiments/spec.hpp"

namespace localsgd {

class FolderConflict : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class FolderState { created, resumed, forced };

// Creates or checks DIR and writes DIR/spec.resolved.json. Throws FolderConflict.
FolderState claim_results_folder(const std::filesystem::path& dir, const ExperimentSpec& spec, bool force);

}  // namespace localsgd
