#include "experiments/catalog/data_files.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <utility>

#include "experiments/catalog/input_files.hpp"
#include "experiments/catalog/sha256.hpp"
#include "problems/libsvm.hpp"

namespace localsgd {

std::filesystem::path resolve_data_path(const std::filesystem::path& file, const std::filesystem::path& base_folder) {
  return (file.is_relative() ? base_folder / file : file).lexically_normal();
}

namespace {

// Files parsed so far, per (canonical path, dim), one map per kind of data, with the hash of the
// bytes each was parsed from.
template <class Data>
struct Loaded {
  std::shared_ptr<const Data> data;
  InputFile file;
};
std::mutex mutex;
using Key = std::pair<std::string, Index>;
std::map<Key, Loaded<ClassificationData>> classification_files;
std::map<Key, Loaded<RegressionData>> regression_files;

// Reads a file for the parser and hashes every byte it hands out, so that the digest is that of
// exactly the bytes parsed (a file replaced while being read cannot give data and a hash of two
// different contents) and the file is read only once.
class HashingReader : public std::streambuf {
 public:
  bool open(const std::filesystem::path& path) { return file_.open(path, std::ios::in | std::ios::binary) != nullptr; }
  // Hashes whatever the parser left unread (normally nothing), then returns the digest.
  InputFile finish(const std::filesystem::path& path) {
    while (underflow() != traits_type::eof()) setg(buffer_, buffer_ + chunk_, buffer_ + chunk_);
    return {path.string(), hash_.hex_digest(), bytes_};
  }

 protected:
  int_type underflow() override {
    if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
    const std::streamsize n = file_.sgetn(buffer_, sizeof buffer_);
    chunk_ = n > 0 ? static_cast<std::size_t>(n) : 0;
    if (chunk_ == 0) return traits_type::eof();
    hash_.update(buffer_, chunk_);
    bytes_ += chunk_;
    setg(buffer_, buffer_, buffer_ + chunk_);
    return traits_type::to_int_type(*gptr());
  }

 private:
  std::filebuf file_;
  char buffer_[1 << 16];
  std::size_t chunk_ = 0;
  Sha256 hash_;
  std::uintmax_t bytes_ = 0;
};

// Parses `path` once per process for each (file, dim, kind) and shares the result.
// Every use, cached or not, is reported to the caller's InputRecording (experiments/catalog/input_files.hpp).
template <class Data, class Convert>
std::shared_ptr<const Data> load_once(std::map<Key, Loaded<Data>>& loaded,
                                      const std::filesystem::path& path, std::optional<Index> dim, bool real_labels,
                                      const Convert& convert) {
  std::error_code error;
  const std::filesystem::path absolute = std::filesystem::weakly_canonical(path, error);
  const Key key{(error ? path : absolute).string(), dim.value_or(-1)};
  const std::lock_guard lock(mutex);
  if (const auto found = loaded.find(key); found != loaded.end()) {
    report_input(found->second.file);
    return found->second.data;
  }

  if (std::filesystem::is_directory(path, error)) {
    throw DataFileError(fmt::format("cannot read \"{}\": it is a folder", path.string()));
  }
  // Not a device, a pipe or a socket: /dev/zero or a FIFO would never end.
  if (std::filesystem::exists(path, error) && !std::filesystem::is_regular_file(path, error)) {
    throw DataFileError(fmt::format("cannot read \"{}\": it is not a regular file", path.string()));
  }
  errno = 0;
  HashingReader reader;
  if (!reader.open(path)) {
    throw DataFileError(fmt::format("cannot open \"{}\" for reading{}", path.string(),
                                    errno != 0 ? std::string(": ") + std::strerror(errno) : std::string()));
  }
  LibsvmOptions options;
  options.dim = dim;
  options.real_labels = real_labels;
  LibsvmData data;
  std::istream in(&reader);
  try {
    data = parse_libsvm(in, path.string(), options);
  } catch (const LibsvmError& e) {
    throw DataFileError(e.what());
  }
  const InputFile file = reader.finish(path);
  std::shared_ptr<const Data> result = convert(std::move(data), fmt::format("LIBSVM file {}", path.string()));
  loaded.emplace(key, Loaded<Data>{result, file});
  report_input(file);
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
