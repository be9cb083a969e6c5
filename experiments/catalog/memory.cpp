#include "experiments/catalog/memory.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>
#include <stdexcept>

namespace localsgd {

std::string format_bytes(double bytes) {
  static const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  if (!(bytes < 1e30)) return "more than 10^30 B";
  std::size_t unit = 0;
  while (bytes >= 1024 && unit + 1 < std::size(units)) {
    bytes /= 1024;
    ++unit;
  }
  if (unit == 0) return fmt::format("{:.0f} B", bytes);
  return fmt::format("{:.{}f} {}", bytes, bytes < 10 ? 2 : bytes < 100 ? 1 : 0, units[unit]);
}

std::optional<std::uint64_t> parse_bytes(std::string_view text, std::string* why) {
  auto refuse = [&](std::string rule) -> std::optional<std::uint64_t> {
    if (why) *why = std::move(rule);
    return std::nullopt;
  };
  const std::string malformed = "expected a size such as 8G, 512M or 100000 (bytes)";
  std::size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
  const std::string_view number = text.substr(0, i);
  if (number.empty() || std::count(number.begin(), number.end(), '.') > 1 || number == ".") return refuse(malformed);
  std::string unit(text.substr(i));
  for (char& c : unit) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (unit.size() > 1 && unit.back() == 'B') unit.pop_back();  // "GB", "GiB" -> "G", "GI"
  if (unit.size() == 2 && unit.back() == 'I') unit.pop_back();
  double scale = 1;
  if (unit == "K") scale = 1024.0;
  else if (unit == "M") scale = 1024.0 * 1024;
  else if (unit == "G") scale = 1024.0 * 1024 * 1024;
  else if (unit == "T") scale = 1024.0 * 1024 * 1024 * 1024;
  else if (!unit.empty() && unit != "B") return refuse(malformed);
  // from_chars, not stod: 400 digits are "too large", not an exception.
  double count = 0;
  const auto [end, error] = std::from_chars(number.data(), number.data() + number.size(), count);
  if (error == std::errc::result_out_of_range) count = std::numeric_limits<double>::infinity();
  else if (error != std::errc() || end != number.data() + number.size()) return refuse(malformed);
  const double value = count * scale;
  if (!(value >= 1)) return refuse("must be at least 1 byte");
  if (value > kMaxBytesOption) return refuse("is too large: at most 8388608T (2^63 bytes)");
  return static_cast<std::uint64_t>(value);
}

namespace {

std::optional<std::uint64_t> read_number(const char* file) {
  std::ifstream in(file);
  std::string text;
  if (!(in >> text) || text == "max") return std::nullopt;
  try {
    return std::stoull(text);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace

std::optional<MemoryLimit> available_memory() {
  std::optional<MemoryLimit> limit;
  std::ifstream meminfo("/proc/meminfo");
  for (std::string line; std::getline(meminfo, line);) {
    std::istringstream fields(line);
    std::string key;
    std::uint64_t kib = 0;
    if (fields >> key >> kib && key == "MemAvailable:") limit = MemoryLimit{kib * 1024, "MemAvailable in /proc/meminfo"};
  }
  // A container's own limit may be lower than the machine's free memory.
  auto lower = [&](std::optional<std::uint64_t> max, std::optional<std::uint64_t> used, const char* source) {
    if (!max || *max >= (std::uint64_t{1} << 60)) return;  // no limit ("max", or v1's huge number)
    const std::uint64_t free = used && *used < *max ? *max - *used : 0;
    if (!limit || free < limit->bytes) limit = MemoryLimit{free, source};
  };
  lower(read_number("/sys/fs/cgroup/memory.max"), read_number("/sys/fs/cgroup/memory.current"),
        "the cgroup's memory.max - memory.current");
  lower(read_number("/sys/fs/cgroup/memory/memory.limit_in_bytes"),
        read_number("/sys/fs/cgroup/memory/memory.usage_in_bytes"), "the cgroup's memory limit - usage");
  return limit;
}

std::string MemoryEstimate::describe_limit() const {
  return limit ? fmt::format("{} ({})", format_bytes(static_cast<double>(limit->bytes)), limit->source)
               : std::string("no limit known");
}

std::string MemoryEstimate::describe() const {
  return fmt::format("about {}: data {} ({} problem{}) + {} concurrent run{} x {} (largest: {}) + results {} ({} "
                     "run{}, {:.0f} metric rows)",
                     format_bytes(total()), format_bytes(data), problems, problems == 1 ? "" : "s", concurrent_runs,
                     concurrent_runs == 1 ? "" : "s", format_bytes(per_run), largest_run, format_bytes(results), runs,
                     runs == 1 ? "" : "s", metric_rows);
}

void MemoryBudget::reserve_problem(const std::string& key, double data, double run, const std::string& what,
                                   bool part_of_earlier) {
  if (!keys_.insert(key).second) return;
  if (!part_of_earlier) ++problems_;
  data_ += data;
  largest_run_ = std::max(largest_run_, run);
  if (!limit_) return;
  const double need = data_ + static_cast<double>(concurrent_runs_) * largest_run_;
  if (need <= static_cast<double>(limit_->bytes)) return;
  const double runs = static_cast<double>(concurrent_runs_) * largest_run_;
  throw std::length_error(fmt::format(
      "needs about {} of memory ({}: {} for its data{}, at least {} per run x {} concurrent run{}); the limit is {} "
      "({}); {}, or raise the limit with --max-memory",
      format_bytes(need), what, format_bytes(data),
      data_ > data ? fmt::format(" and {} for the problems before it", format_bytes(data_ - data)) : "",
      format_bytes(largest_run_), concurrent_runs_, concurrent_runs_ == 1 ? "" : "s",
      format_bytes(static_cast<double>(limit_->bytes)), limit_->source,
      runs > data_ ? "use fewer workers or fewer dimensions, or fewer runs at once (--threads)"
                   : "make the problem smaller"));
}

}  // namespace localsgd
