#include "experiments/store/folder_lock.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>
#include <thread>

namespace localsgd {

namespace {

// Whether a process with this PID exists (EPERM: it does, as another user's).
bool alive(const std::string& pid) {
  errno = 0;
  return ::kill(static_cast<pid_t>(std::stol(pid)), 0) == 0 || errno == EPERM;
}

// The PID the holder wrote into the lock file. The holder writes it just after taking the lock,
// so a loser that reads too early may find the file empty, or still holding the PID of a killed
// earlier holder (no longer alive): it retries for up to a second.
std::string holder_pid(int fd) {
  for (int attempt = 0; attempt < 100; ++attempt) {
    char text[32] = {};
    const ssize_t n = ::pread(fd, text, sizeof text - 1, 0);
    std::string pid(text, n > 0 ? static_cast<std::size_t>(n) : 0);
    while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
    if (!pid.empty() && pid.size() < 10 && pid.find_first_not_of("0123456789") == std::string::npos && alive(pid)) {
      return pid;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return "unknown";
}

}  // namespace

FolderLock::FolderLock(const std::filesystem::path& dir) : path_(dir / kLockFileName) {
  for (int attempt = 0;; ++attempt) {
    // O_NOFOLLOW: a symbolic link planted under the lock's name is not followed (and not written).
    const int fd = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0) {
      throw std::runtime_error(fmt::format("{}: cannot create the lock file: {}", path_.string(), std::strerror(errno)));
    }
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      const int error = errno;
      if (error == EWOULDBLOCK) {
        const std::string pid = holder_pid(fd);
        ::close(fd);
        throw FolderBusy(fmt::format(
            "{}: is in use by another localsgd process (PID {}, which holds {}); wait until it ends, or choose "
            "another --out",
            dir.string(), pid, path_.string()));
      }
      ::close(fd);
      throw std::runtime_error(fmt::format("{}: cannot lock: {}", path_.string(), std::strerror(error)));
    }
    // The previous holder removes the file when it releases the lock: if it did so between our
    // open and our flock, we hold a lock on a file nobody else will open. Then try again.
    struct stat opened {}, named {};
    if (::fstat(fd, &opened) == 0 && ::stat(path_.c_str(), &named) == 0 && opened.st_dev == named.st_dev &&
        opened.st_ino == named.st_ino) {
      fd_ = fd;
      break;
    }
    ::close(fd);
    if (attempt > 1000) throw std::runtime_error(fmt::format("{}: cannot lock: the file keeps changing", path_.string()));
  }
  const std::string pid = fmt::format("{}\n", ::getpid());
  if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
    const int error = errno;
    ::unlink(path_.c_str());
    ::close(fd_);
    throw std::runtime_error(fmt::format("{}: cannot write: {}", path_.string(), std::strerror(error)));
  }
}

FolderLock::~FolderLock() {
  if (fd_ < 0) return;
  // Removed while still held, so that nobody can lock it in between and then lose it.
  ::unlink(path_.c_str());
  ::close(fd_);
}

}  // namespace localsgd
