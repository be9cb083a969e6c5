#include "experiments/language/source_map.hpp"

namespace localsgd {

std::string pointer_token(const std::string& key) {
  std::string out;
  for (char c : key) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
  return out;
}

void SourceMap::add(std::string run_pointer, std::string source_pointer) {
  entries_.emplace_back(std::move(run_pointer), std::move(source_pointer));
}

std::string SourceMap::source(const std::string& run_pointer) const {
  const std::pair<std::string, std::string>* best = nullptr;
  for (const auto& entry : entries_) {
    const std::string& prefix = entry.first;
    const bool covers = run_pointer.compare(0, prefix.size(), prefix) == 0 &&
                        (run_pointer.size() == prefix.size() || run_pointer[prefix.size()] == '/');
    if (covers && (best == nullptr || prefix.size() >= best->first.size())) best = &entry;
  }
  if (best == nullptr) return run_pointer;
  return best->second + run_pointer.substr(best->first.size());
}

}  // namespace localsgd
