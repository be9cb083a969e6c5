// problems/libsvm.hpp and the LIBSVM loaders of experiments/catalog/data_files.hpp: the LIBSVM text
// format, the two real data sets in data/, storage choice, and errors that carry the line number.
#include "problems/libsvm.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "experiments/catalog/data_files.hpp"
#include "problems/classification_data.hpp"

using namespace localsgd;

namespace {

const std::filesystem::path kData = std::filesystem::path(LOCALSGD_SOURCE_DIR) / "data";

LibsvmData parse_text(const std::string& text, std::optional<Index> dim = std::nullopt) {
  std::istringstream in(text);
  LibsvmOptions options;
  options.dim = dim;
  return parse_libsvm(in, "test.txt", options);
}

// The message of the LibsvmError that parsing `text` throws, and its line.
std::pair<std::size_t, std::string> error_of(const std::string& text, std::optional<Index> dim = std::nullopt) {
  try {
    parse_text(text, dim);
  } catch (const LibsvmError& e) {
    return {e.line(), e.what()};
  }
  FAIL("no LibsvmError for " << text);
  return {};
}

LibsvmData parse_file(const std::filesystem::path& path, std::optional<Index> dim = std::nullopt) {
  std::ifstream in(path);
  REQUIRE(in);
  LibsvmOptions options;
  options.dim = dim;
  return parse_libsvm(in, path.string(), options);
}

}  // namespace

TEST_CASE("heart_scale: 270 rows, 13 features, 120 positive, a known first row; stored dense") {
  const LibsvmData data = parse_file(kData / "heart_scale");
  CHECK(data.features.rows() == 270);
  CHECK(data.features.cols() == 13);
  CHECK(data.largest_index == 13);
  CHECK((data.labels.array() > 0).count() == 120);
  CHECK((data.labels.array() < 0).count() == 150);
  CHECK_FALSE(data.zero_one_labels);
  // Line 1: "+1 1:0.708333 2:1 3:1 4:-0.320755 5:-0.105023 6:-1 7:1 8:-0.419847 9:-1 10:-0.225806 12:1 13:-1"
  const Eigen::RowVectorXd first = Eigen::MatrixXd(data.features).row(0);
  Eigen::RowVectorXd expected(13);
  expected << 0.708333, 1, 1, -0.320755, -0.105023, -1, 1, -0.419847, -1, -0.225806, 0, 1, -1;
  CHECK(first == expected);
  CHECK(data.labels[0] == 1.0);
  const auto stored = classification_data_from_libsvm(data, "heart_scale");
  CHECK_FALSE(stored->features.is_sparse());  // 96% of the entries are non-zero
  CHECK(stored->features.dense().row(0) == expected);
}

TEST_CASE("a9a.t: 16281 rows, 3846 positive, largest index 122, a known first row; stored sparse") {
  const LibsvmData data = parse_file(kData / "a9a.t");
  CHECK(data.features.rows() == 16281);
  CHECK(data.features.cols() == 122);  // from the largest index seen
  CHECK(data.features.nonZeros() == 225731);
  CHECK((data.labels.array() > 0).count() == 3846);
  CHECK((data.labels.array() < 0).count() == 12435);
  // Line 1: "-1 1:1 6:1 17:1 21:1 35:1 42:1 54:1 62:1 71:1 73:1 74:1 76:1 80:1 83:1"
  std::vector<Index> indices;
  for (SparseRowMatrix::InnerIterator it(data.features, 0); it; ++it) {
    indices.push_back(it.index() + 1);
    CHECK(it.value() == 1.0);
  }
  CHECK(indices == std::vector<Index>{1, 6, 17, 21, 35, 42, 54, 62, 71, 73, 74, 76, 80, 83});
  CHECK(data.labels[0] == -1.0);
  const LibsvmData wide = parse_file(kData / "a9a.t", 123);  // the training split's dimension
  CHECK(wide.features.cols() == 123);
  CHECK(wide.largest_index == 122);
  const auto stored = classification_data_from_libsvm(wide, "a9a.t");
  CHECK(stored->features.is_sparse());
  CHECK(stored->positives() == 3846);
}

