// The `localsgd` command line (DESIGN.md §4).
//
// Exit codes: 0 success; 1 an I/O or internal failure; 2 invalid input (spec or usage);
// 3 every run finished but at least one diverged.
#include <fmt/format.h>
#include <tbb/global_control.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <map>

#include "experiments/catalog.hpp"
#include "experiments/plots.hpp"
#include "experiments/results.hpp"
#include "experiments/runner.hpp"
#include "experiments/spec.hpp"

namespace localsgd {
namespace {

constexpr int kExitFailure = 1;
constexpr int kExitInvalidInput = 2;
constexpr int kExitDiverged = 3;

std::string describe_run(const RunSpec& r) {
  std::string text = fmt::format("{} seed={}", r.variant, r.seed);
  for (const auto& [path, value] : r.swept.items()) text += fmt::format(" {}={}", path, value.dump());
  return text;
}

int command_validate(const std::string& spec_file) {
  const ExperimentSpec spec = load_spec(spec_file);
  std::size_t grid = 1;
  if (spec.resolved.contains("sweep")) {
    for (const auto& [path, values] : spec.resolved.at("sweep").items()) grid *= values.size();
  }
  fmt::print("{}: valid. {} runs = {} variants x {} sweep points x {} seeds\n", spec_file, spec.runs.size(),
             spec.variants.size(), grid, spec.seeds.size());
  for (const RunSpec& r : spec.runs) {
    fmt::print("  run {:>4}  {}  p={} T={} B={} schedule={} step_size={}\n", r.index, describe_run(r), r.workers,
               r.steps, r.batch, r.schedule.type(), r.step_size.type());
  }
  return 0;
}

int command_run(const std::string& spec_file, std::string out, int threads, bool quiet) {
  const ExperimentSpec spec = load_spec(spec_file);
  const std::filesystem::path dir = out.empty() ? std::filesystem::path("out") / spec.name : std::filesystem::path(out);
  if (std::filesystem::exists(dir) && !std::filesystem::is_directory(dir)) {
    fmt::print(stderr, "error: --out {}: exists and is not a folder\n", dir.string());
    return kExitInvalidInput;
  }
  std::unique_ptr<tbb::global_control> limit;
  if (threads > 0) {
    limit = std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism,
                                                  static_cast<std::size_t>(threads));
  }
  const bool terminal = ::isatty(STDERR_FILENO) != 0;
  const auto outcomes = execute_runs(spec, [&](const RunOutcome& o, std::size_t done) {
    if (quiet) return;
    const std::string status = o.report.termination == Termination::diverged
                                   ? fmt::format("DIVERGED at step {}", o.report.steps_done)
                                   : fmt::format("gap {:.3e}", o.rows.empty() ? 0.0 : o.rows.back().gap);
    fmt::print(stderr, "{}[{}/{}] {}: {} ({:.2f} s){}", terminal ? "\r\033[K" : "", done, spec.runs.size(),
               describe_run(*o.spec), status, o.wall_seconds, terminal && done < spec.runs.size() ? "" : "\n");
  });
  write_results(dir, spec, outcomes);
  const PlotOutcome plots = render_plots(dir);
  for (const auto& warning : plots.warnings) fmt::print(stderr, "warning: {}\n", warning);

