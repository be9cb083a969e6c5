// localsgd._core: the C++ side of the Python package (python/localsgd/, docs/python.md). It reads
// specs, runs them and describes them with the command line's own functions, and hands texts and
// JSON back; the package turns them into DataFrames and dicts.
//
// Interrupts: a run executes on a thread of its own with the GIL released, while the calling
// thread waits in slices of 50 ms and, holding the GIL between slices, calls PyErr_CheckSignals.
// Python's SIGINT handler only sets a flag, so Ctrl-C is seen at the next slice: the run's stop
// flag is set (runs end at their next segment of steps, milliseconds), the thread is joined, and
// the KeyboardInterrupt that PyErr_CheckSignals raised propagates.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <atomic>
#include <chrono>
#include <exception>
#include <functional>
#include <future>
#include <thread>

#include "experiments/report/catalog_listing.hpp"
#include "experiments/catalog/memory.hpp"
#include "experiments/cli/command_line.hpp"
#include "experiments/report/explain.hpp"
#include "experiments/spec/spec_warnings.hpp"
#include "experiments/store/folder_lock.hpp"
#include "experiments/store/results_folder.hpp"
#include "in_process_run.hpp"
#include "spec_input.hpp"

namespace py = pybind11;

namespace localsgd::python {

namespace {

constexpr auto kSignalPoll = std::chrono::milliseconds(50);

SpecOptions spec_options(int threads, bool check_only) {
  SpecOptions options;
  options.threads = static_cast<std::size_t>(threads);
  options.memory_limit = available_memory();  // as the CLI without --max-memory
  options.check_only = check_only;
  return options;
}

SpecSource source_of(const std::optional<std::filesystem::path>& file, const std::string& text) {
  SpecSource source;
  source.file = file;
  source.text = text;
  return source;
}

ExperimentSpec read_without_gil(const SpecSource& source, const SpecOptions& options) {
  py::gil_scoped_release release;  // reading builds the problems: it may take a while
  return read_spec(source, options);
}

// Runs `work` on a thread of its own while this thread watches for signals (see the top).
// Returns normally once `work` finished; rethrows what it threw; raises KeyboardInterrupt (or what
// a signal handler raised) after stopping it.
void run_watching_signals(const std::function<void()>& work, std::atomic<bool>& stop) {
  std::promise<void> finished;
  std::future<void> done = finished.get_future();
  std::thread worker([&] {
    try {
      work();
      finished.set_value();
    } catch (...) {
      finished.set_exception(std::current_exception());
    }
  });
  bool signalled = false;
  {
    py::gil_scoped_release release;
    while (done.wait_for(kSignalPoll) != std::future_status::ready) {
      py::gil_scoped_acquire acquire;
      if (PyErr_CheckSignals() != 0) {  // the handler's exception is now set in this thread
        signalled = true;
        stop.store(true);
        break;
      }
    }
    worker.join();  // a stopped run ends at its next segment of steps
  }
  if (signalled) throw py::error_already_set();
  done.get();  // rethrows the run's exception, if any
}

py::dict run(const std::optional<std::filesystem::path>& file, const std::string& text, int threads,
             const std::optional<std::filesystem::path>& out, bool force) {
  const ExperimentSpec spec = read_without_gil(source_of(file, text), spec_options(threads, false));
  InProcessOptions options;
  options.threads = threads;
  options.out = out;
  options.force = force;
  std::atomic<bool> stop{false};
  InProcessResults results;
  run_watching_signals([&] { results = run_in_process(spec, options, stop); }, stop);
  py::dict d;
  d["interrupted"] = results.interrupted;
  d["name"] = spec.name;
  d["resolved"] = spec.resolved.dump(2) + "\n";
  d["metrics_csv"] = results.metrics_csv;
  d["runs_csv"] = results.runs_csv;
  d["summary_json"] = results.summary_json;
  d["time_to_target_csv"] = results.time_to_target_csv;
  d["trace_csv"] = results.trace_csv;
  d["rounds_csv"] = results.rounds_csv;
  d["checks_json"] = results.checks_json;
  d["warnings"] = results.warnings;
  return d;
}

// What `localsgd validate --runs` prints, as data.
py::dict validate(const std::optional<std::filesystem::path>& file, const std::string& text, int threads) {
  const ExperimentSpec spec = read_without_gil(source_of(file, text), spec_options(threads, true));
  py::list runs;
  for (const RunSpec& r : spec.runs) {
    py::dict run;
    run["run"] = r.index;
    run["variant"] = r.variant;
    run["seed"] = r.seed;
    run["swept"] = r.swept.dump();
    run["workers"] = r.workers;
    run["steps"] = r.steps;
    run["batch"] = r.batch;
    run["schedule"] = r.schedule.type();
    run["step_size"] = r.step_size.type();
    run["description"] = describe_run(r);
    runs.append(std::move(run));
  }
  py::dict memory;
  memory["bytes"] = spec.memory.total();
  memory["text"] = spec.memory.describe();
  memory["limit"] = spec.memory.describe_limit();
  py::dict d;
  d["name"] = spec.name;
  d["variants"] = spec.variants;
  d["seeds"] = spec.seeds;
  d["configurations"] = spec.runs.size() / spec.seeds.size();
  d["runs"] = runs;
  d["memory"] = memory;
  d["warnings"] = spec_warnings(spec);
  return d;
}

// `localsgd explain --json`, as its JSON text.
std::string explain(const std::optional<std::filesystem::path>& file, const std::string& text) {
  const ExperimentSpec spec = read_without_gil(source_of(file, text), spec_options(0, false));
  return explain_spec(spec).dump();
}

std::string explain_as_text(const std::string& explanation_json) {
  return explain_text(Json::parse(explanation_json));
}

// Raises the package's exception class `name` (localsgd/errors.py) with `args`.
template <class... Args>
void raise_package_error(const char* name, const char* message, Args&&... args) {
  const py::object type = py::module_::import("localsgd.errors").attr(name);
  const py::object error = type(message, std::forward<Args>(args)...);
  PyErr_SetObject(type.ptr(), error.ptr());
}

}  // namespace

}  // namespace localsgd::python

PYBIND11_MODULE(_core, m) {
  using namespace localsgd::python;
  m.doc() = "localsgd's C++ engine; use the package localsgd (docs/python.md)";
  py::register_exception_translator([](std::exception_ptr thrown) {
    try {
      if (thrown) std::rethrow_exception(thrown);
    } catch (const SpecInputError& e) {
      raise_package_error("SpecError", e.what(), e.pointer ? py::object(py::str(*e.pointer)) : py::object(py::none()),
                          e.rule, e.source);
    } catch (const localsgd::FolderConflict& e) {
      raise_package_error("ResultsFolderError", e.what());
    } catch (const localsgd::FolderBusy& e) {
      raise_package_error("ResultsFolderError", e.what());
    }
  });
  m.def("run", &run, py::arg("file"), py::arg("text"), py::arg("threads"), py::arg("out"), py::arg("force"));
  m.def("validate", &validate, py::arg("file"), py::arg("text"), py::arg("threads"));
  m.def("explain", &explain, py::arg("file"), py::arg("text"));
  m.def("explain_text", &explain_as_text, py::arg("explanation_json"));
  m.def("catalog", [] { return localsgd::catalog_listing().dump(); });
  m.def("catalog_text", [] { return localsgd::catalog_text(localsgd::catalog_listing()); });
  m.attr("max_threads") = localsgd::kMaxThreads;  // as `localsgd run --threads`
}
