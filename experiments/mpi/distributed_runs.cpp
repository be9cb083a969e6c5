#include "experiments/mpi/distributed_runs.hpp"

#include <fmt/format.h>
#include <tbb/blocked_range.h>
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include "experiments/run/outcome_record.hpp"
#include "experiments/store/run_record.hpp"
#include "experiments/store/trace_writer.hpp"

namespace localsgd {

namespace {

enum Tag : int {
  kToCoordinator = 1,  // a lane's JSON message to rank 0: {lane, ask, run?, record?, failure?, stopped?}
  kAssign = 2,         // rank 0's answer to an ask: {lane, run}, run -1 when none is left
  kLanesEnded = 3,     // every lane of the sending rank ended
  kEnd = 4,            // rank 0 ended the sweep: the exit code
};

// A finished run as rank 0 saves it.
struct FinishedRun {
  std::size_t index = 0;
  RunRecord record;
  std::string trace_csv, rounds_csv;
};

// Test hook (tests/mpi/mpi_test.sh, mode run_failure): LOCALSGD_TEST_FAIL_RUN=K makes run K
// throw on whichever rank executes it, as an exception inside a run would (no real input fails
// only there once every rank has read the spec).
void fail_if_asked(std::size_t index) {
  const char* text = std::getenv("LOCALSGD_TEST_FAIL_RUN");
  if (text != nullptr && std::to_string(index) == text) {
    throw std::runtime_error("failed on purpose (LOCALSGD_TEST_FAIL_RUN)");
  }
}

// Executes one run; nullopt if `stop` interrupted it.
std::optional<FinishedRun> compute_run(const ExperimentSpec& spec, std::size_t index, const std::atomic<bool>* stop) {
  const RunSpec& run = spec.runs[index];
  fail_if_asked(index);
  std::optional<RunOutcome> outcome;
  // Isolated, as in execute_runs: a lane waiting for its run's workers does not start another run.
  tbb::this_task_arena::isolate([&] { outcome = execute_run(run, stop); });
  if (outcome->report.termination == Termination::interrupted) return std::nullopt;
  FinishedRun finished{index, record_of(*outcome), {}, {}};
  if (run.trace) {
    finished.trace_csv = std::move(outcome->trace_csv);
    finished.rounds_csv = std::move(outcome->rounds_csv);
  }
  return finished;
}

// A failure as the command line reports it: a spec or data file error is invalid input (2),
// anything else an I/O or internal failure (1), as in one process (experiments/cli/main.cpp).
RankStatus status_of(const std::exception& e, const RunSpec& run) {
  const int code = dynamic_cast<const SpecFileError*>(&e) != nullptr ? 2 : 1;
  return RankStatus{code, fmt::format("run {} {}: {}", run.index, describe_run(run), e.what())};
}

// Runs that execute at once on this rank: its thread count (--threads, or the cores it may use).
std::size_t lane_count() {
  const std::size_t allowed = tbb::global_control::active_value(tbb::global_control::max_allowed_parallelism);
  return std::max<std::size_t>(1, std::min<std::size_t>(allowed, static_cast<std::size_t>(
                                                                     tbb::this_task_arena::max_concurrency())));
}

// Runs `lanes` copies of `lane` (each a loop over runs) at once on oneTBB, on a thread of its own,
// so that the calling thread stays free for MPI.
class Lanes {
 public:
  Lanes(std::size_t lanes, std::function<void(std::size_t)> lane)
      : thread_([this, lanes, lane = std::move(lane)] {
          tbb::parallel_for(tbb::blocked_range<std::size_t>(0, lanes, 1),
                            [&](const tbb::blocked_range<std::size_t>& range) {
                              for (std::size_t i = range.begin(); i != range.end(); ++i) lane(i);
                            },
                            tbb::simple_partitioner());
          done_.store(true, std::memory_order_release);
        }) {}
  ~Lanes() { join(); }
  bool done() const { return done_.load(std::memory_order_acquire); }
  void join() {
    if (thread_.joinable()) thread_.join();
  }

 private:
  std::atomic<bool> done_{false};
  std::thread thread_;
};

// Polling with a growing pause (50 µs to 2 ms) while nothing arrives: a waiting rank costs
// almost no CPU, and a message waits at most 2 ms.
class Pause {
 public:
  void reset() { micros_ = 50; }
  void wait() {
    std::this_thread::sleep_for(std::chrono::microseconds(micros_));
    micros_ = std::min(micros_ * 2, 2000L);
  }

