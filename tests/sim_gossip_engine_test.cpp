// Decentralised runs through the engine (sim/gossip.hpp, GossipOptions in
// algorithms/round/pipeline.hpp): the complete graph with uniform weights as the server's average,
// bit for bit; D-SGD and CHOCO-SGD steps replayed from the nodes' models with the test's own
// dense W and top-k; the consensus distance decaying at the rate of the spectral gap; the one-peer
// exponential graph's exact averaging; bytes and seconds on the clock; threads; the rules.
#include <tbb/task_arena.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include <catch2/catch.hpp>

#include "algorithms/compression/compressor.hpp"
#include "algorithms/optimizers/momentum.hpp"
#include "algorithms/round/pipeline_rules.hpp"
#include "algorithms/topology/topology.hpp"
#include "core/random.hpp"
#include "support/fixtures.hpp"

using namespace localsgd;
using round::GossipAlgorithm;
using test::every_step;
using test::run_engine;
using test::same_bits;
using test::same_evaluations;
using topology::MixingWeights;
using topology::TopologyKind;

namespace {

constexpr std::uint64_t kRunSeed = 11;

round::Pipeline gossip(TopologyKind kind, MixingWeights weights = MixingWeights::metropolis_hastings) {
  round::Pipeline pipeline;
  pipeline.gossip.enabled = true;
  pipeline.gossip.topology.kind = kind;
  pipeline.gossip.topology.weights = weights;
  return pipeline;
}

round::Pipeline choco(TopologyKind kind, Index k, double gamma) {
  round::Pipeline pipeline = gossip(kind);
  pipeline.gossip.algorithm = GossipAlgorithm::choco;
  pipeline.gossip.consensus_step = gamma;
  pipeline.compression.enabled = true;
  pipeline.compression.compressor.kind = compression::CompressorKind::top_k;
  pipeline.compression.compressor.k = k;
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

// Replays every gossip step with a dense W built here from the ring's definition (Metropolis–
// Hastings on a ring: 1/3 to each neighbour and itself), D-SGD X ← W X, or CHOCO with the test's own
// copies x̂ and top-k, against the nodes' models after the sync.
class Replay final : public Observer {
 public:
  Replay(int nodes, Index dim, Index k, double gamma) : w_(Eigen::MatrixXd::Zero(nodes, nodes)), k_(k), gamma_(gamma) {
    for (int i = 0; i < nodes; ++i) {
      w_(i, i) += 1.0 / 3;
      w_(i, (i + 1) % nodes) += 1.0 / 3;
      w_(i, (i + nodes - 1) % nodes) += 1.0 / 3;
    }
    copies_.assign(static_cast<std::size_t>(nodes), Vector::Zero(dim));
  }

  // CHOCO with an unbiased operator instead of top-k.
  void use_unbiased(const compression::CompressorOptions& options, Index dim) {
    unbiased_ = compression::make_compressor(options, dim);
    k_ = 1;  // not D-SGD
  }

  void before_sync(long step, const ModelsView& models, const Vector& average) override {
    const auto n = static_cast<Index>(models.size());
    expected_.assign(models.size(), Vector());
    Vector mean = Vector::Zero(average.size());
    for (Index i = 0; i < n; ++i) mean += models[static_cast<std::size_t>(i)] / static_cast<double>(n);
    worst_mean = std::max(worst_mean, (mean - average).norm() / average.norm());
    if (k_ == 0) {
      for (Index i = 0; i < n; ++i) {
        Vector x = Vector::Zero(average.size());
        for (Index j = 0; j < n; ++j) x += w_(i, j) * models[static_cast<std::size_t>(j)];
        expected_[static_cast<std::size_t>(i)] = x;
      }
      return;
    }
    for (Index i = 0; i < n; ++i) {
      auto& copy = copies_[static_cast<std::size_t>(i)];
      const Vector change = models[static_cast<std::size_t>(i)] - copy;
      if (!unbiased_) {
        copy += reference_top_k(change, k_);
        continue;
      }
      // The library's operator at the documented address, rescaled by 1/(1 + ω) for CHOCO.
      Rng rng(kRunSeed, StreamPurpose::compression, static_cast<std::uint64_t>(i), static_cast<std::uint64_t>(step));
      Vector message = Vector::Zero(change.size());
      unbiased_->compress({change.data(), static_cast<std::size_t>(change.size())},
                          {message.data(), static_cast<std::size_t>(message.size())}, rng);
      copy += message / (1 + unbiased_->constant());
    }
    for (Index i = 0; i < n; ++i) {
      Vector x = models[static_cast<std::size_t>(i)];
      for (Index j = 0; j < n; ++j) {
        x += gamma_ * w_(i, j) * (copies_[static_cast<std::size_t>(j)] - copies_[static_cast<std::size_t>(i)]);
      }
      expected_[static_cast<std::size_t>(i)] = x;
    }
  }
  void after_sync(const SyncPoint& sync) override {
    for (std::size_t i = 0; i < sync.models.size(); ++i) {
      worst = std::max(worst, (expected_[i] - sync.models[i]).norm() / expected_[i].norm());
      spread = std::max(spread, (sync.models[i] - sync.average).norm());
    }
    ++syncs;
  }

  double worst = 0;       // largest relative difference from the replayed models
  double worst_mean = 0;  // of the engine's x̄ from the nodes' mean
  double spread = 0;      // largest distance of a node from x̄ after a gossip step
  int syncs = 0;

 private:
  Eigen::MatrixXd w_;
  Index k_;
  double gamma_;
  std::vector<Vector> copies_;
  std::vector<Vector> expected_;
  std::unique_ptr<compression::Compressor> unbiased_;
};

test::RunResult run(const Problem& problem, round::Pipeline pipeline, std::vector<Observer*> observers = {},
                    long steps = 60, long period = 4, const StepSize* step_size = nullptr) {
  FixedPeriod schedule(period);
  const ConstantStepSize eta(0.05);
  test::EngineRun r{.steps = steps, .batch = 2, .seed = 11, .eval_steps = every_step(steps)};
  r.seed = kRunSeed;
  r.pipeline = std::move(pipeline);
  r.observers = std::move(observers);
  return run_engine(problem, schedule, step_size != nullptr ? *step_size : eta, r);
}

// η for the first `steps` steps, then 0: the nodes drift apart once, then only gossip moves them.
class StepsThenStop final : public StepSize {
 public:
  StepsThenStop(double eta, long steps) : eta_(eta), steps_(steps) {}
  double at(long t) const override { return t < steps_ ? eta_ : 0.0; }

 private:
  double eta_;
  long steps_;
};

}  // namespace

TEST_CASE("gossip: the complete graph with uniform (or Metropolis-Hastings) weights is the server's average, bit "
          "for bit") {
  const auto problem = test::make_least_squares(200, 10, 5);
  const auto plain = run(*problem, {});  // every 4 steps, evaluated at every step
  for (MixingWeights weights : {MixingWeights::uniform, MixingWeights::metropolis_hastings}) {
    const auto complete = run(*problem, gossip(TopologyKind::complete, weights));
    // The same evaluations, except the consensus at a sync: a gossip run's is taken after the
    // gossip step, where every node holds the exact average (0); the server run's before it.
    auto with_consensus_at_syncs_zeroed = plain.rows;
    for (Evaluation& e : with_consensus_at_syncs_zeroed) {
      if (e.step > 0 && e.step % 4 == 0) e.consensus = 0.0;
    }
    CHECK(same_evaluations(complete.rows, with_consensus_at_syncs_zeroed));
    CHECK(plain.rows.at(4).consensus > 0);
    CHECK(same_bits(complete.report.final_model, plain.report.final_model));
  }
  // A ring is not: its nodes still disagree after a gossip step.
  const auto ring = run(*problem, gossip(TopologyKind::ring));
  CHECK((ring.report.final_model - plain.report.final_model).norm() > 1e-8);
}

TEST_CASE("gossip: D-SGD steps are X <- W X on the ring, and x-bar is the nodes' mean") {
  const auto problem = test::make_least_squares(300, 10, 6);
  Replay replay(6, 10, 0, 1.0);
  run(*problem, gossip(TopologyKind::ring, MixingWeights::uniform), {&replay});
  CHECK(replay.syncs == 15);
  CHECK(replay.worst < 1e-13);
  CHECK(replay.worst_mean < 1e-13);
  CHECK(replay.spread > 1e-6);  // the nodes keep their own models
}

TEST_CASE("gossip: CHOCO-SGD steps with top-k replayed with the test's own public copies") {
  const auto problem = test::make_least_squares(300, 10, 6);
  for (double gamma : {1.0, 0.4}) {
    CAPTURE(gamma);
    Replay replay(6, 10, 3, gamma);
    const auto result = run(*problem, choco(TopologyKind::ring, 3, gamma), {&replay});
    CHECK(replay.syncs == 15);
    CHECK(replay.worst < 1e-12);
    CHECK(replay.worst_mean < 1e-13);
    // Every node sends Q(x_i − x̂_i) to its 2 neighbours: 3 values and 3 indices each.
    CHECK(result.report.bytes_sent == 15 * 6 * 2 * 3 * (8.0 + 4.0));
  }
}

TEST_CASE("gossip: CHOCO-SGD rescales an unbiased operator to Q/(1 + omega), a contraction, and converges with it") {
  const auto problem = test::make_least_squares(300, 10, 6);
  round::Pipeline pipeline = choco(TopologyKind::ring, 3, 0.4);
  pipeline.compression.compressor.kind = compression::CompressorKind::qsgd;
  pipeline.compression.compressor.levels = 1;  // ω = min(d/s², √d/s) = √10 > 1: not a contraction unscaled
  Replay replay(6, 10, 1, 0.4);
  replay.use_unbiased(pipeline.compression.compressor, 10);
  const auto result = run(*problem, pipeline, {&replay}, 400);
  CHECK(replay.syncs == 100);
  CHECK(replay.worst < 1e-12);
  // It ends near D-SGD's gap (unscaled, the public copies overshoot and the run diverges).
  const auto exact = run(*problem, gossip(TopologyKind::ring), {}, 400);
  REQUIRE(std::isfinite(result.rows.back().gap));
  CHECK(result.rows.back().gap < 2 * exact.rows.back().gap + 1e-3);
}

TEST_CASE("gossip: after one round of local steps the consensus distance decays as (1 - gap)^2 per gossip step") {
  // Noiseless gossip: η = 0 after the first round, so X_{k+1} − X̄ = W (X_k − X̄) exactly and the
  // consensus distance (1/n) Σ ‖x_i − x̄‖² shrinks by |λ₂(W)|² per step once the slowest mode
  // dominates (λ₂ is doubly degenerate on a ring; the other eigenvalues die out).
  const auto problem = test::make_least_squares(400, 10, 8);
  const StepsThenStop eta(0.05, 4);
  for (TopologyKind kind : {TopologyKind::ring, TopologyKind::torus, TopologyKind::exponential}) {
    CAPTURE(topology::topology_name(kind));
    const round::Pipeline pipeline = gossip(kind);
    const double gap = topology::spectral_gap(topology::mixing_matrices(pipeline.gossip.topology, 8).front());
    if (kind == TopologyKind::ring) CHECK(gap == Approx(1 - (1 + 2 * std::cos(2 * M_PI / 8)) / 3).epsilon(1e-12));
    const auto result = run(*problem, pipeline, {}, 4 * 60, 4, &eta);
    // Consensus before gossip step k (k = 1 at step 4): rows at steps 4k.
    std::vector<double> consensus;
    for (const Evaluation& e : result.rows) {
      if (e.step > 0 && e.step % 4 == 0) consensus.push_back(e.consensus);
    }
    REQUIRE(consensus.size() == 60);
    // The fitted decay per step over steps 20..40. On 8 nodes the exponential graph's slowest mode
    // (λ = 1/3) leads the next (|λ| = 0.236) by a factor 2 per step only: 10..20.
    const int first = kind == TopologyKind::exponential ? 10 : 20;
    const int last = kind == TopologyKind::exponential ? 20 : 40;
    const double slope = std::log(consensus[static_cast<std::size_t>(last)] / consensus[static_cast<std::size_t>(first)]) /
                         (last - first);
    CHECK(consensus[static_cast<std::size_t>(last)] > 0);
    CHECK(slope == Approx(2 * std::log(1 - gap)).epsilon(1e-3));
  }
}

TEST_CASE("gossip: the one-peer exponential graph on 8 nodes averages exactly in 3 steps") {
  const auto problem = test::make_least_squares(400, 10, 8);
  const StepsThenStop eta(0.05, 4);
  const auto result = run(*problem, gossip(TopologyKind::one_peer_exponential), {}, 4 * 4, 4, &eta);
  std::vector<double> consensus;
  for (const Evaluation& e : result.rows) {
    if (e.step > 0 && e.step % 4 == 0) consensus.push_back(e.consensus);
  }
  REQUIRE(consensus.size() == 4);
  CHECK(consensus[0] > 1e-6);
  CHECK(consensus[1] > 1e-7);
  CHECK(consensus[3] < 1e-28 * consensus[0]);  // after steps with hops 1, 2, 4: equal to rounding
  // One message per node per step, of the whole model.
  CHECK(result.report.bytes_sent == 4 * 8 * 10 * 8.0);
}

TEST_CASE("gossip: a node's exchange takes degree x (alpha + S/beta); the round waits for the busiest node") {
  const auto problem = test::make_least_squares(200, 10, 5);
  FixedPeriod schedule(4);
  const ConstantStepSize eta(0.05);
  const ConstantCompute compute(1.0);
  const RingAllReduce network(LinkParameters{.latency = 0.5, .bandwidth = 100, .bytes_per_value = 8});
  test::EngineRun r{.steps = 60, .batch = 2, .seed = 11, .eval_steps = every_step(60)};
  r.pipeline = gossip(TopologyKind::ring);
  const auto ring = test::run_engine_with_clock(*problem, schedule, eta, r, ClockModels{compute, network});
  CHECK(ring.report.communication_time == Approx(15 * 2 * (0.5 + 80.0 / 100)).epsilon(1e-12));
  CHECK(ring.report.virtual_time == Approx(60 + ring.report.communication_time).epsilon(1e-12));
  CHECK(ring.report.bytes_sent == 15 * 5 * 2 * 80.0);
  r.pipeline = gossip(TopologyKind::star);  // the centre talks to 4 nodes, the others to one
  const auto star = test::run_engine_with_clock(*problem, schedule, eta, r, ClockModels{compute, network});
  CHECK(star.report.communication_time == Approx(15 * 4 * (0.5 + 80.0 / 100)).epsilon(1e-12));
  CHECK(star.report.bytes_sent == 15 * 8 * 80.0);
  CHECK(star.rows[4].bytes == 8 * 80.0);
  CHECK(star.rows[3].bytes == 0);
}

TEST_CASE("gossip: same bits on one and two threads (nodes mixed in parallel chunks)") {
  // p·d = 64 · 1100 values: the gossip step runs as parallel chunks.
  const auto problem = test::make_least_squares(640, 1100, 64, 0.1, 5);
  for (const round::Pipeline& pipeline : {gossip(TopologyKind::torus), choco(TopologyKind::exponential, 50, 0.5)}) {
    auto once = [&](int threads) {
      tbb::task_arena arena(threads);
      test::RunResult result;
      arena.execute([&] { result = run(*problem, pipeline, {}, 12, 3); });
      return result;
    };
    const auto one = once(1);
    const auto two = once(2);
    CHECK(same_evaluations(one.rows, two.rows));
    CHECK(same_bits(one.report.final_model, two.report.final_model));
  }
}

TEST_CASE("gossip: what has no meaning without a server, and impossible topologies, are refused by key") {
  auto key_of = [](const round::Pipeline& pipeline, bool averages_state = false) -> std::string {
    try {
      round::check_gossip(pipeline, 6, averages_state);
    } catch (const round::PipelineRuleError& e) {
      return e.key();
    }
    return "";
  };
  round::Pipeline sampled = gossip(TopologyKind::ring);
  sampled.participation.kind = round::ParticipationKind::uniform;
  sampled.participation.clients = 3;
  CHECK(key_of(sampled) == "participation");
  round::Pipeline server = gossip(TopologyKind::ring);
  server.server.kind = round::ServerKind::momentum;
  CHECK(key_of(server) == "server");
  CHECK(key_of(gossip(TopologyKind::ring), true) == "optimizer");
  round::Pipeline compressed_dsgd = choco(TopologyKind::ring, 3, 0.5);
  compressed_dsgd.gossip.algorithm = GossipAlgorithm::dsgd;
  CHECK(key_of(compressed_dsgd) == "compression");
  round::Pipeline bare_choco = choco(TopologyKind::ring, 3, 0.5);
  bare_choco.compression.enabled = false;
  CHECK(key_of(bare_choco) == "gossip.algorithm");
  round::Pipeline fed_back = choco(TopologyKind::ring, 3, 0.5);
  fed_back.compression.feedback = compression::Feedback::ef;
  CHECK(key_of(fed_back) == "compression.feedback");
  CHECK(key_of(choco(TopologyKind::ring, 3, 0.0)) == "gossip.consensus_step");
  round::Pipeline torus = gossip(TopologyKind::torus);
  torus.gossip.topology.rows = 4;  // does not divide 6
  CHECK(key_of(torus) == "gossip.topology");
  CHECK(key_of(gossip(TopologyKind::star, MixingWeights::uniform)) == "gossip.weights");
  round::Pipeline regular = gossip(TopologyKind::random_regular);
  regular.gossip.topology.degree = 3;
  CHECK(key_of(regular).empty());
  regular.gossip.topology.degree = 6;  // d < n
  CHECK(key_of(regular) == "gossip.topology");
  // The engine checks the same rules.
  const auto problem = test::make_least_squares(200, 10, 6);
  FixedPeriod schedule(4);
  const ConstantStepSize eta(0.05);
  const ConstantCompute compute(1.0);
  const ConstantNetwork network(0.0);
  const Momentum averaged(0.9, StateAtSync::average);
  const round::Pipeline ring = gossip(TopologyKind::ring);
  CHECK_THROWS_AS(Engine(*problem, EngineConfig{6, 10, 1, 0}, Algorithm{schedule, eta, averaged, ring},
                         ClockModels{compute, network}),
                  round::PipelineRuleError);
  const Momentum kept(0.9, StateAtSync::keep);
  CHECK_NOTHROW(Engine(*problem, EngineConfig{6, 10, 1, 0}, Algorithm{schedule, eta, kept, ring},
                       ClockModels{compute, network}));
}

TEST_CASE("gossip: the memory estimate counts the next models (D-SGD) or the public copies (CHOCO)") {
  EngineShape shape{.workers = 100, .dim = 1000, .batch = 4, .threads = 2};
  const double plain = Engine::estimate_bytes(shape);
  shape.pipeline = gossip(TopologyKind::ring);
  const double dsgd = Engine::estimate_bytes(shape);
  shape.pipeline = choco(TopologyKind::ring, 10, 0.5);
  const double choco_bytes = Engine::estimate_bytes(shape);
  CHECK(dsgd - plain >= 100 * 1000 * 8.0);
  CHECK(dsgd - plain < 100 * (1000 * 8.0 + 200));
  CHECK(choco_bytes - plain >= 100 * 1000 * 8.0);
  CHECK(choco_bytes - plain < 100 * (1000 * 8.0 + 200) + 16 * 4 * 1000 * 8.0);
}
