#pragma once
// Executes the runs of an expanded spec: builds each run's problem, algorithm and clock from its
// configuration, runs the engine, and collects the metrics rows. Runs execute in parallel (each
// one also parallel over its workers); every run is deterministic on its own.
#include <atomic>
#include <functional>
#include <optional>
#include <vector>

#include "experiments/spec/spec.hpp"
#include "experiments/store/trace_writer.hpp"
#include "sim/engine.hpp"
#include "sim/targets.hpp"

namespace localsgd {

struct RunOutcome {
  const RunSpec* spec = nullptr;
  std::vector<Evaluation> rows;
  RunReport report;
  ProblemConstants constants;  // the problem's L, μ, F*, x*, σ², … and how they were obtained
  std::vector<double> slowdown;                      // each worker's slowdown factor (clock.slowdown)
  std::vector<std::optional<TargetHit>> target_hits;  // per target of the run; empty if never met
  double wall_seconds = 0;  // the simulator's own time: reported, never mixed with virtual time
  double initial_gap = 0;    // F(x_0) − F*, where every worker starts
  double eta0 = 0;           // the first step size, and the one used by the last step done
  double eta_last = 0;
  // Only for a run with a trace (RunSpec::trace): the step of every sync, and the run's rows of
  // trace.csv and rounds.csv, each with its header, without the run column (experiments/store/trace_writer.hpp).
  std::optional<std::vector<long>> sync_steps;
  std::string trace_csv, rounds_csv;
};

// A run diverges when its averaged model or loss is not finite, or when at an evaluation point
// its gap F(x̄) − F* exceeds kDivergenceFactor · max(F(x_0) − F*, 1).
constexpr double kDivergenceFactor = 1e6;

// A run that completes with a final gap above kEndedAboveStartFactor · (F(x_0) − F*) gets a
// warning (outcome_record.hpp). Why 10: a run that converges ends below its start, or, started at the
// noise floor, fluctuates around it by much less than a factor 10 (the gap is a sum of d squared
// errors, so its relative spread is about sqrt(2/d)); between 10 and the divergence factor 1e6 a
// run was going the wrong way (η ≳ 2/L typically), and nothing else would say so.
constexpr double kEndedAboveStartFactor = 10;

// Builds and runs one run. With `stop`, the run ends early (Termination::interrupted) once it is
// set (sim/engine.hpp). With `split`, this process is one of the ranks that run it together
// (split-workers mode, sim/worker_split.hpp): every rank calls execute_run for the same run, and
// rank 0's outcome is the run's (the others' have no metric rows).
RunOutcome execute_run(const RunSpec& run, const std::atomic<bool>* stop = nullptr, RankCollectives* split = nullptr);

// Runs every run of the spec, in parallel, at most one per thread at a time. A run whose record
// `store` already holds is not run again. Each finished run is saved to the store at once, and
// `on_finished(run, record, reused, finished_count)` is called, serialised. Once `stop` is set, no
// run starts, runs in flight end at their next segment of steps and are neither saved nor
// reported, and the result says it was interrupted. Without a store, the traced runs' rows are kept
// in the result instead (for callers that write no folder: the Python module).
class RunStore;
struct RunRecord;
using RunFinished = std::function<void(const RunSpec&, const RunRecord&, bool reused, std::size_t finished)>;
struct RunsResult {
  std::vector<RunRecord> records;  // in run order; those of unfinished runs are empty
  std::size_t finished = 0;        // runs finished (computed and saved, or reused; once stopped, also
                                   // the runs not reached whose file an earlier invocation saved)
  bool interrupted = false;        // some run did not finish because `stop` was set
  std::vector<RunTraces> traces;   // only without a store: per run (empty for an untraced run)
};
RunsResult execute_runs(const ExperimentSpec& spec, const RunStore* store, const RunFinished& on_finished,
                        const std::atomic<bool>* stop = nullptr);

// The same in split-workers mode (ExperimentSpec::split_ranks): every rank calls it, and the runs
// execute one after another, each split among all the ranks (`ranks`; one rank without MPI).
// Rank 0 alone has the store: it decides which runs are reused and tells the others, saves every
// record and calls on_finished; the other ranks pass no store and return an empty result but for
// `interrupted`. A stop request on any rank ends the run in flight on every rank, at the same step.
RunsResult execute_runs_split(const ExperimentSpec& spec, const RunStore* store, const RunFinished& on_finished,
                              const std::atomic<bool>* stop, RankCollectives& ranks);

}  // namespace localsgd
