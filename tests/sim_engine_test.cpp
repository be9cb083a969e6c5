// sim/engine.hpp: the identities of docs/design.md §2–4 and the paper's Algorithm 1.
#include "sim/engine.hpp"

#include <tbb/task_arena.h>

#include <array>
#include <catch2/catch.hpp>

#include "problems/logistic.hpp"
#include "problems/nonconvex_pl.hpp"
#include "problems/quadratic.hpp"
#include "sim/minibatch.hpp"
#include "support/fixtures.hpp"

using namespace localsgd;
using test::every_step;
using test::run_engine;


TEST_CASE("p = 1 local SGD is bit-identical to a plain serial SGD loop") {
  const auto problem = test::make_least_squares(200, 5, 1);
  const InverseTimeStepSize eta(0.05, 50);
  FixedPeriod schedule(7);  // with one worker, averaging must be the identity
  const long steps = 300;
  const int batch = 4;
  const std::uint64_t seed = 3;
  const auto result = run_engine(*problem, schedule, eta,
                                 {.steps = steps, .batch = batch, .seed = seed, .eval_steps = every_step(steps)});

  // The loop a researcher would write: same stream, same shard, same update.
  const auto& a = problem->data().features.dense();
  const auto& y = problem->data().targets;
  const auto& shard = problem->shard(0);
  Vector x = Vector::Zero(5);
  Vector g(5);
  REQUIRE(result.rows.size() == steps + 1);
  CHECK(result.rows[0].loss == problem->loss(x));
  for (long t = 1; t <= steps; ++t) {
    Rng rng(seed, StreamPurpose::sampling, 0, static_cast<std::uint64_t>(t));  // step t's draws
    g.setZero();
    for (int b = 0; b < batch; ++b) {
      const Index j = shard[uniform_index(rng, shard.size())];
      const double residual = a.row(j).dot(x) - y[j];
      g.noalias() += residual * a.row(j).transpose();
    }
    g /= static_cast<double>(batch);
    x.noalias() -= eta.at(t - 1) * g;
    REQUIRE(result.rows[static_cast<std::size_t>(t)].loss == problem->loss(x));
    REQUIRE(result.rows[static_cast<std::size_t>(t)].consensus == 0.0);
  }
  CHECK((result.report.final_model.array() == x.array()).all());
}

TEST_CASE("tau = 1 with p workers and batch B equals mini-batch SGD with batch pB on the same samples") {
  const int workers = 4;
  const int batch = 3;
  const long steps = 200;
  const std::uint64_t seed = 11;
  const auto problem = test::make_least_squares(400, 6, workers);
  const ConstantStepSize eta(0.02);
  EveryStep schedule;
  const auto result = run_engine(*problem, schedule, eta,
                                 {.steps = steps, .batch = batch, .seed = seed, .eval_steps = every_step(steps)});

  // Mini-batch SGD with pB samples: worker i's B samples come from its own stream and shard.
  const auto& a = problem->data().features.dense();
  const auto& y = problem->data().targets;
  Vector x = Vector::Zero(6);
  double worst = 0;
  for (long t = 1; t <= steps; ++t) {
    Vector g = Vector::Zero(6);
    for (int i = 0; i < workers; ++i) {
      const auto& shard = problem->shard(i);
      Rng draws(seed, StreamPurpose::sampling, static_cast<std::uint64_t>(i), static_cast<std::uint64_t>(t));
      for (int b = 0; b < batch; ++b) {
        const Index j = shard[uniform_index(draws, shard.size())];
        g += a.row(j).transpose() * (a.row(j).dot(x) - y[j]);
      }
    }
    x -= eta.at(t - 1) * g / static_cast<double>(workers * batch);
    const double loss = result.rows[static_cast<std::size_t>(t)].loss;
    worst = std::max(worst, std::abs(loss - problem->loss(x)) / problem->loss(x));
  }
  // The two differ only in the order of summation (per worker, then across workers).
  CHECK(worst < 1e-12);
  CHECK((result.report.final_model - x).norm() <= 1e-12 * x.norm());
  CHECK(result.report.rounds == steps);
}

