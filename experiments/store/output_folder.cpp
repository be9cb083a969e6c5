#include "experiments/store/output_folder.hpp"

#include <fmt/format.h>
#include <sys/stat.h>

#include <filesystem>
#include <system_error>
#include <vector>

#include "experiments/language/text_rules.hpp"

namespace localsgd {

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
