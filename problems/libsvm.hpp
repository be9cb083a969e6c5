#pragma once
// A parser for the LIBSVM / SVMlight sparse text format (Chang & Lin, LIBSVM FAQ and README):
// one sample per line,
//     <label> <index>:<value> <index>:<value> ...
// with 1-based feature indices in increasing order; absent features are zero. By default only
// binary labels are accepted, as +1/−1 (also written 1, +1.0, −1e0, …) or as 0/1; both are mapped
// to ±1. With `real_labels` (regression targets) any finite number is a label and is kept as
// written. Blank lines are skipped; a trailing '\r' (a file written on Windows) is ignored.
//
// The parser reads from a stream and never opens files (the experiments layer does that); every
// error names the source and the line.
#include <cstddef>
#include <istream>
#include <optional>
#include <stdexcept>
#include <string>

#include "problems/design_matrix.hpp"

namespace localsgd {

// Feature indices and rows are stored as 32-bit integers (Eigen's sparse storage).
constexpr long long kMaxLibsvmIndex = 2147483646;

struct LibsvmOptions {
  // Number of features d. Without it, d is the largest index in the file; with it, an index
  // above d is an error (a file need not use every index: a9a.t never uses feature 123).
  std::optional<Index> dim;
  // Regression: labels are real-valued targets, kept as they are.
  bool real_labels = false;
};

struct LibsvmData {
  SparseRowMatrix features;  // n × d, compressed
  Vector labels;             // ±1, or the targets as written with `real_labels`
  Index largest_index = 0;   // the largest feature index that occurs in the file
  bool zero_one_labels = false;  // the file wrote its labels as 0/1 (mapped 0 → −1)
};

// "SOURCE:LINE: rule", with the line number (1-based) also available on its own.
class LibsvmError : public std::runtime_error {
 public:
  LibsvmError(const std::string& source, std::size_t line, const std::string& rule);
  std::size_t line() const { return line_; }
  const std::string& rule() const { return rule_; }

 private:
  std::size_t line_;
  std::string rule_;
};

// Throws LibsvmError for a malformed line, and for a file without any sample.
LibsvmData parse_libsvm(std::istream& in, const std::string& source, const LibsvmOptions& options = {});

}  // namespace localsgd
