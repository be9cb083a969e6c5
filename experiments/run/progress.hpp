#pragma once
// Progress of a spec's runs: on a terminal one line redrawn in place (runs done, percentage, ETA,
// the latest run); otherwise one plain log line per finished run.
#include <chrono>
#include <cstddef>

#include "experiments/store/run_record.hpp"
#include "experiments/spec/spec.hpp"

namespace localsgd {

class Progress {
 public:
  Progress(std::size_t total, bool terminal, bool quiet);
  void finished(const RunSpec& run, const RunRecord& record, bool reused, std::size_t done);

 private:
  std::size_t total_;
  bool terminal_;
  bool quiet_;
  std::size_t reused_ = 0;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

}  // namespace localsgd
