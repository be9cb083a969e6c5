// Split-workers mode (sim/worker_split.hpp, DESIGN.md §5.6): one run's workers divided among R
// ranks gives the bits of the one-process run. Here the ranks are R threads of this process with
// an in-memory all-gather (the MPI ranks' implementation is experiments/mpi/; tests/mpi/ runs it).
#include <barrier>
#include <functional>
#include <thread>

#include <catch2/catch.hpp>

#include "algorithms/optimizers/momentum.hpp"
#include "algorithms/round/pipeline_rules.hpp"
#include "algorithms/schedules/ada_lupa_loss.hpp"
#include "core/random.hpp"
#include "support/fixtures.hpp"

using namespace localsgd;
using test::same_bits;
using test::same_evaluations;

namespace {

// R threads that meet at an all-gather: each copies its values into its slot, all wait, each
// reads every slot in rank order, all wait again (so that no slot is overwritten while read).
class ThreadRanks {
 public:
  explicit ThreadRanks(int ranks) : barrier_(ranks), slots_(static_cast<std::size_t>(ranks)) {}
  void all_gather(int rank, std::span<const double> mine, std::span<const std::size_t> counts, std::span<double> all) {
    slots_[static_cast<std::size_t>(rank)].assign(mine.begin(), mine.end());
    barrier_.arrive_and_wait();
    std::size_t at = 0;
    for (std::size_t r = 0; r < slots_.size(); ++r) {
      if (slots_[r].size() != counts[r]) mismatches_.fetch_add(1);  // a rank sent what the counts do not say
      std::copy(slots_[r].begin(), slots_[r].end(), all.begin() + static_cast<std::ptrdiff_t>(at));
      at += counts[r];
    }
    barrier_.arrive_and_wait();
  }
  int mismatches() const { return mismatches_.load(); }

 private:
  std::barrier<> barrier_;
  std::vector<std::vector<double>> slots_;
  std::atomic<int> mismatches_{0};
};

class ThreadRank final : public RankCollectives {
 public:
  ThreadRank(ThreadRanks& group, int rank, int ranks) : group_(group), rank_(rank), ranks_(ranks) {}
  int rank() const override { return rank_; }
  int ranks() const override { return ranks_; }
  void all_gather(std::span<const double> mine, std::span<const std::size_t> counts, std::span<double> all) override {
    group_.all_gather(rank_, mine, counts, all);
  }

 private:
  ThreadRanks& group_;
  int rank_, ranks_;
};

// Runs body(rank, collectives) on R threads at once.
void on_ranks(int ranks, const std::function<void(int, RankCollectives&)>& body) {
  ThreadRanks group(ranks);
  std::vector<std::thread> threads;
  for (int r = 0; r < ranks; ++r) {
    threads.emplace_back([&, r] {
      ThreadRank me(group, r, ranks);
      body(r, me);
    });
  }
  for (std::thread& t : threads) t.join();
  CHECK(group.mismatches() == 0);
}

// A run's parts, built afresh for every rank (an adaptive schedule has state).
struct Setup {
  std::shared_ptr<const LeastSquares> problem;
  std::function<std::unique_ptr<SyncSchedule>()> schedule;
  std::function<std::unique_ptr<ComputeModel>()> compute;
  std::function<std::unique_ptr<LocalOptimizer>()> optimizer;
  round::Pipeline pipeline;
  long steps = 60;
  int batch = 2;
  std::vector<long> eval_steps;
};

test::RunResult run_once(const Setup& s, RankCollectives* ranks, const std::atomic<bool>* stop = nullptr) {
  const auto schedule = s.schedule();
  const auto compute = s.compute();
  const auto optimizer = s.optimizer();
  const ConstantStepSize eta(0.05);
  const ConstantNetwork network(0.25);
  EngineConfig config{s.problem->workers(), s.steps, s.batch, 11};
  config.split_ranks = ranks;
  config.stop = stop;
  Engine engine(*s.problem, config, Algorithm{*schedule, eta, *optimizer, s.pipeline}, ClockModels{*compute, network});
  test::Recorder recorder;
  std::vector<Observer*> observers = {&recorder};
  test::RunResult result;
  result.report = engine.run(Vector::Zero(s.problem->dim()), s.eval_steps, observers);
  result.rows = recorder.rows;
  return result;
}

void check_same_run(const test::RunResult& split, const test::RunResult& whole, bool rank0) {
  if (rank0) CHECK(same_evaluations(split.rows, whole.rows));
  if (!rank0) CHECK(split.rows.empty());  // only rank 0's observers hear the run
  CHECK(same_bits(split.report.final_model, whole.report.final_model));
  CHECK(split.report.virtual_time == whole.report.virtual_time);
  CHECK(split.report.rounds == whole.report.rounds);
  CHECK(split.report.steps_done == whole.report.steps_done);
  CHECK(split.report.busy_seconds == whole.report.busy_seconds);
  CHECK(split.report.idle_seconds == whole.report.idle_seconds);
  CHECK(split.report.communication_time == whole.report.communication_time);
  CHECK(split.report.termination == whole.report.termination);
}

void check_split_equals_whole(const Setup& s, int max_ranks) {
  const test::RunResult whole = run_once(s, nullptr);
  REQUIRE(whole.rows.size() == s.eval_steps.size());
  for (int ranks = 1; ranks <= max_ranks; ++ranks) {
    INFO("ranks " << ranks);
    std::vector<test::RunResult> results(static_cast<std::size_t>(ranks));
    on_ranks(ranks, [&](int r, RankCollectives& me) { results[static_cast<std::size_t>(r)] = run_once(s, &me); });
    for (int r = 0; r < ranks; ++r) {
      INFO("rank " << r);
      check_same_run(results[static_cast<std::size_t>(r)], whole, r == 0);
    }
  }
}

std::vector<long> every(long k, long steps) {
  std::vector<long> out;
  for (long t = 0; t <= steps; t += k) out.push_back(t);
  return out;
}

// LUPA-SGD, τ = 4, on p = 200 (four blocks of the sum tree: 64, 64, 64, 8), a constant clock.
Setup lupa_on_200_workers() {
  Setup s;
  s.problem = test::make_least_squares(2000, 5, 200);
  s.schedule = [] { return std::make_unique<FixedPeriod>(4); };
  s.compute = [] { return std::make_unique<ConstantCompute>(0.01); };
  s.optimizer = [] { return std::make_unique<Sgd>(); };
  s.eval_steps = every(5, s.steps);
  return s;
}

}  // namespace

