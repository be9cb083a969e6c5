// libFuzzer target: the spec loader (strict JSON reading, validation, expansion, the memory
// estimate, building the problems a spec names), and running the runs of small specs. Any input must end in a SpecFileError (a clear
// message) or a valid spec; anything else (another exception, a crash, a sanitizer report, a hang
// or a huge allocation) is a finding. scripts/fuzz.sh runs it; CI replays fuzz/corpus/spec_loader.
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string_view>

#include "experiments/store/csv.hpp"
#include "experiments/catalog/data_files.hpp"
#include "experiments/report/explain.hpp"
#include "experiments/store/results.hpp"
#include "experiments/run/runner.hpp"
#include "experiments/spec/spec.hpp"
#include "experiments/language/spec_error.hpp"

namespace {

// Relative data paths resolve against an empty folder (absolute ones reach the real file system).
const std::filesystem::path& base_folder() {
  static const std::filesystem::path folder = [] {
    std::string pattern = (std::filesystem::temp_directory_path() / "localsgd-fuzz-XXXXXX").string();
    const char* made = ::mkdtemp(pattern.data());
    return std::filesystem::path(made ? made : "/nonexistent");
  }();
  return folder;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace localsgd;
  SpecOptions options;
  // A small budget keeps each input fast: problems that would need more are refused unbuilt.
  options.memory_limit = MemoryLimit{16u << 20, "the fuzzer's limit"};
  options.threads = 2;
  try {
    const ExperimentSpec spec =
        parse_spec_text(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.json", base_folder(), options);
    // A valid spec: its resolved form must read back as the same spec, and explain must work.
    const ExperimentSpec again = parse_spec(spec.resolved, spec.name, base_folder(), options);
    if (again.resolved != spec.resolved || again.runs.size() != spec.runs.size()) std::abort();
    if (spec.runs.size() <= 16) (void)explain_spec(spec);
    // A small spec is also run (no files): the engine, divergence, records and the output texts.
    double work = 0;
    for (const RunSpec& run : spec.runs) work += static_cast<double>(run.steps) * run.workers * run.batch;
    if (work <= 20000) {
      const RunsResult result = execute_runs(spec, nullptr, [](auto&&...) {});
      if (result.interrupted || result.finished != spec.runs.size()) std::abort();
      // What the tool writes it must read back (a CsvError escaping is a finding): every row,
      // every label byte for byte.
      const CsvTable metrics = parse_csv(metrics_csv(spec, result.records), "metrics.csv");
      std::size_t row = 0;
      for (std::size_t i = 0; i < spec.runs.size(); ++i) {
        for (std::size_t k = 0; k < result.records[i].rows.size(); ++k, ++row) {
          if (row >= metrics.rows.size() || metrics.rows[row][1] != spec.runs[i].variant) std::abort();
        }
      }
      if (row != metrics.rows.size()) std::abort();
      (void)summary_json(spec, result.records).dump();
      (void)parse_csv(time_to_target_csv(spec, result.records), "time_to_target.csv");
      // Every record reads back from its text as the same record (runs/*.json; a rerun reuses it).
      for (const RunRecord& record : result.records) {
        const RunRecord back = record_from_json(Json::parse(record_to_json(record).dump()));
        if (to_json(back.summary) != to_json(record.summary) || back.rows.size() != record.rows.size()) std::abort();
        if (record_to_json(back) != record_to_json(record)) std::abort();
      }
    }
  } catch (const SpecFileError&) {
  } catch (const SpecError&) {
    std::abort();  // parse_spec of a resolved spec must not fail
  }
  clear_data_file_cache();
  return 0;
}
