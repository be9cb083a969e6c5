#pragma once
// Problems are immutable and safe to share between threads, and one problem configuration is
// usually used by many runs (every seed, every variant that only changes the algorithm). Building
// one can be expensive (reading a data file, a Newton solve), so each distinct configuration is
// built once per process and shared. The spec reader builds every problem while validating, so
// that data-dependent errors (a malformed file, an empty shard, separable data without an L2
// term) are reported with their JSON path before anything runs; the runs then reuse them.
#include <functional>
#include <memory>
#include <string>

#include "problems/problem.hpp"

namespace localsgd {

// The problem built for `key`, calling `build` only if none is cached. A failed build is not
// cached (its exception reaches every caller waiting for it). Thread-safe; concurrent callers of
// one key wait for a single build. Every caller, hit or not, reports the input files the build read
// to its thread's InputRecording (experiments/catalog/input_files.hpp).
std::shared_ptr<Problem> cached_problem(const std::string& key, const std::function<std::shared_ptr<Problem>()>& build);

// Forgets every cached problem (for long-lived processes such as a fuzzer; problems in use stay
// alive through their shared pointers).
void clear_problem_cache();

}  // namespace localsgd
