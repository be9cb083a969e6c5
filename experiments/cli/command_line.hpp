#pragma once
// Numbers given on the command line: read by our own rules (not CLI11's checks or std::stoi),
// so that every bad value gets one line naming the option, the rule and the bound.
#include <optional>
#include <string>
#include <string_view>

namespace localsgd {

// More threads than any machine this runs on has cores; oneTBB's default is the number of cores.
constexpr long kMaxThreads = 1024;

// `--threads N`: an integer from 1 to kMaxThreads. Nullopt if not; then `why` says which rule
// "0", "-1", "1e3", "99999999999" or "abc" breaks, e.g.
// `--threads: must be an integer >= 1 and <= 1024, got "0"`.
std::optional<int> parse_thread_count(std::string_view text, std::string* why);

}  // namespace localsgd
