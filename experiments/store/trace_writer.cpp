#include "experiments/store/trace_writer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "experiments/store/results.hpp"
#include "experiments/store/temporary_file.hpp"

namespace localsgd {

namespace fs = std::filesystem;

namespace {

fs::path beside_record(const RunStore& store, const RunSpec& run, const char* extension) {
  fs::path path = store.path_of(run);
  return path.replace_extension(extension);
}

std::string read_whole(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(fmt::format("{}: cannot read the run's trace file", path.string()));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Appends `text`'s lines after its header, each as "RUN," + the line with `missing` empty fields
// inserted before its last `tail` fields.
void append_rows(std::string& out, const std::string& text, std::size_t run, long missing, int tail) {
  std::size_t at = text.find('\n');
  if (at == std::string::npos) return;
  ++at;
  const std::string padding(static_cast<std::size_t>(std::max(missing, 0L)), ',');
  while (at < text.size()) {
    std::size_t end = text.find('\n', at);
    if (end == std::string::npos) end = text.size();
    std::string_view line(text.data() + at, end - at);
    out += fmt::format("{},", run);
    if (padding.empty()) {
      out += line;
    } else {
      std::size_t split = line.size();
      for (int k = 0; k < tail; ++k) split = line.rfind(',', split - 1);
      out += line.substr(0, split);
      out += padding;
      out += line.substr(split);
    }
    out += '\n';
    at = end + 1;
  }
}

// The most coordinates any traced run of `spec` records; 0 if no run has a trace.
long traced_coordinates(const ExperimentSpec& spec) {
  long coordinates = 0;
  for (const RunSpec& run : spec.runs) {
    if (run.trace) coordinates = std::max(coordinates, run.trace->coordinates);
  }
  return coordinates;
}

std::string trace_header(long coordinates) {
  std::string trace = "run,step,round,worker";
  for (long c = 0; c < coordinates; ++c) trace += fmt::format(",x{}", c);
  return trace + ",loss,dist_to_mean\n";
}

const char* const kRoundsHeader = "run,round,worker,compute_seconds,idle_seconds,steps\n";

}  // namespace

fs::path run_trace_path(const RunStore& store, const RunSpec& run) { return beside_record(store, run, ".trace.csv"); }
fs::path run_rounds_path(const RunStore& store, const RunSpec& run) { return beside_record(store, run, ".rounds.csv"); }

bool has_run_traces(const RunStore& store, const RunSpec& run) {
  std::error_code error;
  return fs::is_regular_file(run_trace_path(store, run), error) && fs::is_regular_file(run_rounds_path(store, run), error);
}

void save_run_traces(const RunStore& store, const RunSpec& run, const std::string& trace_csv,
                     const std::string& rounds_csv) {
  fs::create_directories(store.path_of(run).parent_path());
  write_file_atomically(run_trace_path(store, run), trace_csv);
  write_file_atomically(run_rounds_path(store, run), rounds_csv);
}

bool write_trace_outputs(const fs::path& dir, const ExperimentSpec& spec) {
  const long coordinates = traced_coordinates(spec);
  if (coordinates == 0) return false;
  const RunStore store(dir);
  // Written run by run into the temporaries (renamed over the targets at the end): the folder's
  // files may hold many runs' traces, but only one run's is in memory at a time.
  TemporaryFile trace_file(dir / "trace.csv"), rounds_file(dir / "rounds.csv");
  std::string trace = trace_header(coordinates);
  std::string rounds = kRoundsHeader;
  for (const RunSpec& run : spec.runs) {
    if (!run.trace) continue;
    append_rows(trace, read_whole(run_trace_path(store, run)), run.index, coordinates - run.trace->coordinates, 2);
    append_rows(rounds, read_whole(run_rounds_path(store, run)), run.index, 0, 0);
    trace_file.write(trace.data(), trace.size());
    rounds_file.write(rounds.data(), rounds.size());
    trace.clear();
    rounds.clear();
  }
  trace_file.write(trace.data(), trace.size());  // the headers, if no run wrote rows
  rounds_file.write(rounds.data(), rounds.size());
  trace_file.commit();
  rounds_file.commit();
  return true;
}

std::optional<TraceTables> trace_tables(const ExperimentSpec& spec, const std::vector<RunTraces>& traces) {
  const long coordinates = traced_coordinates(spec);
  if (coordinates == 0) return std::nullopt;
  TraceTables tables{trace_header(coordinates), kRoundsHeader};
  for (std::size_t i = 0; i < spec.runs.size(); ++i) {
    const RunSpec& run = spec.runs[i];
    if (!run.trace) continue;
    append_rows(tables.trace_csv, traces.at(i).trace_csv, run.index, coordinates - run.trace->coordinates, 2);
    append_rows(tables.rounds_csv, traces.at(i).rounds_csv, run.index, 0, 0);
  }
  return tables;
}

}  // namespace localsgd
