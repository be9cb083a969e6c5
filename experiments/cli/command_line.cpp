#include "experiments/cli/command_line.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>

#include "experiments/language/text_rules.hpp"

namespace localsgd {

std::optional<int> parse_thread_count(std::string_view text, std::string* why) {
  const std::string rule = fmt::format("must be an integer >= 1 and <= {}", kMaxThreads);
  auto refuse = [&](const std::string& prefix) -> std::optional<int> {
    *why = fmt::format("--threads: {}{}, got {}", prefix, rule, quoted_for_message(text));
    return std::nullopt;
  };
  std::string_view digits = text;
  const bool negative = !digits.empty() && digits.front() == '-';
  if (negative) digits.remove_prefix(1);
  if (digits.empty() || !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return refuse("");  // "abc", "1e3", "2.5", ""
  }
  if (negative) return refuse("");
  long value = 0;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (error == std::errc::result_out_of_range || (error == std::errc() && value > kMaxThreads)) {
    return refuse("is too large: ");
  }
  if (error != std::errc() || end != digits.data() + digits.size() || value < 1) return refuse("");
  return static_cast<int>(value);
}

}  // namespace localsgd
