#pragma once
// The files a computation read, with their content hashes: what a run's identity and a results
// folder's inputs.json are made of. Data files are hashed from the very bytes the parser reads
// (experiments/catalog/data_files.cpp), once per file per process, and reported here every time they are
// used (also when the parsed data comes from a cache), so that whoever builds a problem inside an
// InputRecording learns every file it depends on, whichever problem type reads it.
#include <cstdint>
#include <string>
#include <vector>

namespace localsgd {

struct InputFile {
  std::string path;    // as opened (the spec's path resolved against the spec's folder)
  std::string sha256;  // 64 hex digits
  std::uintmax_t bytes = 0;
  bool operator==(const InputFile&) const = default;
};

// While alive, collects (in order of first use, without repeats) every input reported on this
// thread. Recordings nest: a report goes to the innermost one only, whose owner passes it on (the
// problem cache stores what a build read and reports it again to every later user of the problem).
class InputRecording {
 public:
  InputRecording();
  ~InputRecording();
  InputRecording(const InputRecording&) = delete;
  InputRecording& operator=(const InputRecording&) = delete;
  const std::vector<InputFile>& files() const { return files_; }

 private:
  friend void report_input(const InputFile& file);
  std::vector<InputFile> files_;
  InputRecording* outer_ = nullptr;
};

// Tells the innermost recording on this thread (if any) that `file` was used.
void report_input(const InputFile& file);

}  // namespace localsgd
