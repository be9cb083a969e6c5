#include "fuzz/read_back.hpp"

#include <fmt/format.h>

#include <bit>
#include <charconv>
#include <cmath>
#include <optional>

#include "experiments/store/csv.hpp"
#include "experiments/report/plots.hpp"
#include "experiments/store/results.hpp"
#include "fuzz/fuzz_check.hpp"

namespace localsgd::fuzz {

namespace {

bool same_double(double a, double b) {
  return (std::isnan(a) && std::isnan(b)) || std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b);
}

// The exact value of a number as written (shortest round-trip form, "inf", "nan"), or none.
std::optional<double> parse_double(const std::string& text) {
  double value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// The first difference between two JSON values, as "PATH: expected X, got Y" (JSON Patch paths).
std::string first_difference(const Json& expected, const Json& got) {
  const Json patch = Json::diff(expected, got);
  if (patch.empty()) return "equal as text but not as JSON (a non-finite number?)";
  const Json& op = patch.front();
  const std::string path = op.value("path", "");
  Json before = nullptr;
  try {
    before = expected.at(Json::json_pointer(path));
  } catch (const std::exception&) {
  }
  // A non-finite number dumps as null: show its value.
  const std::string in_memory = before.is_number_float() ? fmt::format("{}", before.get<double>()) : before.dump();
  return fmt::format("{}: in memory {}, read back {}", path.empty() ? "/" : path, in_memory,
                     op.contains("value") ? op.at("value").dump() : "(missing)");
}

// Lines as the plots' reader splits a file (std::getline, empty lines skipped), then fields.
std::vector<std::vector<std::string>> csv_rows(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    if (end > start) rows.push_back(split_csv_line(text.substr(start, end - start)));
    start = end + 1;
  }
  return rows;
}

std::string swept_text(const Json& value) { return value.is_string() ? value.get<std::string>() : value.dump(); }

// The columns every row starts with: run, variant, seed, the swept values.
std::vector<std::string> run_fields(const ExperimentSpec& spec, const RunSpec& run) {
  std::vector<std::string> fields = {std::to_string(run.index), run.variant, std::to_string(run.seed)};
  for (const auto& path : spec.swept_paths) fields.push_back(swept_text(run.swept.at(path)));
  return fields;
}

std::vector<std::string> header_fields(const ExperimentSpec& spec, std::vector<std::string> tail) {
  std::vector<std::string> fields = {"run", "variant", "seed"};
  fields.insert(fields.end(), spec.swept_paths.begin(), spec.swept_paths.end());
  fields.insert(fields.end(), tail.begin(), tail.end());
  return fields;
}

// The rows of FILE with the expected header; each row has as many fields as the header.
std::vector<std::vector<std::string>> read_csv(const std::filesystem::path& file, const std::vector<std::string>& header) {
  auto rows = csv_rows(read_whole_file(file));
  if (rows.empty() || rows.front() != header) finding(file.string() + ": the header does not read back");
  for (std::size_t i = 1; i < rows.size(); ++i) {
    if (rows[i].size() != header.size()) {
      finding(fmt::format("{}: line {} reads back as {} fields, the header has {}", file.string(), i + 1,
                          rows[i].size(), header.size()));
    }
  }
  rows.erase(rows.begin());
  return rows;
}

void expect_field(const std::filesystem::path& file, std::size_t line, const std::string& column,
                  const std::string& got, const std::string& expected) {
  if (got != expected) {
    finding(fmt::format("{}: line {}, column {}: wrote {:?}, reads back as {:?}", file.filename().string(), line + 2,
                        column, expected, got));
  }
}

void expect_number(const std::filesystem::path& file, std::size_t line, const std::string& column,
                   const std::string& got, double expected) {
  const auto value = parse_double(got);
  if (!value || !same_double(*value, expected)) {
    finding(fmt::format("{}: line {}, column {}: {} reads back as {:?}", file.filename().string(), line + 2, column,
                        expected, got));
  }
}

}  // namespace

void check_same_record(const RunRecord& expected, const RunRecord& got, const std::string& what) {
  if (expected.rows.size() != got.rows.size()) {
    finding(fmt::format("{}: {} metric rows instead of {}", what, got.rows.size(), expected.rows.size()));
  }
  for (std::size_t k = 0; k < got.rows.size(); ++k) {
    const Evaluation& a = expected.rows[k];
    const Evaluation& b = got.rows[k];
    if (a.step != b.step || a.round != b.round || a.samples != b.samples || !same_double(a.time, b.time) ||
        !same_double(a.loss, b.loss) || !same_double(a.gap, b.gap) || !same_double(a.grad_norm_sq, b.grad_norm_sq) ||
        !same_double(a.consensus, b.consensus)) {
      finding(fmt::format("{}: metric row {} differs", what, k));
    }
  }
  if (const Json a = to_json(expected.summary), b = to_json(got.summary); a != b) {
    finding(fmt::format("{}: summary differs at {}", what, first_difference(a, b)));
  }
}

