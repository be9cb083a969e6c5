#include "fuzz/fuzz_check.hpp"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace localsgd::fuzz {

void finding(const std::string& what) {
  std::fprintf(stderr, "spec_run finding: %s\n", what.c_str());
  std::abort();
}

std::string read_whole_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) finding(file.string() + ": cannot open what was written");
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

std::map<std::string, std::string> snapshot(const std::filesystem::path& dir) {
  std::map<std::string, std::string> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file()) {
      files[std::filesystem::relative(entry.path(), dir).string()] = read_whole_file(entry.path());
    }
  }
  return files;
}

void check_same_files(const std::map<std::string, std::string>& before, const std::map<std::string, std::string>& after,
                      const std::string& what) {
  for (const auto& [name, content] : before) {
    const auto it = after.find(name);
    if (it == after.end()) finding(what + ": " + name + " disappeared");
    if (it->second != content) finding(what + ": " + name + " is not byte-identical");
  }
  for (const auto& [name, content] : after) {
    if (!before.contains(name)) finding(what + ": " + name + " appeared");
  }
}

void empty_folder(const std::filesystem::path& dir) {
  for (const auto& entry : std::filesystem::directory_iterator(dir)) std::filesystem::remove_all(entry.path());
}

}  // namespace localsgd::fuzz
