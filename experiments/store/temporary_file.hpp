#pragma once
// A fresh temporary file beside the file it will replace: every output of a results folder is
// written to one and then renamed over its target, so that a reader (or a crash) never sees a
// half-written file and no existing file is ever truncated.
#include <filesystem>

namespace localsgd {

class TemporaryFile {
 public:
  // Creates DIR/.NAME.tmp.PID.N beside `target` with O_EXCL (never an existing file, even one a
  // user or a killed process left with that name). Throws std::runtime_error naming the file.
  explicit TemporaryFile(const std::filesystem::path& target);
  // Removes the temporary unless it was committed.
  ~TemporaryFile();
  TemporaryFile(const TemporaryFile&) = delete;
  TemporaryFile& operator=(const TemporaryFile&) = delete;

  int fd() const { return fd_; }
  const std::filesystem::path& path() const { return path_; }
  const std::filesystem::path& target() const { return target_; }

  // Writes all of `content` (retrying on EINTR); throws naming the file on an error (disk full).
  void write(const char* data, std::size_t size);
  // Closes the descriptor (an error here is a write error too, e.g. on NFS); throws.
  void close();
  // Closes if needed and renames the temporary over the target; throws.
  void commit();

 private:
  std::filesystem::path target_, path_;
  int fd_ = -1;
  bool committed_ = false;
};

}  // namespace localsgd