 private:
  long micros_ = 50;
};

Json ask_message(std::size_t lane) { return Json{{"lane", lane}, {"ask", true}}; }

// Rank 0's state, shared by its messenger (the main thread) and its own lanes.
class Coordinator {
 public:
  Coordinator(const ExperimentSpec& spec, const RunStore& store, const RunFinished& on_finished,
              std::atomic<bool>& stop)
      : spec_(spec), store_(store), on_finished_(on_finished), stop_(stop) {
    result_.records.resize(spec.runs.size());
  }

  // Reuses every run the store holds; the others wait to be handed out, in run order.
  void reuse_saved_runs() {
    for (const RunSpec& run : spec_.runs) {
      std::optional<RunRecord> stored = store_.load(run);
      // A traced run is reused only with its trace files (written before its record).
      if (stored && run.trace && !has_run_traces(store_, run)) stored.reset();
      if (!stored) {
        pending_.push_back(run.index);
        continue;
      }
      result_.records[run.index] = std::move(*stored);
      on_finished_(run, result_.records[run.index], true, ++result_.finished);
    }
  }

  std::optional<std::size_t> take() {
    const std::lock_guard lock(mutex_);
    if (pending_.empty() || failure_ || stop_.load()) return std::nullopt;
    const std::size_t index = pending_.front();
    pending_.pop_front();
    return index;
  }

  void finish(FinishedRun&& finished) {
    const RunSpec& run = spec_.runs.at(finished.index);
    const std::lock_guard lock(mutex_);
    if (run.trace) save_run_traces(store_, run, finished.trace_csv, finished.rounds_csv);
    store_.save(run, finished.record);
    result_.records[finished.index] = std::move(finished.record);
    on_finished_(run, result_.records[finished.index], false, ++result_.finished);
  }

  // The first failure ends the sweep: nothing more is handed out, the runs in flight stop.
  void fail(RankStatus status) {
    const std::lock_guard lock(mutex_);
    if (!failure_) failure_ = std::move(status);
    stop_.store(true);
  }

  DistributedRuns take_result() {
    const std::lock_guard lock(mutex_);
    result_.interrupted = !failure_ && result_.finished < spec_.runs.size();
    return DistributedRuns{std::move(result_), failure_};
  }
  int exit_code() {
    const std::lock_guard lock(mutex_);
    return failure_ ? failure_->exit_code : result_.finished < spec_.runs.size() ? 130 : 0;
  }

 private:
  const ExperimentSpec& spec_;
  const RunStore& store_;
  const RunFinished& on_finished_;
  std::atomic<bool>& stop_;
  std::mutex mutex_;
  std::deque<std::size_t> pending_;
  RunsResult result_;
  std::optional<RankStatus> failure_;
};

}  // namespace

DistributedRuns coordinate_runs(const Communicator& world, const ExperimentSpec& spec, const RunStore& store,
                                const RunFinished& on_finished, std::atomic<bool>& stop) {
  Coordinator coordinator(spec, store, on_finished, stop);
  coordinator.reuse_saved_runs();
  Lanes lanes(lane_count(), [&](std::size_t) {
    while (const auto index = coordinator.take()) {
      try {
        auto finished = compute_run(spec, *index, &stop);
        if (!finished) return;  // interrupted
        coordinator.finish(std::move(*finished));
      } catch (const std::exception& e) {
        coordinator.fail(status_of(e, spec.runs[*index]));
        return;
      }
    }
  });
  int ranks_ended = 0;
  Pause pause;
  for (;;) {
    bool arrived = false;
    while (auto message = world.poll()) {
      arrived = true;
      if (message->tag == kLanesEnded) {
        ++ranks_ended;
        continue;
      }
      try {
        const Json json = Json::parse(message->text);
        const std::size_t lane = json.at("lane").get<std::size_t>();
        if (json.contains("run")) {
          coordinator.finish(FinishedRun{json.at("run").get<std::size_t>(), record_from_json(json.at("record")),
                                         json.value("trace_csv", std::string()), json.value("rounds_csv", std::string())});
        }
        if (json.contains("failure")) {
          coordinator.fail(RankStatus{json.at("exit_code").get<int>(),
                                      fmt::format("rank {} of {}: {}", message->source, world.size(),
                                                  json.at("failure").get<std::string>())});
        }
        if (json.contains("stopped")) stop.store(true);  // interrupted there: end the sweep everywhere
        if (json.at("ask").get<bool>()) {
          const auto index = coordinator.take();
          world.send(message->source, kAssign,
                     Json{{"lane", lane}, {"run", index ? static_cast<long>(*index) : -1L}}.dump());
        }
      } catch (const std::exception& e) {  // saving the record failed (I/O), or a malformed message
        coordinator.fail(RankStatus{1, e.what()});
      }
    }
    if (lanes.done() && (ranks_ended == world.size() - 1 || stop.load())) break;
    if (arrived) {
      pause.reset();
    } else {
      pause.wait();
    }
  }
  lanes.join();
  const std::string code = std::to_string(coordinator.exit_code());
  for (int r = 1; r < world.size(); ++r) world.send(r, kEnd, code);
  return coordinator.take_result();
}

namespace {

// Between the lanes of a rank other than 0 and its main thread, which alone talks MPI: messages
// for rank 0, and the run each lane was assigned.
class Mailbox {
 public:
  explicit Mailbox(std::size_t lanes) : assigned_(lanes) {}

