// experiments/catalog/data_files.hpp: where a spec's data file is, and loading it once per process.
#include "experiments/catalog/data_files.hpp"

#include <catch2/catch.hpp>
#include <filesystem>

using namespace localsgd;

namespace {
const std::filesystem::path kData = std::filesystem::path(LOCALSGD_SOURCE_DIR) / "data";
}  // namespace

TEST_CASE("data files: relative paths resolve against the spec folder; unreadable files are errors") {
  CHECK(resolve_data_path("x/y.txt", "/a/b") == std::filesystem::path("/a/b/x/y.txt"));
  CHECK(resolve_data_path("../y.txt", "/a/b") == std::filesystem::path("/a/y.txt"));
  CHECK(resolve_data_path("/abs/y.txt", "/a/b") == std::filesystem::path("/abs/y.txt"));
  CHECK_THROWS_WITH(load_libsvm_classification(kData / "missing.txt", std::nullopt),
                    Catch::Contains("cannot open") && Catch::Contains("missing.txt"));
  CHECK_THROWS_WITH(load_libsvm_classification(kData, std::nullopt), Catch::Contains("it is a folder"));
  const auto first = load_libsvm_classification(kData / "heart_scale", std::nullopt);
  CHECK(load_libsvm_classification(kData / "heart_scale", std::nullopt) == first);  // parsed once, shared
  CHECK(first->rows() == 270);
}
