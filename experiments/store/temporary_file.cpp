#include "experiments/store/temporary_file.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace localsgd {

TemporaryFile::TemporaryFile(const std::filesystem::path& target) : target_(target) {
  // pid and a counter make the name fresh in practice; O_EXCL makes it certain (a name that
  // exists is skipped, never opened).
  static std::atomic<unsigned> counter{0};
  for (int attempt = 0; fd_ < 0; ++attempt) {
    path_ = target.parent_path() / fmt::format(".{}.tmp.{}.{}", target.filename().string(), ::getpid(), counter++);
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd_ < 0 && (errno != EEXIST || attempt > 100)) {
      throw std::runtime_error(fmt::format("{}: cannot create: {}", path_.string(), std::strerror(errno)));
    }
  }
}

TemporaryFile::~TemporaryFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_) ::unlink(path_.c_str());
}

void TemporaryFile::write(const char* data, std::size_t size) {
  std::size_t written = 0;
  while (written < size) {
    const ssize_t n = ::write(fd_, data + written, size - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw std::runtime_error(fmt::format("{}: cannot write: {}", path_.string(), std::strerror(errno)));
    written += static_cast<std::size_t>(n);
  }
}

void TemporaryFile::close() {
  if (fd_ < 0) return;
  const int result = ::close(fd_);
  fd_ = -1;
  if (result != 0) throw std::runtime_error(fmt::format("{}: cannot write: {}", path_.string(), std::strerror(errno)));
}

void TemporaryFile::commit() {
  close();
  std::error_code error;
  std::filesystem::rename(path_, target_, error);
  if (error) throw std::runtime_error(fmt::format("{}: cannot write: {}", target_.string(), error.message()));
  committed_ = true;
}

}  // namespace localsgd