TEST_CASE("after every sync all workers hold the mean of their pre-sync models") {
  class Checker final : public Observer {
   public:
    void before_sync(long, const ModelsView& models, const Vector& average) override {
      Vector mean = models[0];
      for (std::size_t i = 1; i < models.size(); ++i) mean += models[i];
      mean /= static_cast<double>(models.size());
      exact &= (mean.array() == average.array()).all();  // fixed order: worker 0, 1, ..., p-1
      double spread = 0;
      for (std::size_t i = 0; i < models.size(); ++i) spread += (models[i] - average).squaredNorm();
      distinct |= spread > 0;  // the models really differed before the sync
      expected = average;
    }
    void after_sync(const SyncPoint& sync) override {
      ++syncs;
      for (std::size_t i = 0; i < sync.models.size(); ++i) {
        equal &= (sync.models[i].array() == expected.array()).all();
      }
    }
    bool exact = true, equal = true, distinct = false;
    int syncs = 0;
    Vector expected;
  } checker;
  const auto problem = test::make_least_squares(300, 4, 5);
  const ConstantStepSize eta(0.02);
  FixedPeriod schedule(6);
  const auto result = run_engine(*problem, schedule, eta,
                                 {.steps = 40, .batch = 2, .seed = 1, .eval_steps = {0, 40}, .observers = {&checker}});
  CHECK(checker.syncs == 7);  // 6, 12, ..., 36 and 40
  CHECK(checker.exact);
  CHECK(checker.equal);
  CHECK(checker.distinct);
  CHECK((result.report.final_model.array() == checker.expected.array()).all());
}

TEST_CASE("same seed, same bits: 1 thread vs 2 threads") {
  const auto problem = test::make_least_squares(800, 10, 8);
  const InverseTimeStepSize eta(0.05, 100);
  auto run_with = [&](int threads) {
    tbb::task_arena arena(threads);
    test::RunResult result;
    arena.execute([&] {
      FixedPeriod schedule(5);
      result =
          run_engine(*problem, schedule, eta, {.steps = 500, .batch = 4, .seed = 42, .eval_steps = every_step(500)});
    });
    return result;
  };
  const auto one = run_with(1);
  const auto two = run_with(2);
  CHECK(test::same_evaluations(one.rows, two.rows));
  CHECK((one.report.final_model.array() == two.report.final_model.array()).all());
}

TEST_CASE("same seed, same bits on 1 and 2 threads with enough work to step in parallel, for every problem") {
  // p·τ·B·d = 64·16·8·100 is far above the engine's threshold: the stretches of local steps run
  // as tasks over chunks of workers (2 threads: 16 chunks), which must change no bit.
  const int p = 64;
  const Index d = 100;
  const int batch = 8;
  const long tau = 16;
  REQUIRE(Engine::runs_in_parallel(p, tau, batch, d));
  REQUIRE_FALSE(Engine::runs_in_parallel(8, 5, 4, 10));  // the test above stays serial

  const auto least_squares = test::make_least_squares(p * 20, d, p);
  const auto classes = make_two_gaussians({p * 20, d, 1.0}, 3);
  const Logistic logistic(classes, iid_partition(p * 20, p, 3), 1e-3);
  QuadraticOptions quadratic_options;
  quadratic_options.eigenvalues = linear_spectrum(d, 0.1, 1.0, 0);
  quadratic_options.noise = {1.0, 0.5};
  quadratic_options.heterogeneity = 0.3;
  const Quadratic quadratic(quadratic_options, p, 5);
  NonconvexPlOptions pl_options;
  pl_options.dim = d;
  pl_options.noise = {1.0, 0.0};
  pl_options.heterogeneity = 0.3;
  const NonconvexPl nonconvex_pl(pl_options, p, 6);

  const ConstantStepSize eta(0.02);
  for (const Problem* problem :
       std::initializer_list<const Problem*>{least_squares.get(), &logistic, &quadratic, &nonconvex_pl}) {
    auto run_with = [&](int threads) {
      tbb::task_arena arena(threads);
      test::RunResult result;
      arena.execute([&] {
        FixedPeriod schedule(tau);
        result =
            run_engine(*problem, schedule, eta,
                       {.steps = 3 * tau, .batch = batch, .seed = 9, .eval_steps = {0, 5, tau, 2 * tau + 3, 3 * tau}});
      });
      return result;
    };
    const auto one = run_with(1);
    const auto two = run_with(2);
    INFO(problem->name());
    REQUIRE(one.rows.size() == 5);
    CHECK(one.rows.back().gap < one.rows.front().gap);  // it ran: SGD made progress
    CHECK(test::same_evaluations(one.rows, two.rows));
    CHECK((one.report.final_model.array() == two.report.final_model.array()).all());
  }
}

