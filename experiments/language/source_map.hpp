#pragma once
// A run's configuration is assembled from the spec's top level, one variant and one sweep point.
// SourceMap remembers where each part came from, so that an error found while reading the run
// names the place in the file the user has to edit (e.g. /variants/2/schedule/period rather than
// /schedule/period).
#include <string>
#include <utility>
#include <vector>

namespace localsgd {

// Escapes a key for use as one JSON-pointer reference token (RFC 6901).
std::string pointer_token(const std::string& key);

class SourceMap {
 public:
  // Everything at or below `run_pointer` came from `source_pointer` in the file.
  void add(std::string run_pointer, std::string source_pointer);
  // The file location of `run_pointer` (the longest registered prefix wins).
  std::string source(const std::string& run_pointer) const;

 private:
  std::vector<std::pair<std::string, std::string>> entries_;
};

}  // namespace localsgd