void check_metrics_csv(const std::filesystem::path& dir, const ExperimentSpec& spec,
                       const std::vector<RunRecord>& records) {
  static const std::vector<std::string> metrics = {"step", "round", "samples", "time", "loss", "gap", "grad_norm_sq",
                                                   "consensus"};
  const auto file = dir / "metrics.csv";
  const auto header = header_fields(spec, metrics);
  const auto rows = read_csv(file, header);
  std::size_t line = 0;
  for (std::size_t i = 0; i < records.size(); ++i) {
    const auto prefix = run_fields(spec, spec.runs[i]);
    for (const Evaluation& e : records[i].rows) {
      if (line >= rows.size()) finding(fmt::format("{}: only {} rows read back", file.string(), rows.size()));
      const auto& row = rows[line];
      for (std::size_t c = 0; c < prefix.size(); ++c) expect_field(file, line, header[c], row[c], prefix[c]);
      const std::size_t m = prefix.size();
      expect_field(file, line, "step", row[m], std::to_string(e.step));
      expect_field(file, line, "round", row[m + 1], std::to_string(e.round));
      expect_field(file, line, "samples", row[m + 2], std::to_string(e.samples));
      const double values[] = {e.time, e.loss, e.gap, e.grad_norm_sq, e.consensus};
      for (std::size_t k = 0; k < 5; ++k) expect_number(file, line, metrics[3 + k], row[m + 3 + k], values[k]);
      ++line;
    }
  }
  if (line != rows.size()) finding(fmt::format("{}: {} rows read back, {} written", file.string(), rows.size(), line));
}

void check_time_to_target_csv(const std::filesystem::path& dir, const ExperimentSpec& spec,
                              const std::vector<RunRecord>& records) {
  const auto file = dir / "time_to_target.csv";
  const auto header =
      header_fields(spec, {"metric", "value", "check", "reached", "step", "round", "samples", "time", "at_sync"});
  const auto rows = read_csv(file, header);
  std::size_t line = 0;
  for (std::size_t i = 0; i < records.size(); ++i) {
    const auto prefix = run_fields(spec, spec.runs[i]);
    for (const TargetOutcome& target : records[i].summary.targets) {
      if (line >= rows.size()) finding(fmt::format("{}: only {} rows read back", file.string(), rows.size()));
      const auto& row = rows[line];
      for (std::size_t c = 0; c < prefix.size(); ++c) expect_field(file, line, header[c], row[c], prefix[c]);
      const std::size_t m = prefix.size();
      expect_field(file, line, "metric", row[m], metric_name(target.target.metric));
      expect_number(file, line, "value", row[m + 1], target.target.value);
      expect_field(file, line, "check", row[m + 2], check_name(target.target.check));
      expect_field(file, line, "reached", row[m + 3], target.hit ? "true" : "false");
      if (const auto& hit = target.hit) {
        expect_field(file, line, "step", row[m + 4], std::to_string(hit->step));
        expect_field(file, line, "round", row[m + 5], std::to_string(hit->round));
        expect_field(file, line, "samples", row[m + 6], std::to_string(hit->samples));
        expect_number(file, line, "time", row[m + 7], hit->time);
        expect_field(file, line, "at_sync", row[m + 8], hit->at_sync ? "true" : "false");
      } else {
        for (std::size_t c = m + 4; c < row.size(); ++c) expect_field(file, line, header[c], row[c], "");
      }
      ++line;
    }
  }
  if (line != rows.size()) finding(fmt::format("{}: {} rows read back, {} written", file.string(), rows.size(), line));
}

namespace {

// DIR/NAME parses to `expected`.
void check_json_file(const std::filesystem::path& dir, const std::string& name, const Json& expected) {
  Json got;
  try {
    got = Json::parse(read_whole_file(dir / name));
  } catch (const std::exception& e) {
    finding(fmt::format("{} does not parse: {}", name, e.what()));
  }
  if (got != expected) finding(name + ": " + first_difference(expected, got));
}

}  // namespace

void check_summary_json(const std::filesystem::path& dir, const ExperimentSpec& spec,
                        const std::vector<RunRecord>& records) {
  check_json_file(dir, "summary.json", summary_json(spec, records));
}

void check_checks_json(const std::filesystem::path& dir, const std::vector<CheckResult>& results) {
  if (results.empty()) return;
  check_json_file(dir, "checks.json", checks_json(results));
}

void check_plot_data(const std::filesystem::path& dir, const std::filesystem::path& scratch) {
  const Json resolved = Json::parse(read_whole_file(dir / "spec.resolved.json"));
  for (const Json& plot_json : resolved.at("plots")) {
    // render_plots stops at the first plot when gnuplot is missing: give it one plot at a time.
    empty_folder(scratch);
    Json one = resolved;
    one["plots"] = Json::array({plot_json});
    write_file_atomically(scratch / "spec.resolved.json", one.dump(2) + "\n");
    for (const char* name : {"metrics.csv", "summary.json", "time_to_target.csv"}) {
      std::filesystem::copy_file(dir / name, scratch / name);
    }
    const std::string stem = PlotSpec::from_json(plot_json).file_stem();
    PlotOutcome outcome;
    try {
      outcome = render_plots(scratch);
    } catch (const std::exception& e) {
      finding(fmt::format("plot {}: the plots cannot read the results: {}", stem, e.what()));
    }
    if (!outcome.written.empty() || outcome.warnings.size() != 1) {
      finding(fmt::format("plot {}: {} PNG files and {} warnings without gnuplot", stem, outcome.written.size(),
                          outcome.warnings.size()));
    }
    for (const auto& row : csv_rows(read_whole_file(scratch / "plots" / (stem + ".dat")))) {
      if (row.size() != 1 || row[0].empty() || row[0][0] == '#') continue;
      std::size_t numbers = 0;
      std::size_t start = 0;
      const std::string& text = row[0];
      while (start < text.size()) {
        const std::size_t end = std::min(text.find(' ', start), text.size());
        if (!parse_double(text.substr(start, end - start))) finding(fmt::format("plot {}: bad .dat row {:?}", stem, text));
        ++numbers;
        start = end + 1;
      }
      if (numbers != 5) finding(fmt::format("plot {}: .dat row {:?} has {} numbers", stem, text, numbers));
    }
  }
}

}  // namespace localsgd::fuzz
