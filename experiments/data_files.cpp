#include "experiments/data_files.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <utility>

namespace localsgd {

std::filesystem::path resolve_data_path(const std::filesystem::path& file, const std::filesystem::path& base_folder) {
  return (file.is_relative() ? base_folder / file : file).lexically_normal();
}

namespace {

std::mutex mutex;
std::map<std::pair<std::string, Index>, std::shared_ptr<const ClassificationData>> loaded;

}  // namespace

void clear_data_file_cache() {
  const std::lock_guard lock(mutex);
  loaded.clear();
}

std::shared_ptr<const ClassificationData> load_libsvm_classification(const std::filesystem::path& path,
                                                                      std::optional<Index> dim) {
  std::error_code error;
  const std::filesystem::path absolute = std::filesystem::weakly_canonical(path, error);
  const std::pair key{(error ? path : absolute).string(), dim.value_or(-1)};
  const std::lock_guard lock(mutex);
  if (const auto found = loaded.find(key); found != loaded.end()) return found->second;

  if (std::filesystem::is_directory(path, error)) {
    throw DataFileError(fmt::format("cannot read \"{}\": it is a folder", path.string()));
  }
  // Not a device, a pipe or a socket: /dev/zero or a FIFO would never end.
  if (std::filesystem::exists(path, error) && !std::filesystem::is_regular_file(path, error)) {
    throw DataFileError(fmt::format("cannot read \"{}\": it is not a regular file", path.string()));
  }
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw DataFileError(fmt::format("cannot open \"{}\" for reading{}", path.string(),
                                    errno != 0 ? std::string(": ") + std::strerror(errno) : std::string()));
  }
  LibsvmOptions options;
  options.dim = dim;
  LibsvmData data;
  try {
    data = parse_libsvm(in, path.string(), options);
  } catch (const LibsvmError& e) {
    throw DataFileError(e.what());
  }
  auto result = classification_data_from_libsvm(std::move(data), fmt::format("LIBSVM file {}", path.string()));
  loaded.emplace(key, result);
  return result;
}

}  // namespace localsgd