TEST_CASE("evaluating every step or every 100 steps does not change the trajectory") {
  const auto problem = test::make_least_squares(600, 8, 3);
  const InverseTimeStepSize eta(0.05, 100);
  FixedPeriod dense_schedule(7), sparse_schedule(7);
  std::vector<long> sparse_steps;
  for (long t = 0; t <= 1000; t += 100) sparse_steps.push_back(t);
  const auto dense =
      run_engine(*problem, dense_schedule, eta, {.steps = 1000, .batch = 2, .seed = 5, .eval_steps = every_step(1000)});
  const auto sparse =
      run_engine(*problem, sparse_schedule, eta, {.steps = 1000, .batch = 2, .seed = 5, .eval_steps = sparse_steps});
  REQUIRE(sparse.rows.size() == sparse_steps.size());
  std::vector<Evaluation> shared;
  for (const auto& row : dense.rows) {
    if (row.step % 100 == 0) shared.push_back(row);
  }
  CHECK(test::same_evaluations(shared, sparse.rows));
  CHECK((dense.report.final_model.array() == sparse.report.final_model.array()).all());
}

TEST_CASE("virtual clock: constant compute c and network C give T*c + R*C, with step times in between") {
  const auto problem = test::make_least_squares(60, 3, 3);
  const ConstantStepSize eta(0.01);
  FixedPeriod schedule(4);  // syncs at 4, 8, 10: R = 3
  // Dyadic constants, so that every sum is exact in binary floating point.
  const auto result = run_engine(*problem, schedule, eta,
                                 {.steps = 10,
                                  .batch = 1,
                                  .seed = 0,
                                  .eval_steps = every_step(10),
                                  .compute_seconds = 0.25,
                                  .network_seconds = 0.5});
  CHECK(result.report.rounds == 3);
  CHECK(result.report.virtual_time == 10 * 0.25 + 3 * 0.5);
  CHECK(result.report.communication_time == 1.5);
  const std::vector<double> expected_time = {0, 0.25, 0.5, 0.75, 1.5, 1.75, 2.0, 2.25, 3.0, 3.25, 4.0};
  const std::vector<int> expected_round = {0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 3};
  for (std::size_t t = 0; t <= 10; ++t) {
    CHECK(result.rows[t].time == expected_time[t]);
    CHECK(result.rows[t].round == expected_round[t]);
    CHECK(result.rows[t].samples == static_cast<long>(3 * t));
  }
  for (double idle : result.report.idle_seconds) CHECK(idle == 0.0);
  for (double busy : result.report.busy_seconds) CHECK(busy == 2.5);
}

TEST_CASE("a step size far above 2/L diverges and the run says where") {
  const auto problem = test::make_least_squares(200, 5, 2);
  const ConstantStepSize eta(50.0);
  FixedPeriod schedule(10);
  const auto result =
      run_engine(*problem, schedule, eta, {.steps = 5000, .batch = 1, .seed = 0, .eval_steps = {0, 5000}});
  CHECK(result.report.termination == Termination::diverged);
  CHECK(result.report.steps_done < 5000);
  CHECK(result.report.steps_done % 10 == 0);  // detected at a sync
  REQUIRE(result.rows.size() == 2);
  CHECK(result.rows.back().step == result.report.steps_done);
  CHECK_FALSE(std::isfinite(result.rows.back().loss));
}

