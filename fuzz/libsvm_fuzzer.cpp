// libFuzzer target: the LIBSVM reader, and the logistic problem built on what it accepts. Any input
// must end in a LibsvmError (naming the line) or data; small data sets are also turned into a
// logistic problem (Newton's method, constants), which may refuse them with std::invalid_argument
// but must not crash, hang or produce non-finite constants silently. scripts/fuzz.sh runs it; CI
// replays fuzz/corpus/libsvm.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>

#include "problems/classification_data.hpp"
#include "problems/libsvm.hpp"
#include "problems/logistic.hpp"
#include "problems/partition.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace localsgd;
  // The first byte chooses the options: a declared dimension (1..8), or none.
  LibsvmOptions options;
  if (size > 0 && data[0] % 9 != 0) options.dim = data[0] % 9;
  std::istringstream in(std::string(reinterpret_cast<const char*>(data) + (size > 0 ? 1 : 0), size > 0 ? size - 1 : 0));
  LibsvmData parsed;
  try {
    parsed = parse_libsvm(in, "fuzz.svm", options);
  } catch (const LibsvmError& e) {
    if (e.line() > size + 1) std::abort();  // the line number must exist
    return 0;
  }
  if (parsed.labels.size() == 0 || parsed.features.rows() != parsed.labels.size()) std::abort();
  for (Index j = 0; j < parsed.labels.size(); ++j) {
    if (parsed.labels[j] != 1.0 && parsed.labels[j] != -1.0) std::abort();
  }
  if (parsed.features.cols() > 64 || parsed.features.rows() > 2000) return 0;
  const auto rows = parsed.features.rows();
  const auto classification = classification_data_from_libsvm(std::move(parsed), "fuzz");
  try {
    const Logistic problem(classification, shared_partition(rows, 2), 1e-3);
    const ProblemConstants& c = problem.constants();
    (void)c;
  } catch (const std::invalid_argument&) {
  }
  return 0;
}
