#pragma once
// Rules for strings a user gives that end up in output: variant labels and swept strings on every
// metrics.csv row and in plot legends, the spec's name as a folder name. Each returns the rule a
// string breaks ("contains the control character 0x0a at byte 3"), or nullopt if it is fine.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace localsgd {

// Labels and names: 200 bytes. A name is one folder name (at most 255 bytes on Linux file
// systems, NAME_MAX), and a label is repeated on every metrics.csv row: 200 bytes leave room
// for the temporary files' prefixes and suffixes and keep a row short; no real label is longer.
constexpr std::size_t kMaxLabelBytes = 200;
// Other strings (a data file's path): PATH_MAX.
constexpr std::size_t kMaxTextBytes = 4096;

// No control character (bytes 0..31 and 127, NUL included: they break CSV rows, terminals and
// file names) and at most `max_bytes` bytes.
std::optional<std::string> text_rule_broken(std::string_view text, std::size_t max_bytes);

// A folder strictly inside the output root: the text rule with kMaxLabelBytes, not empty, not
// "." or "..", no '/' or '\\'.
std::optional<std::string> folder_name_rule_broken(std::string_view name);

// `text` with control bytes as \xNN, for a file name at the start of a one-line message.
std::string printable_text(std::string_view text);

// `text` in double quotes for a message: JSON escapes for control characters, invalid UTF-8
// replaced, at most 60 bytes of it.
std::string quoted_for_message(std::string_view text);

}  // namespace localsgd