  // One line per variant (and sweep point): means over seeds of the final metrics.
  struct Totals {
    double gap = 0, rounds = 0, time = 0;
    int runs = 0, diverged = 0;
  };
  std::map<std::string, Totals> by_curve;
  std::vector<std::string> order;
  for (const RunOutcome& o : outcomes) {
    std::string key = o.spec->variant;
    for (const auto& [path, value] : o.spec->swept.items()) key += fmt::format(" {}={}", path, value.dump());
    if (!by_curve.contains(key)) order.push_back(key);
    Totals& t = by_curve[key];
    ++t.runs;
    if (o.report.termination == Termination::diverged) {
      ++t.diverged;
      continue;
    }
    t.gap += o.rows.back().gap;
    t.rounds += o.report.rounds;
    t.time += o.report.virtual_time;
  }
  fmt::print("{:<40} {:>12} {:>8} {:>14}\n", "variant (mean over seeds)", "final gap", "rounds", "virtual time");
  int diverged = 0;
  for (const auto& key : order) {
    const Totals& t = by_curve[key];
    diverged += t.diverged;
    const double n = t.runs - t.diverged;
    if (n == 0) {
      fmt::print("{:<40} {:>12}\n", key, "diverged");
      continue;
    }
    fmt::print("{:<40} {:>12.4e} {:>8.1f} {:>12.3f} s{}\n", key, t.gap / n, t.rounds / n, t.time / n,
               t.diverged ? fmt::format("  ({} of {} runs diverged)", t.diverged, t.runs) : "");
  }
  fmt::print("results: {} (metrics.csv, summary.json, spec.resolved.json, {} plots)\n", dir.string(),
             plots.written.size());
  return diverged > 0 ? kExitDiverged : 0;
}

int command_plot(const std::string& dir) {
  const PlotOutcome plots = render_plots(dir);
  for (const auto& warning : plots.warnings) fmt::print(stderr, "warning: {}\n", warning);
  for (const auto& file : plots.written) fmt::print("{}\n", file.string());
  return plots.warnings.empty() ? 0 : kExitFailure;
}

template <class Product>
void print_registry(const Registry<Product>& registry, const std::string& key) {
  fmt::print("{} ({}): {}\n", registry.family(), key, registry.help());
  for (const auto& entry : registry.entries()) {
    fmt::print("  {:<16} {}\n", entry.name, entry.help);
    for (const auto& p : entry.params) {
      const std::string fallback =
          p.fallback.is_null() ? (p.is_optional ? "optional" : "required") : "default " + p.fallback.dump();
      const std::string condition = p.condition ? "; " + p.describe_condition() : "";
      fmt::print("      {:<16} {} ({}{}): {}\n", p.name, p.describe_rule(), fallback, condition, p.help);
    }
  }
  fmt::print("\n");
}

int command_list() {
  print_registry(problem_registry(), "problem.type");
  print_registry(schedule_registry(), "schedule.type");
  print_registry(step_size_registry(), "step_size.type");
  print_registry(optimizer_registry(), "optimizer.type");
  print_registry(compute_registry(), "clock.compute.type");
  print_registry(network_registry(), "clock.network.type");
  return 0;
}

}  // namespace
}  // namespace localsgd

int main(int argc, char** argv) {
  using namespace localsgd;
  CLI::App app{"localsgd: a simulator of distributed local SGD with periodic averaging"};
  app.require_subcommand(1);

  std::string spec_file, out, dir;
  int threads = 0;
  bool quiet = false;
  auto* run = app.add_subcommand("run", "run every run of a spec and write the results folder");
  run->add_option("spec", spec_file, "spec file (JSON)")->required();
  run->add_option("--out", out, "results folder (default: out/<spec name>)");
  run->add_option("--threads", threads, "worker threads (default: all cores)")->check(CLI::PositiveNumber);
  run->add_flag("--quiet", quiet, "no progress lines");
  auto* validate = app.add_subcommand("validate", "check a spec and print the expanded run list");
  validate->add_option("spec", spec_file, "spec file (JSON)")->required();
  auto* plot = app.add_subcommand("plot", "redraw the plots of a results folder from its metrics.csv");
  plot->add_option("dir", dir, "results folder")->required();
  app.add_subcommand("list", "list every problem, schedule, step size, optimizer and clock model");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : kExitInvalidInput;
  }
  try {
    if (*run) return command_run(spec_file, out, threads, quiet);
    if (*validate) return command_validate(spec_file);
    if (*plot) return command_plot(dir);
    return command_list();
  } catch (const SpecFileError& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return kExitInvalidInput;
  } catch (const std::exception& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return kExitFailure;
  }
}
