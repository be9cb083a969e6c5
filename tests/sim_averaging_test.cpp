// sim/averaging.hpp: the average is fixed-order and independent of the thread count and blocking.
#include "sim/averaging.hpp"

#include <tbb/task_arena.h>

#include <catch2/catch.hpp>
#include <vector>

#include "core/random.hpp"

using namespace localsgd;

TEST_CASE("deterministic_average: same bits on 1 and 2 threads, equal to the serial fixed-order sum") {
  // Large enough (p·d above the threshold) to take the parallel, blocked path.
  const std::size_t p = 24;
  const Index d = 10007;  // not a multiple of the block size
  Rng rng = make_stream(2, StreamPurpose::data);
  std::vector<Vector> models(p, Vector(d));
  for (auto& m : models) {
    for (Index k = 0; k < d; ++k) m[k] = standard_normal(rng) * std::pow(10.0, static_cast<double>(k % 7) - 3);
  }
  const auto model_at = [&](std::size_t i) -> const Vector& { return models[i]; };
  Vector serial(d);
  for (Index k = 0; k < d; ++k) {
    double sum = models[0][k];
    for (std::size_t i = 1; i < p; ++i) sum += models[i][k];
    serial[k] = sum / static_cast<double>(p);
  }
  Vector one(d), two(d);
  tbb::task_arena(1).execute([&] { deterministic_average(p, model_at, one); });
  tbb::task_arena(2).execute([&] { deterministic_average(p, model_at, two); });
  CHECK((one.array() == serial.array()).all());
  CHECK((two.array() == serial.array()).all());
}

TEST_CASE("deterministic_average: many workers with a small dimension take the parallel path, same bits") {
  // p·d above the threshold with d = 20: coordinate blocks of one cache line, each summed over
  // all workers in order.
  const std::size_t p = 5000;
  const Index d = 20;
  Rng rng = make_stream(3, StreamPurpose::data);
  std::vector<Vector> models(p, Vector(d));
  for (auto& m : models) {
    for (Index k = 0; k < d; ++k) m[k] = standard_normal(rng) * std::pow(10.0, static_cast<double>(k % 5) - 2);
  }
  const auto model_at = [&](std::size_t i) -> const Vector& { return models[i]; };
  Vector serial(d);
  for (Index k = 0; k < d; ++k) {
    double sum = models[0][k];
    for (std::size_t i = 1; i < p; ++i) sum += models[i][k];
    serial[k] = sum / static_cast<double>(p);
  }
  Vector one(d), two(d);
  tbb::task_arena(1).execute([&] { deterministic_average(p, model_at, one); });
  tbb::task_arena(2).execute([&] { deterministic_average(p, model_at, two); });
  CHECK((one.array() == serial.array()).all());
  CHECK((two.array() == serial.array()).all());
}
