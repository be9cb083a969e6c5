#include "experiments/cli/command_line.hpp"

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <filesystem>
#include <vector>

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

namespace {

// What a path that exists but is not a folder is, for the message.
std::string kind_of(const struct stat& info) {
  if (S_ISREG(info.st_mode)) return "a file";
  if (S_ISFIFO(info.st_mode)) return "a named pipe";
  if (S_ISCHR(info.st_mode) || S_ISBLK(info.st_mode)) return "a device";
  if (S_ISSOCK(info.st_mode)) return "a socket";
  return "not a folder";
}

// Nullopt if `path` is a folder or does not exist (and is not a dangling link); else what it is.
std::optional<std::string> not_a_folder(const std::filesystem::path& path) {
  struct stat link {};
  if (::lstat(path.c_str(), &link) != 0) return std::nullopt;  // absent (or unreadable: the claim will say)
  struct stat target {};
  if (S_ISLNK(link.st_mode)) {
    std::error_code error;
    const auto points_to = std::filesystem::read_symlink(path, error);
    const std::string to = error ? "" : " to " + quoted_for_message(points_to.string());
    if (::stat(path.c_str(), &target) != 0) {
      return fmt::format("is a dangling symbolic link (it points{}, which does not exist)", to);
    }
    if (S_ISDIR(target.st_mode)) return std::nullopt;
    return fmt::format("is a symbolic link{} to {}, not to a folder", to, kind_of(target));
  }
  if (S_ISDIR(link.st_mode)) return std::nullopt;
  return fmt::format("is {}, not a folder", kind_of(link));
}

}  // namespace

std::optional<std::string> output_folder_problem(const std::string& dir) {
  const std::filesystem::path path(dir);
  if (auto problem = not_a_folder(path)) return fmt::format("{}: {}; choose another --out", dir, *problem);
  // Every parent that exists must be a folder too ("data.csv/results" cannot be created).
  std::vector<std::filesystem::path> parents;
  for (auto p = path.parent_path(); !p.empty() && p != p.root_path(); p = p.parent_path()) {
    parents.push_back(p);
    if (p == p.parent_path()) break;
  }
  for (auto it = parents.rbegin(); it != parents.rend(); ++it) {
    if (auto problem = not_a_folder(*it)) {
      return fmt::format("{}: cannot be created: {} {}; choose another --out", dir, it->string(), *problem);
    }
  }
  return std::nullopt;
}

}  // namespace localsgd
