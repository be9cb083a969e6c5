// Compressed syncs through the engine (sim/compressed_messages.hpp, algorithms/round/pipeline.hpp):
// the server model replayed from the workers' models with an independent top-k and the test's own
// error memory, the draws' addresses, the identity operator as the uncompressed run, the bytes and
// the all-gather on the clock, thread-count independence, and the rules.
#include <tbb/task_arena.h>

#include <algorithm>
#include <numeric>

#include <catch2/catch.hpp>

#include "algorithms/optimizers/momentum.hpp"
#include "algorithms/round/pipeline_rules.hpp"
#include "support/fixtures.hpp"

using namespace localsgd;
using compression::CompressorKind;
using compression::Feedback;
using test::every_step;
using test::run_engine;
using test::same_bits;
using test::same_evaluations;

namespace {

round::Pipeline compressed(CompressorKind kind, Index k, Feedback feedback = Feedback::none) {
  round::Pipeline pipeline;
  pipeline.compression.enabled = true;
  pipeline.compression.compressor.kind = kind;
  pipeline.compression.compressor.k = k;
  pipeline.compression.feedback = feedback;
  return pipeline;
}

// The k largest |v_j| (ties by lowest index), written without the library's operator.
Vector reference_top_k(const Vector& v, Index k) {
  std::vector<Index> order(static_cast<std::size_t>(v.size()));
  std::iota(order.begin(), order.end(), Index{0});
  std::stable_sort(order.begin(), order.end(), [&](Index a, Index b) { return std::abs(v[a]) > std::abs(v[b]); });
  Vector out = Vector::Zero(v.size());
  for (Index j = 0; j < k; ++j) out[order[static_cast<std::size_t>(j)]] = v[order[static_cast<std::size_t>(j)]];
  return out;
}

// Replays every sync: from x_r (the previous sync's model) and the workers' models y_i, the server
// model x_r + (1/p) Σ m̂_i with the test's own memory e_i / g_i, against what the engine installs.
class Replay final : public Observer {
 public:
  Replay(Index dim, int workers, Feedback feedback, std::function<Vector(const Vector&, int, long)> compress)
      : server_(Vector::Zero(dim)), memory_(static_cast<std::size_t>(workers), Vector::Zero(dim)),
        feedback_(feedback), compress_(std::move(compress)) {}

  void before_sync(long step, const ModelsView& models, const Vector& average) override {
    Vector sum = Vector::Zero(server_.size());
    for (std::size_t i = 0; i < models.size(); ++i) {
      const Vector change = models[i] - server_;
      Vector& memory = memory_[i];
      Vector message;
      switch (feedback_) {
        case Feedback::none: message = compress_(change, static_cast<int>(i), step); break;
        case Feedback::ef:
          message = compress_(change + memory, static_cast<int>(i), step);
          memory = change + memory - message;
          break;
        case Feedback::ef21:
          message = memory + compress_(change - memory, static_cast<int>(i), step);
          memory = message;
          break;
      }
      sum += message;
    }
    const Vector expected = server_ + sum / static_cast<double>(models.size());
    worst = std::max(worst, (expected - average).norm() / std::max(1e-300, expected.norm()));
    changed = changed || (expected - server_).norm() > 0;
    ++syncs;
  }
  void after_sync(const SyncPoint& sync) override { server_ = sync.average; }

  double worst = 0;
  bool changed = false;
  int syncs = 0;

 private:
  Vector server_;
  std::vector<Vector> memory_;
  Feedback feedback_;
  std::function<Vector(const Vector&, int, long)> compress_;
};

test::RunResult run(const Problem& problem, round::Pipeline pipeline, std::vector<Observer*> observers = {},
                    long steps = 60, long period = 4) {
  FixedPeriod schedule(period);
  const ConstantStepSize eta(0.05);
  test::EngineRun r{.steps = steps, .batch = 2, .seed = 11, .eval_steps = every_step(steps)};
  r.pipeline = std::move(pipeline);
  r.observers = std::move(observers);
  return run_engine(problem, schedule, eta, r);
}

}  // namespace

