#include "experiments/run/progress.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstdio>

namespace localsgd {

namespace {

std::string clock_text(double seconds) {
  const auto s = static_cast<long>(seconds + 0.5);
  return s >= 3600 ? fmt::format("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60) : fmt::format("{}:{:02}", s / 60, s % 60);
}

}  // namespace

Progress::Progress(std::size_t total, bool terminal, bool quiet) : total_(total), terminal_(terminal), quiet_(quiet) {}

void Progress::finished(const RunSpec& run, const RunRecord& record, bool reused, std::size_t done) {
  if (reused) ++reused_;
  if (quiet_) return;
  std::string status;
  if (reused) {
    status = "reused";
  } else if (!completed(record)) {
    status = ended_early_text(record);
  } else {
    // A completed run has rows; a non-finite gap is printed as the record spells it ("nan").
    const auto& final_metrics = record.summary.final_metrics;
    const double gap = final_metrics ? final_metrics->gap : 0.0;
    status = !final_metrics          ? std::string("gap null")
             : std::isfinite(gap) ? fmt::format("gap {:.3e}", gap)
                                  : "gap " + record_number(gap).dump();
  }
  // A completed run that ended far above its start (run/outcome_record.hpp): its own line, also when
  // reused, so that every invocation that reports the run says it.
  if (const auto& warning = record.summary.warning) {
    fmt::print(stderr, "{}warning: run {} {}: {}\n", terminal_ ? "\r\033[K" : "", run.index, describe_run(run),
               *warning);
  }
  if (!terminal_) {
    fmt::print(stderr, "[{}/{}] run {} {}: {}\n", done, total_, run.index, describe_run(run), status);
    return;
  }
  // ETA from the runs computed so far (reused ones cost nothing).
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  const std::size_t computed = done - reused_;
  const std::string eta = computed == 0 ? "" : " ETA " + clock_text(elapsed / static_cast<double>(computed) *
                                                                    static_cast<double>(total_ - done));
  fmt::print(stderr, "\r\033[K[{}/{}] {:3.0f}%{}  run {} {}: {}{}", done, total_, 100.0 * static_cast<double>(done) /
             static_cast<double>(total_), eta, run.index, describe_run(run), status, done == total_ ? "\n" : "");
  std::fflush(stderr);
}

}  // namespace localsgd