  void post(std::string message) {
    const std::lock_guard lock(mutex_);
    outbox_.push_back(std::move(message));
  }
  // Posts an ask and waits for its answer: a run index, or -1 (none left, or the sweep ended).
  long ask(std::size_t lane, std::string message) {
    std::unique_lock lock(mutex_);
    outbox_.push_back(std::move(message));
    changed_.wait(lock, [&] { return assigned_[lane].has_value() || ended_; });
    const long index = assigned_[lane].value_or(-1);
    assigned_[lane].reset();
    return ended_ ? -1 : index;
  }
  std::deque<std::string> take_outbox() {
    const std::lock_guard lock(mutex_);
    return std::exchange(outbox_, {});
  }
  void deliver(std::size_t lane, long index) {
    {
      const std::lock_guard lock(mutex_);
      assigned_.at(lane) = index;
    }
    changed_.notify_all();
  }
  void end() {
    {
      const std::lock_guard lock(mutex_);
      ended_ = true;
    }
    changed_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::string> outbox_;
  std::vector<std::optional<long>> assigned_;
  bool ended_ = false;
};

}  // namespace

int serve_runs(const Communicator& world, const ExperimentSpec& spec, std::atomic<bool>& stop) {
  const std::size_t lane_total = lane_count();
  Mailbox mailbox(lane_total);
  Lanes lanes(lane_total, [&](std::size_t lane) {
    Json message = ask_message(lane);
    for (;;) {
      const long index = mailbox.ask(lane, message.dump());
      if (index < 0) return;
      const RunSpec& run = spec.runs.at(static_cast<std::size_t>(index));
      try {
        auto finished = compute_run(spec, run.index, &stop);
        if (!finished) {
          mailbox.post(Json{{"lane", lane}, {"ask", false}, {"stopped", true}}.dump());
          return;
        }
        message = ask_message(lane);
        message["run"] = finished->index;
        message["record"] = record_to_json(finished->record);
        if (run.trace) {
          message["trace_csv"] = std::move(finished->trace_csv);
          message["rounds_csv"] = std::move(finished->rounds_csv);
        }
      } catch (const std::exception& e) {
        const RankStatus status = status_of(e, run);
        mailbox.post(Json{{"lane", lane}, {"ask", false}, {"failure", status.message}, {"exit_code", status.exit_code}}
                         .dump());
        return;
      }
    }
  });
  bool said_ended = false;
  std::optional<int> end_code;
  Pause pause;
  while (!end_code) {
    // Read before the outbox is emptied: once every lane ended, its last message is in there.
    const bool lanes_done = lanes.done();
    bool active = false;
    for (const std::string& message : mailbox.take_outbox()) {
      world.send(0, kToCoordinator, message);
      active = true;
    }
    if (lanes_done && !said_ended) {
      world.send(0, kLanesEnded, "");
      said_ended = true;
    }
    while (auto message = world.poll()) {
      active = true;
      if (message->tag == kEnd) {
        end_code = std::stoi(message->text);
      } else if (message->tag == kAssign) {
        const Json json = Json::parse(message->text);
        mailbox.deliver(json.at("lane").get<std::size_t>(), json.at("run").get<long>());
      }
    }
    if (active) {
      pause.reset();
    } else if (!end_code) {
      pause.wait();
    }
  }
  if (*end_code != 0) stop.store(true);  // the runs in flight end at their next segment
  mailbox.end();
  lanes.join();
  return *end_code;
}

}  // namespace localsgd
