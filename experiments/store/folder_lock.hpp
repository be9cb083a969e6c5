#pragma once
// An exclusive lock on a results folder, held by one localsgd process for its whole invocation,
// so that two processes never write into one folder at once (the second would overwrite the
// first's files). The lock is flock(2) on DIR/.localsgd.lock, which holds the holder's PID for the
// message of whoever is refused. The kernel releases a flock when its holder exits in any way,
// kill -9 included, so a stale lock file never blocks the next run. The file is removed when the
// lock is released; it is never a result, never a foreign file, and is not left behind in a folder
// that is refused.
#include <filesystem>
#include <stdexcept>

namespace localsgd {

// Another process holds the folder's lock.
class FolderBusy : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

constexpr const char* kLockFileName = ".localsgd.lock";

class FolderLock {
 public:
  // Locks the existing folder `dir` without waiting. Throws FolderBusy (naming the folder and the
  // holder's PID) if another process holds it, std::runtime_error if the lock file cannot be made.
  explicit FolderLock(const std::filesystem::path& dir);
  ~FolderLock();
  FolderLock(FolderLock&& other) noexcept : path_(std::move(other.path_)), fd_(other.fd_) { other.fd_ = -1; }
  FolderLock(const FolderLock&) = delete;
  FolderLock& operator=(const FolderLock&) = delete;
  FolderLock& operator=(FolderLock&&) = delete;

 private:
  std::filesystem::path path_;
  int fd_ = -1;
};

}  // namespace localsgd