namespace {

// Runs T steps of one-shot local SGD, evaluating at steps 0 and T only.
RunReport run_one_shot(const Problem& problem, EngineConfig config, double eta, std::vector<Evaluation>* rows) {
  const ConstantStepSize step_size(eta);
  OneShot schedule;
  const Sgd sgd;
  const ConstantCompute compute(1.0);
  const ConstantNetwork network(0.0);
  Engine engine(problem, config, Algorithm{schedule, step_size, sgd}, ClockModels{compute, network});
  test::Recorder recorder;
  std::vector<Observer*> observers = {&recorder};
  const std::vector<long> eval_steps = {0, config.steps};
  const RunReport report = engine.run(Vector::Zero(problem.dim()), eval_steps, observers);
  if (rows != nullptr) *rows = recorder.rows;
  return report;
}

}  // namespace

TEST_CASE("a stop request ends a run as interrupted within one segment; without one nothing changes") {
  const auto problem = test::make_least_squares(400, 50, 2);
  EngineConfig config{2, 10000, 16, 1};
  REQUIRE(segment_steps(16, 50) < 10000);  // watching for a stop splits the run into segments
  std::vector<Evaluation> plain_rows, watched_rows;
  const RunReport plain = run_one_shot(*problem, config, 0.01, &plain_rows);
  std::atomic<bool> stop{false};
  config.stop = &stop;
  const RunReport watched = run_one_shot(*problem, config, 0.01, &watched_rows);
  CHECK(watched.termination == Termination::completed);
  CHECK(test::same_evaluations(plain_rows, watched_rows));  // checking the flag changes no bit
  CHECK(watched.final_model == plain.final_model);

  stop = true;
  std::vector<Evaluation> rows;
  const RunReport stopped = run_one_shot(*problem, config, 0.01, &rows);
  CHECK(stopped.termination == Termination::interrupted);
  CHECK(stopped.steps_done == 0);
  CHECK(rows.size() == 1);  // step 0 only
}

TEST_CASE("divergence: a non-finite model, or a gap above the threshold at an evaluation point") {
  const auto problem = test::make_least_squares(200, 5, 2);
  const std::vector<long> eval_steps = {0, 10, 20, 30, 40};
  auto run = [&](double eta, double threshold) {
    const ConstantStepSize step_size(eta);
    FixedPeriod schedule(5);
    const Sgd sgd;
    const ConstantCompute compute(1.0);
    const ConstantNetwork network(0.0);
    EngineConfig config{2, 40, 2, 1};
    config.divergence_gap = threshold;
    Engine engine(*problem, config, Algorithm{schedule, step_size, sgd}, ClockModels{compute, network});
    test::Recorder recorder;
    std::vector<Observer*> observers = {&recorder};
    const RunReport report = engine.run(Vector::Zero(5), eval_steps, observers);
    return std::pair{report, recorder.rows};
  };
  const auto [fine, fine_rows] = run(0.05, 1e6);
  CHECK(fine.termination == Termination::completed);
  CHECK(fine_rows.size() == 5);

  // The same stable run with a threshold below its starting gap stops at the first evaluation after 0.
  const auto [strict, strict_rows] = run(0.05, 1e-12);
  CHECK(strict.termination == Termination::diverged);
  CHECK(strict.steps_done == 10);
  CHECK(strict_rows.back().step == 10);

  // A step size far above 2/L explodes; with an infinite threshold only overflow stops it.
  const auto [exploding, exploding_rows] = run(3.0, 1e6 * std::max(fine_rows.front().gap, 1.0));
  CHECK(exploding.termination == Termination::diverged);
  CHECK(std::isfinite(exploding_rows.back().gap));
  CHECK(exploding_rows.back().gap > 1e6);
  const auto [overflowing, overflowing_rows] = run(1e200, std::numeric_limits<double>::infinity());
  CHECK(overflowing.termination == Termination::diverged);
  CHECK(overflowing.steps_done == 5);  // the first sync: the averaged model is not finite
  CHECK_FALSE(std::isfinite(overflowing_rows.back().loss));
}

