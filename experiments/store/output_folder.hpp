#pragma once
// Whether a path can be a results folder, with a message that names what it is instead.
#include <optional>
#include <string>

namespace localsgd {

// Why `dir` cannot be the results folder (nullopt if it can): it exists and is not a folder (a
// file, a symbolic link to a file, a dangling symbolic link, a device...), or one of its parents
// is not a folder. A symbolic link to a folder is a folder. The message ends "choose another --out".
std::optional<std::string> output_folder_problem(const std::string& dir);

}  // namespace localsgd