TEST_CASE("worker shares: whole subtrees, left to right, contiguous and balanced") {
  for (std::size_t p : {1UL, 63UL, 64UL, 65UL, 200UL, 1000UL, 4097UL, 100000UL}) {
    for (int ranks = 1; ranks <= 7; ++ranks) {
      INFO("p " << p << ", ranks " << ranks);
      const WorkerShares shares(p, ranks);
      // The nodes partition the tree (combine_partial_sums throws otherwise) and their sums add
      // up to the whole sum's bits.
      std::vector<double> partials;
      for (const tree::Node& n : shares.nodes()) partials.push_back(tree::sum_node_scalars(p, n, [](std::size_t i) { return 1.0 / (1.0 + static_cast<double>(i)); }));
      CHECK(tree::combine_partial_sums(p, shares.nodes(), partials) ==
            tree::sum_scalars(p, [](std::size_t i) { return 1.0 / (1.0 + static_cast<double>(i)); }));
      std::size_t next = 0;
      for (int r = 0; r < ranks; ++r) {
        CHECK(shares.first_worker(r) == next);
        next = shares.end_worker(r);
      }
      CHECK(next == p);
      // 4R nodes cut into R groups: no share above 1.25 of an even one (where the tree is that large).
      if (p >= 64 * 4 * static_cast<std::size_t>(ranks)) {
        CHECK(static_cast<double>(shares.most_workers()) <= 1.25 * static_cast<double>(p) / ranks + 64);
      }
    }
  }
}

TEST_CASE("split sums: vectors and scalars have the one-process bits on every rank, whatever R") {
  const std::size_t p = 1000;
  const Index d = 37;
  std::vector<Vector> values;
  Rng draws(5, 0, 0);
  for (std::size_t i = 0; i < p; ++i) {
    Vector v(d);
    for (Index c = 0; c < d; ++c) v[c] = uniform01(draws) - 0.5;
    values.push_back(v);
  }
  Vector whole(d);
  tree::SumScratch scratch;
  tree::sum_vectors(p, [&](std::size_t i) -> const Vector& { return values[i]; }, whole, scratch);
  const double whole_scalar = tree::sum_scalars(p, [&](std::size_t i) { return values[i][3]; });
  for (int ranks = 1; ranks <= 5; ++ranks) {
    INFO("ranks " << ranks);
    std::vector<Vector> sums(static_cast<std::size_t>(ranks), Vector(d));
    std::vector<double> scalars(static_cast<std::size_t>(ranks));
    std::vector<int> outside(static_cast<std::size_t>(ranks), 0);
    on_ranks(ranks, [&](int r, RankCollectives& me) {
      WorkerSplit split(p, me);
      const auto own = [&, r](std::size_t i) -> const Vector& {
        if (i < split.first_worker() || i >= split.end_worker()) ++outside[static_cast<std::size_t>(r)];
        return values[i];
      };
      split.sum_vectors(own, sums[static_cast<std::size_t>(r)]);
      scalars[static_cast<std::size_t>(r)] = split.sum_scalars([&](std::size_t i) { return own(i)[3]; });
    });
    for (int r = 0; r < ranks; ++r) {
      CHECK(same_bits(sums[static_cast<std::size_t>(r)], whole));
      CHECK(scalars[static_cast<std::size_t>(r)] == whole_scalar);
      CHECK(outside[static_cast<std::size_t>(r)] == 0);  // each rank read its own workers only
    }
  }
}

