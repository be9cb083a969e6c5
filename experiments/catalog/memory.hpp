#pragma once
// How much memory a spec needs, estimated before anything large is allocated, and the limit it is
// checked against (MemAvailable, lowered by a cgroup limit, or --max-memory).
//
// What is counted (docs/reliability.md has the formulas):
//   data      every distinct problem: its data set, shards and the matrices its constants need
//             (H, rotations, Gram matrices, Newton's Hessian); kept for the whole process;
//   per run   the engine of one run: p workers x (model, gradient, optimizer state vectors of d
//             doubles; no random-number state) plus its metric rows; at most `concurrent_runs` runs
//             execute at once (the thread count);
//   results   the run list, every finished run's record (kept until the end), metrics.csv and the
//             plots' tables: per run and per metric row.
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace localsgd {

// "512 B", "3.4 KiB", "1.5 GiB".
std::string format_bytes(double bytes);

// "8G", "512M", "1.5GiB", "2T", "100000" (bytes); K, M, G, T are powers of 1024. At least 1 byte
// and at most kMaxBytesOption. Nullopt if malformed or out of range; then `why`, if given, says
// which rule the text breaks. Never throws.
std::optional<std::uint64_t> parse_bytes(std::string_view text, std::string* why = nullptr);

// The largest size parse_bytes accepts: 2^63 bytes (8388608T), far above any machine's memory,
// so that a limit never wraps around in the 64-bit byte counts.
constexpr double kMaxBytesOption = 9223372036854775808.0;

struct MemoryLimit {
  std::uint64_t bytes = 0;
  std::string source;  // e.g. "MemAvailable in /proc/meminfo", "--max-memory 8G"
};

// What this process may still allocate: MemAvailable from /proc/meminfo, lowered by a cgroup
// (v2 memory.max - memory.current, or v1 limit_in_bytes - usage_in_bytes). Nullopt if unknown.
std::optional<MemoryLimit> available_memory();

struct MemoryEstimate {
  double data = 0;                  // all distinct problems
  std::size_t problems = 0;
  double per_run = 0;               // the largest run
  std::string largest_run;          // which run, and what its per-run bytes are made of
  std::size_t concurrent_runs = 1;  // runs executing at once
  double results = 0;               // run list, records, metrics.csv and plot tables
  std::size_t runs = 0;
  double metric_rows = 0;
  std::optional<MemoryLimit> limit;

  double total() const { return data + static_cast<double>(concurrent_runs) * per_run + results; }
  bool exceeds_limit() const { return limit && total() > static_cast<double>(limit->bytes); }
  // "about 1.2 GiB: data 1.0 GiB (2 problems) + 2 concurrent runs x 50 MiB (largest: ...) + results ..."
  std::string describe() const;
  // "limit 23 GiB (MemAvailable in /proc/meminfo)" or "no limit known".
  std::string describe_limit() const;
};

// Tracks the memory of the problems a spec builds while it is validated, so that a problem whose
// data would not fit is refused before it is built.
class MemoryBudget {
 public:
  // split_ranks: the ranks a run may be split among (its lower bound is then one rank's share).
  MemoryBudget(std::optional<MemoryLimit> limit, std::size_t concurrent_runs, int split_ranks = 1)
      : limit_(std::move(limit)), concurrent_runs_(concurrent_runs), split_ranks_(split_ranks) {}

  // Accounts for the problem `key` once: `data` bytes for its data (kept for the whole process)
  // and at least `run` bytes for each run that uses it. Throws std::length_error with a rule such
  // as "needs about 75 GiB for its data (...), more than the 23 GiB available (...)" if the
  // problems so far, plus the largest such run on every thread, exceed the limit.
  // `part_of_earlier`: more memory of a problem reserved before (not counted as another problem).
  void reserve_problem(const std::string& key, double data, double run, const std::string& what,
                       bool part_of_earlier = false);

  double data() const { return data_; }
  std::size_t problems() const { return problems_; }
  const std::optional<MemoryLimit>& limit() const { return limit_; }
  std::size_t concurrent_runs() const { return concurrent_runs_; }
  int split_ranks() const { return split_ranks_; }

 private:
  std::optional<MemoryLimit> limit_;
  std::size_t concurrent_runs_;
  int split_ranks_ = 1;
  std::set<std::string> keys_;
  std::size_t problems_ = 0;
  double data_ = 0;
  double largest_run_ = 0;
};

// Per-row and per-run costs of results kept in memory (measured: a metric row costs about 1 KiB
// from the engine to the plots' tables; a run's record, summary and run-list entry about 40 KiB).
constexpr double kBytesPerMetricRow = 1024;
constexpr double kBytesPerRun = 40 * 1024;
// Strings the user chose cost on top of those constants, per byte: a run's label and swept
// strings are on every metric row (metrics.csv's text while it is built, which grows by doubling,
// so up to three times its size; then the plots' table read back from it), and in the run's
// config, record, summary.json entry and its text.
constexpr double kCopiesOfRowText = 3;
constexpr double kCopiesOfRunText = 4;

}  // namespace localsgd