TEST_CASE("LIBSVM text: 0/1 labels, +1.0 labels, blank lines, CRLF, tabs and explicit zeros") {
  const LibsvmData data = parse_text("1 1:0.5 3:2\r\n\n0\t2:-1e-3   3:0\n  \n1 3:4\n");
  REQUIRE(data.features.rows() == 3);
  CHECK(data.features.cols() == 3);
  CHECK(data.zero_one_labels);
  CHECK(data.labels == Eigen::Vector3d(1, -1, 1));
  CHECK(data.features.nonZeros() == 4);  // the explicit 3:0 is not stored
  CHECK(Eigen::MatrixXd(data.features)(1, 1) == -1e-3);
  CHECK(parse_text("+1.0 1:1\n-1 2:1\n").labels == Eigen::Vector2d(1, -1));
  CHECK(parse_text("+1 1:1\n", 5).features.cols() == 5);
}

TEST_CASE("malformed LIBSVM lines give an error naming the source and the line") {
  struct Bad {
    const char* text;
    std::size_t line;
    const char* message;
  };
  const Bad bad = GENERATE(
      Bad{"+1 1:1\nyes 1:1\n", 2, "test.txt:2: expected a label (a number) at the start of the line, got \"yes\""},
      Bad{"+1 1:1\n\n2 1:1\n", 3, "test.txt:3: label 2 is not a binary class label (expected +1/-1 or 0/1)"},
      Bad{"+1 1:1 4\n", 1, "test.txt:1: expected index:value, got \"4\""},
      Bad{"-1 0:1\n", 1, "test.txt:1: feature index must be an integer >= 1, got \"0\""},
      Bad{"-1 x:1\n", 1, "test.txt:1: feature index must be an integer >= 1, got \"x\""},
      Bad{"-1 1:1\n+1 5:1 3:1\n", 2, "test.txt:2: feature indices must increase along a line: 3 after 5"},
      Bad{"-1 1:1 2:1\n-1 2:1 2:3\n", 2, "test.txt:2: feature indices must increase along a line: 2 after 2"},
      Bad{"-1 1:abc\n", 1, "test.txt:1: feature 1 has no finite numeric value: \"abc\""},
      Bad{"-1 1:nan\n", 1, "test.txt:1: feature 1 has no finite numeric value: \"nan\""},
      Bad{"-1 1:\n", 1, "test.txt:1: feature 1 has no finite numeric value: \"\""},
      Bad{"0 1:1\n1 1:1\n-1 1:1\n", 3, "test.txt:3: label -1 mixes the +1/-1 convention with the 0/1 one (label 0 on line 1)"},
      Bad{"\n\n", 2, "test.txt:2: no samples (the file has no non-blank line)"});
  INFO(bad.text);
  const auto [line, message] = error_of(bad.text);
  CHECK(line == bad.line);
  CHECK(message == bad.message);
  const auto [dim_line, dim_message] = error_of("+1 1:1\n-1 2:1 9:2\n", 4);
  CHECK(dim_line == 2);
  CHECK(dim_message == "test.txt:2: feature index 9 exceeds the dimension 4");
}

TEST_CASE("LIBSVM text with real-valued labels (regression targets) keeps them as written") {
  std::istringstream in("2.5 1:1 3:-0.5\n-0.75 2:2\n0 1:4\n1e-3 3:1\n");
  LibsvmOptions options;
  options.real_labels = true;
  const LibsvmData data = parse_libsvm(in, "targets.txt", options);
  REQUIRE(data.labels.size() == 4);
  CHECK(data.labels[0] == 2.5);
  CHECK(data.labels[1] == -0.75);
  CHECK(data.labels[2] == 0.0);
  CHECK(data.labels[3] == 1e-3);
  std::istringstream bad("2.5 1:1\nnan 2:1\n");
  CHECK_THROWS_WITH(parse_libsvm(bad, "targets.txt", options), Catch::StartsWith("targets.txt:2:"));
  // Without the option, the same file is not a binary classification file.
  std::istringstream binary("2.5 1:1 3:-0.5\n");
  CHECK_THROWS_WITH(parse_libsvm(binary, "targets.txt"), Catch::Contains("is not a binary class label"));
}
