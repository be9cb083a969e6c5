#pragma once
// Helpers of the spec_run fuzz target: reporting a finding, and snapshots of a folder's files (to
// check that writing the outputs again gives byte-identical files).
#include <filesystem>
#include <map>
#include <string>

namespace localsgd::fuzz {

// Prints "spec_run finding: WHAT" and aborts, so that libFuzzer saves the input as a crash.
[[noreturn]] void finding(const std::string& what);

// The whole content of a file; a finding if it cannot be read.
std::string read_whole_file(const std::filesystem::path& file);

// Every regular file under `dir` (path relative to it) with its content.
std::map<std::string, std::string> snapshot(const std::filesystem::path& dir);

// A finding naming the first file that was added, removed or changed between two snapshots.
void check_same_files(const std::map<std::string, std::string>& before, const std::map<std::string, std::string>& after,
                      const std::string& what);

// Removes everything inside `dir` (which stays, empty).
void empty_folder(const std::filesystem::path& dir);

}  // namespace localsgd::fuzz