TEST_CASE("compression: the server adds the mean of the k largest changes, with and without error memory") {
  const auto problem = test::make_least_squares(200, 10, 4);
  for (Feedback feedback : {Feedback::none, Feedback::ef, Feedback::ef21}) {
    CAPTURE(compression::feedback_name(feedback));
    Replay replay(10, 4, feedback, [](const Vector& v, int, long) { return reference_top_k(v, 3); });
    const auto result = run(*problem, compressed(CompressorKind::top_k, 3, feedback), {&replay});
    CHECK(replay.syncs == 15);
    CHECK(replay.changed);
    CHECK(replay.worst < 1e-12);
    // The compressed run is not the exact one.
    const auto exact = run(*problem, {});
    CHECK((result.report.final_model - exact.report.final_model).norm() > 1e-6);
  }
}

TEST_CASE("compression: random draws are addressed by (seed, compression, worker, the round's last step)") {
  const auto problem = test::make_least_squares(200, 10, 4);
  for (Feedback feedback : {Feedback::none, Feedback::ef}) {
    const compression::CompressorOptions options{.kind = CompressorKind::random_k, .k = 2};
    auto op = compression::make_compressor(options, 10);
    Replay replay(10, 4, feedback, [&](const Vector& v, int worker, long step) {
      Vector out = Vector::Zero(v.size());
      Rng rng(11, StreamPurpose::compression, static_cast<std::uint64_t>(worker), static_cast<std::uint64_t>(step));
      op->compress({v.data(), static_cast<std::size_t>(v.size())}, {out.data(), static_cast<std::size_t>(out.size())},
                   rng);
      return out;
    });
    run(*problem, compressed(CompressorKind::random_k, 2, feedback), {&replay});
    CHECK(replay.syncs == 15);
    CHECK(replay.worst < 1e-12);
  }
}

TEST_CASE("compression: the identity operator is the uncompressed run, bit for bit, with d·8 bytes per message") {
  const auto problem = test::make_least_squares(200, 10, 4);
  const auto exact = run(*problem, {});
  for (Feedback feedback : {Feedback::none, Feedback::ef, Feedback::ef21}) {
    const auto identity = run(*problem, compressed(CompressorKind::identity, 0, feedback));
    CHECK(same_evaluations(identity.rows, exact.rows));
    CHECK(same_bits(identity.report.final_model, exact.report.final_model));
    CHECK(identity.report.bytes_sent == 15 * 4 * 10 * 8.0);
  }
  // Every run counts its bytes, compressed or not; the rows carry the running total.
  CHECK(exact.report.bytes_sent == 15 * 4 * 10 * 8.0);
  CHECK(exact.rows.back().bytes == exact.report.bytes_sent);
  CHECK(exact.rows[4].bytes == 4 * 10 * 8.0);  // after the first sync (step 4)
  CHECK(exact.rows[3].bytes == 0);
}

TEST_CASE("compression: top-k with k = d goes through the messages and agrees with the exact run to rounding; "
          "the clock charges an all-gather of its messages") {
  const auto problem = test::make_least_squares(200, 10, 4);
  FixedPeriod schedule(4);
  const ConstantStepSize eta(0.05);
  const ConstantCompute compute(1.0);
  const RingAllReduce ring(LinkParameters{.latency = 0.5, .bandwidth = 100, .bytes_per_value = 8});
  test::EngineRun r{.steps = 60, .batch = 2, .seed = 11, .eval_steps = every_step(60)};
  const auto exact = test::run_engine_with_clock(*problem, schedule, eta, r, ClockModels{compute, ring});
  r.pipeline = compressed(CompressorKind::top_k, 10);
  const auto full = test::run_engine_with_clock(*problem, schedule, eta, r, ClockModels{compute, ring});
  CHECK((full.report.final_model - exact.report.final_model).norm() <= 1e-12 * exact.report.final_model.norm());
  CHECK_FALSE(same_bits(full.report.final_model, exact.report.final_model));  // another sum order, really taken
  // Ring all-gather of p = 4 messages of 10 · (8 + 4) bytes: 3 (α + S/β) per sync, 15 syncs.
  CHECK(full.report.communication_time == Approx(15 * 3 * (0.5 + 120.0 / 100)).epsilon(1e-12));
  CHECK(exact.report.communication_time == Approx(15 * ring.allreduce_seconds(4, 10)).epsilon(1e-12));
  CHECK(full.report.bytes_sent == 15 * 4 * 120.0);
  CHECK(full.report.virtual_time == Approx(60 + full.report.communication_time).epsilon(1e-12));
}