TEST_CASE("drawing the rows of the next steps ahead changes no bit of the run") {
  // The same least-squares problem behind an adapter that presents it as a stochastic oracle
  // drawing each step's rows when the step starts, instead of the engine drawing them ahead.
  class DrawsEachStep final : public Problem, public StochasticOracle {
   public:
    explicit DrawsEachStep(const LeastSquares& inner) : inner_(inner) {}
    std::string_view name() const override { return inner_.name(); }
    Index dim() const override { return inner_.dim(); }
    int workers() const override { return inner_.workers(); }
    double loss(const Vector& x) const override { return inner_.loss(x); }
    void gradient(const Vector& x, Vector& out) const override { inner_.gradient(x, out); }
    double gap(const Vector& x) const override { return inner_.gap(x); }
    const ProblemConstants& constants() const override { return inner_.constants(); }
    const StochasticOracle* stochastic_oracle() const override { return this; }
    void stochastic_gradient(int worker, const Vector& x, int batch, Rng& rng, Vector& out) const override {
      std::array<Index, 16> rows{};
      draw_minibatch(inner_.shard(worker), batch, rng, rows.data());
      inner_.batch_gradient(x, rows.data(), batch, out);
    }

   private:
    const LeastSquares& inner_;
  };
  const auto problem = test::make_least_squares(500, 6, 4);
  const DrawsEachStep unsplit(*problem);
  REQUIRE(problem->finite_sum() != nullptr);
  const InverseTimeStepSize eta(0.05, 30);
  // B = 1, 3, 9: 8, 2 and 1 steps drawn ahead; evaluation points and syncs cut the stretches.
  for (const int batch : {1, 3, 9}) {
    for (const long tau : {1L, 5L}) {
      FixedPeriod a(tau), b(tau);
      const auto split = run_engine(*problem, a, eta,
                                    {.steps = 37, .batch = batch, .seed = 8, .eval_steps = {0, 1, 2, 10, 11, 35, 37}});
      const auto plain = run_engine(unsplit, b, eta,
                                    {.steps = 37, .batch = batch, .seed = 8, .eval_steps = {0, 1, 2, 10, 11, 35, 37}});
      INFO("B = " << batch << ", tau = " << tau);
      CHECK(test::same_evaluations(split.rows, plain.rows));
      CHECK((split.report.final_model.array() == plain.report.final_model.array()).all());
    }
  }
}

TEST_CASE("Engine::estimate_bytes counts, per worker, the model and state; per chunk, the rows drawn ahead") {
  EngineShape shape;
  shape.workers = 1000;
  shape.dim = 50;
  shape.batch = 4;
  shape.finite_sum = true;
  shape.draws_compute_times = false;
  shape.threads = 2;
  const double base = Engine::estimate_bytes(shape);
  const double model = 8.0 * 50;
  CHECK(base >= 1000 * (static_cast<double>(sizeof(Worker)) + model));

  // No generator state: a worker is its struct, its model (and optimizer state), nothing else.
  CHECK(sizeof(Worker) <= 96);

  EngineShape oracle = shape;
  // No rings of rows: two per chunk (16 chunks for 2 threads), each (lookahead(4) + 1) · B = 12
  // indices of 8 bytes, plus the block.
  oracle.finite_sum = false;
  REQUIRE(Engine::lookahead(4) == 2);
  CHECK(base - Engine::estimate_bytes(oracle) == 16 * 2 * (12 * 8.0 + 16));

  EngineShape adam = shape;
  adam.optimizer_state_vectors = 2;  // two more vectors of d per worker, and their averages at a sync
  CHECK(Engine::estimate_bytes(adam) - base >= 1000 * 2 * model + 2 * model);

  EngineShape drawn = shape;
  drawn.draws_compute_times = true;  // addressed draws: nothing held per worker
  CHECK(Engine::estimate_bytes(drawn) == base);

  EngineShape twice = shape;
  twice.workers = 2000;
  CHECK(Engine::estimate_bytes(twice) - base >= 1000 * (static_cast<double>(sizeof(Worker)) + model));
}
