// The asynchronous engine's event loop allocates nothing per event (sim/async_engine.hpp). Apart
// from sim_async_engine_test.cpp, which the ThreadSanitizer build also runs without the counting
// operator new.
#include <tbb/task_arena.h>

#include <catch2/catch.hpp>

#include "sim/async_engine.hpp"
#include "support/allocations.hpp"
#include "support/fixtures.hpp"

using namespace localsgd;

TEST_CASE("async: the event loop allocates nothing per event (buffers reserved before the run)") {
  // Random step times and FedBuff with K = 2: pulls, pushes, buffered entries and server steps.
  const auto problem = test::make_least_squares(200, 5, 4);
  const ConstantStepSize eta(0.02);
  const ExponentialCompute compute(1.0);
  const ConstantNetwork network(0.1);
  auto allocations = [&](long steps) {
    round::CoordinationOptions coordination;
    coordination.kind = round::CoordinationKind::fedbuff;
    coordination.buffer = 2;
    coordination.staleness.kind = round::StalenessKind::polynomial;
    const Sgd sgd;
    AsyncEngine engine(*problem, EngineConfig{4, steps, 2, 6}, AsyncAlgorithm{2, eta, sgd, {}, coordination},
                       ClockModels{compute, network});
    const std::vector<long> eval_steps = {0, steps};
    test::Recorder recorder;
    recorder.rows.reserve(4);
    const std::vector<Observer*> observers = {&recorder};
    const Vector x0 = Vector::Zero(5);
    std::size_t count = 0;
    tbb::task_arena(1).execute([&] {
      const test::CountAllocations counter;
      (void)engine.run(x0, eval_steps, observers);
      count = counter.count();
    });
    return count;
  };
  (void)allocations(10);  // one-time initialisations (the arena's, the library's statics)
  const std::size_t short_run = allocations(100);
  // 4× the events, the same allocations (the staleness histogram's reserve covers staleness < 64).
  CHECK(allocations(400) == short_run);
}
