// experiments/run/runner.hpp: runs in parallel give the records of runs one at a time; a stop request
// finishes nothing new, and runs that finished before it are kept.
#include "experiments/run/runner.hpp"

#include <tbb/global_control.h>

#include <catch2/catch.hpp>

#include "experiments/run/outcome_record.hpp"
#include "experiments/store/run_record.hpp"
#include "experiments/spec/spec.hpp"

using namespace localsgd;

namespace {

ExperimentSpec eight_runs() {
  return parse_spec(Json::parse(R"({
    "problem": {"type": "least_squares", "samples": 300, "dim": 4, "noise": 0.3},
    "workers": 3, "steps": 3000, "batch": 2,
    "step_size": {"type": "inverse_time", "eta0": 0.05, "t0": 50},
    "variants": [{"label": "sync", "schedule": {"type": "sync"}},
                 {"label": "tau=7", "schedule": {"type": "fixed", "period": 7}}],
    "seeds": 4,
    "eval": {"points": 20}
  })"),
                    "runner");
}

bool same_rows(const RunRecord& a, const RunRecord& b) {
  if (a.rows.size() != b.rows.size()) return false;
  for (std::size_t k = 0; k < a.rows.size(); ++k) {
    if (a.rows[k].step != b.rows[k].step || a.rows[k].loss != b.rows[k].loss || a.rows[k].time != b.rows[k].time ||
        a.rows[k].consensus != b.rows[k].consensus) {
      return false;
    }
  }
  return true;
}

}  // namespace

TEST_CASE("execute_runs: parallel runs give the records of single runs, each reported once") {
  const ExperimentSpec spec = eight_runs();
  std::vector<int> reported(spec.runs.size(), 0);
  std::size_t last = 0;
  const RunsResult result = execute_runs(spec, nullptr, [&](const RunSpec& run, const RunRecord&, bool reused,
                                                            std::size_t finished) {
    ++reported[run.index];
    CHECK_FALSE(reused);
    CHECK(finished == last + 1);  // serialised, counting up
    last = finished;
  });
  CHECK_FALSE(result.interrupted);
  CHECK(result.finished == spec.runs.size());
  for (std::size_t i = 0; i < spec.runs.size(); ++i) {
    INFO("run " << i);
    CHECK(reported[i] == 1);
    CHECK(same_rows(result.records[i], record_of(execute_run(spec.runs[i]))));
  }
}

TEST_CASE("execute_runs: a stop request keeps the finished runs and starts no other") {
  const ExperimentSpec spec = eight_runs();
  std::atomic<bool> stop{true};
  std::size_t calls = 0;
  const RunsResult none = execute_runs(spec, nullptr, [&](auto&&...) { ++calls; }, &stop);
  CHECK(none.interrupted);
  CHECK(none.finished == 0);
  CHECK(calls == 0);

  // Stopped from the callback of the first finished run (as a signal handler would): that run is
  // kept; with one thread no other run has started.
  const tbb::global_control one_thread(tbb::global_control::max_allowed_parallelism, 1);
  stop = false;
  std::vector<std::size_t> finished_runs;
  const RunsResult some = execute_runs(
      spec, nullptr,
      [&](const RunSpec& run, const RunRecord&, bool, std::size_t) {
        finished_runs.push_back(run.index);
        stop = true;
      },
      &stop);
  CHECK(some.interrupted);
  CHECK(some.finished == 1);
  REQUIRE(finished_runs.size() == 1);
  CHECK(same_rows(some.records[finished_runs[0]], record_of(execute_run(spec.runs[finished_runs[0]]))));
}