TEST_CASE("split run: LUPA-SGD on R = 1..5 ranks is the one-process run, bit for bit, on every rank") {
  // R = 5 leaves a rank without workers (the tree has four blocks).
  const Setup s = lupa_on_200_workers();
  check_split_equals_whole(s, 5);
}

TEST_CASE("split run: random step times, an adaptive schedule, averaged momentum, weights and a server step") {
  // p = 150 (blocks of 64, 64, 22); ADA-LUPA's loss-driven period reads F(x̄) after each sync on
  // every rank; exponential step times are drawn per (worker, step); the momentum buffers are
  // averaged at syncs through the split sum; shard-size weights and SlowMo's server step.
  Setup s;
  s.problem = test::make_least_squares(1500, 6, 150);
  s.schedule = [] { return std::make_unique<AdaLupaLoss>(2, false); };
  s.compute = [] { return std::make_unique<ExponentialCompute>(0.02); };
  s.optimizer = [] { return std::make_unique<Momentum>(0.5, StateAtSync::average); };
  s.pipeline.aggregation = round::AggregationKind::shard_size;
  s.pipeline.server.kind = round::ServerKind::momentum;
  s.pipeline.server.learning_rate = 1.0;
  s.pipeline.server.momentum = 0.3;
  s.steps = 80;
  s.eval_steps = every(3, s.steps);
  check_split_equals_whole(s, 4);
}

TEST_CASE("split run: a stop request on one rank stops every rank at the same step") {
  const Setup s = lupa_on_200_workers();
  std::vector<test::RunResult> results(3);
  const std::atomic<bool> requested{true}, not_requested{false};
  on_ranks(3, [&](int r, RankCollectives& me) {
    results[static_cast<std::size_t>(r)] = run_once(s, &me, r == 2 ? &requested : &not_requested);
  });
  for (const test::RunResult& r : results) {
    CHECK(r.report.termination == Termination::interrupted);
    CHECK(r.report.steps_done == 0);
  }
}

TEST_CASE("split run: what is not split is refused, naming the key") {
  const auto problem = test::make_least_squares(200, 3, 4);
  round::Pipeline partial;
  partial.participation.kind = round::ParticipationKind::uniform;
  partial.participation.clients = 2;
  try {
    round::check_split_workers(partial);
    FAIL("partial participation accepted");
  } catch (const round::PipelineRuleError& e) {
    CHECK(e.key() == "participation");
  }
  round::Pipeline scaffold;
  scaffold.correction.kind = round::CorrectionKind::scaffold;
  CHECK_THROWS_AS(round::check_split_workers(scaffold), round::PipelineRuleError);
  CHECK_NOTHROW(round::check_split_workers(round::Pipeline{}));
  // A trace needs every worker's model on one rank.
  ThreadRanks group(1);
  ThreadRank me(group, 0, 1);
  FixedPeriod schedule(2);
  const ConstantStepSize eta(0.1);
  const Sgd sgd;
  const ConstantCompute compute(1);
  const ConstantNetwork network(0);
  EngineConfig config{4, 10, 1, 1};
  config.split_ranks = &me;
  config.trace_every = 2;
  CHECK_THROWS_AS(Engine(*problem, config, Algorithm{schedule, eta, sgd, {}}, ClockModels{compute, network}),
                  std::invalid_argument);
}

TEST_CASE("split run: the memory estimate counts the largest share of the workers") {
  EngineShape shape;
  shape.workers = 100000;
  shape.dim = 100;
  shape.threads = 1;
  const double whole = Engine::estimate_bytes(shape);
  shape.ranks = 4;
  const double quarter = Engine::estimate_bytes(shape);
  const double per_worker = 8.0 * 100 + 16 + sizeof(Worker);
  // The workers' part shrinks to the largest share; the sums' scratch is a few vectors of d.
  const WorkerShares shares(100000, 4);
  CHECK(quarter == Approx(whole - static_cast<double>(100000 - shares.most_workers()) * per_worker).epsilon(0.01));
  CHECK(quarter < 0.5 * whole);
}
