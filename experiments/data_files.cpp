#include "experiments/data_files.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <utility>

#include "problems/libsvm.hpp"

namespace localsgd {

std::filesystem::path resolve_data_path(const std::filesystem::path& file, const std::filesystem::path& base_folder) {
  return (file.is_relative() ? base_folder / file : file).lexically_normal();
}

namespace {

// Files parsed so far, per (canonical path, dim), one map per kind of data.
std::mutex mutex;
using Key = std::pair<std::string, Index>;
std::map<Key, std::shared_ptr<const ClassificationData>> classification_files;
std::map<Key, std::shared_ptr<const RegressionData>> regression_files;

// Parses `path` once per process for each (file, dim, kind) and shares the result.
template <class Data, class Convert>
std::shared_ptr<const Data> load_once(std::map<Key, std::shared_ptr<const Data>>& loaded,
                                      const std::filesystem::path& path, std::optional<Index> dim, bool real_labels,
                                      const Convert& convert) {
  std::error_code error;
  const std::filesystem::path absolute = std::filesystem::weakly_canonical(path, error);
  const Key key{(error ? path : absolute).string(), dim.value_or(-1)};
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
  options.real_labels = real_labels;
  LibsvmData data;
  try {
    data = parse_libsvm(in, path.string(), options);
  } catch (const LibsvmError& e) {
    throw DataFileError(e.what());
  }
  std::shared_ptr<const Data> result = convert(std::move(data), fmt::format("LIBSVM file {}", path.string()));
  loaded.emplace(key, result);
  return result;
}

}  // namespace

void clear_data_file_cache() {
  const std::lock_guard lock(mutex);
  classification_files.clear();
  regression_files.clear();
}

std::shared_ptr<const ClassificationData> load_libsvm_classification(const std::filesystem::path& path,
                                                                      std::optional<Index> dim) {
  return load_once<ClassificationData>(classification_files, path, dim, false, classification_data_from_libsvm);
}

std::shared_ptr<const RegressionData> load_libsvm_regression(const std::filesystem::path& path,
                                                              std::optional<Index> dim) {
  return load_once<RegressionData>(regression_files, path, dim, true, regression_data_from_libsvm);
}

}  // namespace localsgd
