#pragma once
// Opening the data files a spec names. The problems layer parses streams and never opens files;
// this is where paths are resolved (relative to the spec file's folder) and files are read.
// Each file is parsed once per process and shared read-only by every run that uses it.
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>

#include "problems/classification_data.hpp"
#include "problems/regression_data.hpp"

namespace localsgd {

// An unreadable or malformed data file; the message names the file (and the line, if malformed).
class DataFileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// `file` as written in the spec, resolved against `base_folder` when relative.
std::filesystem::path resolve_data_path(const std::filesystem::path& file, const std::filesystem::path& base_folder);

// A LIBSVM file with binary labels (see problems/libsvm.hpp), with `dim` features if given.
std::shared_ptr<const ClassificationData> load_libsvm_classification(const std::filesystem::path& path,
                                                                      std::optional<Index> dim);

// A LIBSVM file whose labels are real-valued regression targets, with `dim` features if given.
std::shared_ptr<const RegressionData> load_libsvm_regression(const std::filesystem::path& path,
                                                              std::optional<Index> dim);
// Forgets every loaded file (for long-lived processes such as a fuzzer).
void clear_data_file_cache();

}  // namespace localsgd
