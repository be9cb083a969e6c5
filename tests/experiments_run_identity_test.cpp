// experiments/catalog/sha256.hpp, experiments/catalog/input_files.hpp and the run identity of
// experiments/store/run_store.hpp: a run's key covers the bytes of every data file its problem reads,
// for every problem type that reads one, also when the problem comes from the cache.
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <string>

#include "experiments/catalog/data_files.hpp"
#include "experiments/catalog/input_files.hpp"
#include "experiments/catalog/problem_cache.hpp"
#include "experiments/store/run_store.hpp"
#include "experiments/catalog/sha256.hpp"
#include "experiments/spec/spec.hpp"
#include "support/cli.hpp"

using namespace localsgd;
using test::ScratchDir;
using test::write_file;

namespace {

// `rows` LIBSVM lines with 3 features; `label` turns a row number into its label text.
template <class Label>
std::string libsvm_rows(int rows, double scale, const Label& label) {
  std::string text;
  for (int i = 0; i < rows; ++i) {
    text += label(i) + fmt::format(" 1:{} 2:{} 3:{}\n", scale * ((i * 7) % 11 - 5) / 5.0,
                                   scale * ((i * 3) % 7 - 3) / 3.0, ((i * 5) % 13 - 6) / 6.0);
  }
  return text;
}

std::string classification(double scale) {
  return libsvm_rows(40, scale, [](int i) { return std::string(i % 2 ? "+1" : "-1"); });
}
std::string regression(double scale) {
  return libsvm_rows(40, scale, [](int i) { return fmt::format("{}", (i % 9) / 4.0 - 1.0); });
}

ExperimentSpec spec_in(const ScratchDir& dir) {
  // The data file cache holds what this process read: forget it, as a new invocation would (each
  // spec has its own problem cache).
  clear_data_file_cache();
  const auto text = R"({
    "name": "identity",
    "problem": {"type": "logistic", "data": "libsvm", "file": "c.svm", "l2": 0.01},
    "workers": 2, "steps": 10, "schedule": {"type": "sync"},
    "step_size": {"type": "constant", "value": 0.1},
    "variants": [{"label": "logistic"},
                 {"label": "least squares", "problem": {"type": "least_squares", "design": "libsvm", "file": "r.svm"}},
                 {"label": "synthetic", "problem": {"type": "least_squares", "samples": 40, "dim": 3}}]
  })";
  return parse_spec_text(text, "identity.json", dir.path());
}

}  // namespace

TEST_CASE("SHA-256 gives the FIPS 180-4 test vectors, however the input is split") {
  CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const std::string two_blocks = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  CHECK(sha256_hex(two_blocks) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  const std::string million(1000000, 'a');
  CHECK(sha256_hex(million) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  for (const std::size_t first : {0, 1, 55, 56, 63, 64, 65, 1000}) {
    Sha256 split;
    split.update(std::string_view(million).substr(0, first));
    split.update(std::string_view(million).substr(first, 3));
    split.update(std::string_view(million).substr(first + 3));
    CHECK(split.hex_digest() == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  }
}

TEST_CASE("a run's inputs are the SHA-256 of the data files it reads, also from the problem cache") {
  ScratchDir dir;
  write_file(dir / "c.svm", classification(1.0));
  write_file(dir / "r.svm", regression(1.0));
  const ExperimentSpec spec = spec_in(dir);
  REQUIRE(spec.runs.size() == 3);
  for (int repeat = 0; repeat < 2; ++repeat) {  // the second time every problem is a cache hit
    const auto logistic = run_inputs(spec.runs[0]);
    REQUIRE(logistic.size() == 1);
    CHECK(logistic[0].path == (dir / "c.svm").string());
    CHECK(logistic[0].sha256 == sha256_hex(classification(1.0)));
    CHECK(logistic[0].bytes == classification(1.0).size());
    const auto least_squares = run_inputs(spec.runs[1]);
    REQUIRE(least_squares.size() == 1);
    CHECK(least_squares[0].sha256 == sha256_hex(regression(1.0)));
    CHECK(run_inputs(spec.runs[2]).empty());
  }
  // A recording outside sees nothing of the cache's inner one twice, and nothing after it ends.
  const InputRecording outer;
  run_inputs(spec.runs[0]);
  CHECK(outer.files().empty());
}

namespace {

// The keys of a spec's runs, taken right after it is parsed: the key of a run comes from the
// problem it was validated with (the problem cache), as within one invocation of localsgd.
std::vector<std::string> keys_in(const ScratchDir& dir) {
  const ExperimentSpec spec = spec_in(dir);
  std::vector<std::string> keys;
  for (const RunSpec& run : spec.runs) keys.push_back(run_key(run));
  return keys;
}

}  // namespace

TEST_CASE("a run's key changes with the bytes of its data file, not with rewriting the same bytes") {
  ScratchDir dir;
  write_file(dir / "c.svm", classification(1.0));
  write_file(dir / "r.svm", regression(1.0));
  const auto before = keys_in(dir);
  REQUIRE(before.size() == 3);

  // Same bytes written again (a new file, a new modification time): same keys.
  std::filesystem::remove(dir / "c.svm");
  write_file(dir / "c.svm", classification(1.0));
  CHECK(keys_in(dir) == before);

  // Other bytes in one file: only the runs that read it get new keys.
  write_file(dir / "r.svm", regression(1.5));
  const auto changed = keys_in(dir);
  CHECK(changed[0] == before[0]);
  CHECK(changed[1] != before[1]);
  CHECK(changed[2] == before[2]);

  write_file(dir / "c.svm", classification(2.0));
  const auto both = keys_in(dir);
  CHECK(both[0] != before[0]);
  CHECK(both[1] == changed[1]);
  CHECK(both[2] == before[2]);
  clear_data_file_cache();
}
