#pragma once
// Problems are immutable and safe to share between threads, and one problem configuration is
// usually used by many runs (every seed, every variant that only changes the algorithm). Building
// one can be expensive (reading a data file, a Newton solve), so a spec builds each distinct
// configuration once and its runs share it. The spec reader builds every problem while validating,
// so that data-dependent errors (a malformed file, an empty shard, separable data without an L2
// term) are reported with their JSON path before anything runs; the runs then reuse them.
//
// The cache is an object its owner passes (the parsed spec and its runs share one), not a
// process-wide table: two specs in one process (tests, a fuzzer) never see each other's problems,
// and the problems go when the spec goes.
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "experiments/catalog/input_files.hpp"
#include "problems/problem.hpp"

namespace localsgd {

class ProblemCache {
 public:
  // check_only: the spec is only checked (`localsgd validate`), not run, so a problem's check may
  // skip what only runs need (least squares' exact constants, when its data show them finite).
  explicit ProblemCache(bool check_only = false) : check_only_(check_only) {}
  ProblemCache(const ProblemCache&) = delete;
  ProblemCache& operator=(const ProblemCache&) = delete;

  // The problem built for `key`, calling `build` only if none is cached. A failed build is not
  // cached (its exception reaches every caller waiting for it). Thread-safe; concurrent callers of
  // one key wait for a single build. Every caller, hit or not, reports the input files the build
  // read to its thread's InputRecording (experiments/catalog/input_files.hpp).
  std::shared_ptr<Problem> get(const std::string& key, const std::function<std::shared_ptr<Problem>()>& build);
  bool check_only() const { return check_only_; }

 private:
  // A built problem and the input files its build read (data files), reported again to every
  // caller so that a cache hit tells an InputRecording the same files as the build did.
  struct Built {
    std::shared_ptr<Problem> problem;
    std::vector<InputFile> inputs;
  };

  bool check_only_ = false;
  std::mutex mutex_;
  std::map<std::string, std::shared_future<Built>> built_;
};

}  // namespace localsgd