TEST_CASE("compression: same bits on one and two threads (decoding split into chunks)") {
  // p·d = 64 · 1100 values: the messages are decoded as parallel chunks.
  const auto problem = test::make_least_squares(640, 1100, 64, 0.1, 5);
  auto once = [&](int threads) {
    tbb::task_arena arena(threads);
    test::RunResult result;
    arena.execute([&] { result = run(*problem, compressed(CompressorKind::random_k, 50, Feedback::ef), {}, 12, 3); });
    return result;
  };
  const auto one = once(1);
  const auto two = once(2);
  CHECK(same_evaluations(one.rows, two.rows));
  CHECK(same_bits(one.report.final_model, two.report.final_model));
}

TEST_CASE("compression: what would travel uncompressed is refused") {
  const auto problem = test::make_least_squares(200, 10, 4);
  FixedPeriod schedule(4);
  const ConstantStepSize eta(0.05);
  const ConstantCompute compute(1.0);
  const ConstantNetwork network(0.0);
  round::Pipeline scaffold = compressed(CompressorKind::top_k, 3);
  scaffold.correction.kind = round::CorrectionKind::scaffold;
  const Sgd sgd;
  CHECK_THROWS_WITH(Engine(*problem, EngineConfig{4, 10, 1, 0}, Algorithm{schedule, eta, sgd, scaffold},
                           ClockModels{compute, network}),
                    Catch::Contains("SCAFFOLD"));
  const Momentum averaged(0.9, StateAtSync::average);
  const Momentum kept(0.9, StateAtSync::keep);
  const round::Pipeline top = compressed(CompressorKind::top_k, 3);
  CHECK_THROWS_WITH(Engine(*problem, EngineConfig{4, 10, 1, 0}, Algorithm{schedule, eta, averaged, top},
                           ClockModels{compute, network}),
                    Catch::Contains("state_at_sync keep or reset"));
  CHECK_NOTHROW(Engine(*problem, EngineConfig{4, 10, 1, 0}, Algorithm{schedule, eta, kept, top},
                       ClockModels{compute, network}));
  const round::Pipeline too_many = compressed(CompressorKind::top_k, 11);
  CHECK_THROWS_AS(Engine(*problem, EngineConfig{4, 10, 1, 0}, Algorithm{schedule, eta, sgd, too_many},
                         ClockModels{compute, network}),
                  round::PipelineRuleError);
}

TEST_CASE("compression: the memory estimate counts the messages and the error memory") {
  EngineShape shape{.workers = 100, .dim = 1000, .batch = 4, .threads = 2};
  const double plain = Engine::estimate_bytes(shape);
  shape.pipeline = compressed(CompressorKind::top_k, 10);
  const double messages = Engine::estimate_bytes(shape);
  shape.pipeline.compression.feedback = Feedback::ef;
  const double memory = Engine::estimate_bytes(shape);
  CHECK(messages - plain >= 100 * 1000 * 8.0);  // a message slot per worker
  CHECK(memory - messages >= 100 * 1000 * 8.0); // and its error memory
  CHECK(memory - messages < 100 * (1000 * 8.0 + 64));
}
