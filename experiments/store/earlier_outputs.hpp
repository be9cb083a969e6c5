#pragma once
// Removing what localsgd itself wrote into a results folder and no longer stands for its spec:
// the outputs of an earlier spec that --force replaces, and temporaries that killed processes
// left. Only names localsgd writes are removed (its top-level files, plot stems read from a
// spec.resolved.json with every plot extension, run records named by 16 hex digits, and
// ".NAME.tmp.PID.N" temporaries of those); any other file stays. Called only while the folder's
// lock is held, so no other localsgd process is writing these files.
#include <filesystem>

#include "experiments/spec/spec.hpp"

namespace localsgd {

// Everything localsgd wrote for `earlier` (a spec.resolved.json, possibly unreadable: null) that
// `spec` does not use: the aggregate files (but not spec.resolved.json, replaced last by the
// claim), the earlier spec's plots, the run records `spec` does not use.
void remove_earlier_outputs(const std::filesystem::path& dir, const Json& earlier, const ExperimentSpec& spec);

// What localsgd drew or checked for `earlier` that `spec` (the same runs) does not: the earlier
// spec's plots that `spec` does not draw, checks.json if `spec` has no expectations.
void remove_earlier_presentation(const std::filesystem::path& dir, const Json& earlier, const ExperimentSpec& spec);

// Temporaries of killed processes for any file localsgd writes for `earlier` or `spec`.
void remove_leftover_temporaries(const std::filesystem::path& dir, const ExperimentSpec& spec, const Json& earlier);

}  // namespace localsgd
