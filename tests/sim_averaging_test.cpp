// sim/averaging.hpp: the average is tree-ordered (core/tree_sum.hpp) and independent of the thread
// count and blocking.
#include "sim/averaging.hpp"

#include <tbb/task_arena.h>

#include <catch2/catch.hpp>
#include <vector>

#include "core/random.hpp"
#include "core/tree_sum.hpp"

using namespace localsgd;

namespace {

// p random models of dimension d whose coordinates span `decades` orders of magnitude (so that
// the order of the sum matters), averaged on 1 and on 2 threads: both must equal the serial
// tree-ordered sum (per coordinate) bit for bit.
void check_average_is_fixed_order(std::size_t p, Index d, std::uint64_t seed, int decades) {
  Rng rng = make_stream(seed, StreamPurpose::data);
  std::vector<Vector> models(p, Vector(d));
  for (auto& m : models) {
    for (Index k = 0; k < d; ++k) {
      m[k] = standard_normal(rng) * std::pow(10.0, static_cast<double>(k % decades) - decades / 2);
    }
  }
  const auto model_at = [&](std::size_t i) -> const Vector& { return models[i]; };
  Vector serial(d);
  for (Index k = 0; k < d; ++k) {
    serial[k] = tree::sum_scalars(p, [&](std::size_t i) { return models[i][k]; }) / static_cast<double>(p);
  }
  Vector one(d), two(d);
  AveragingScratch scratch_one, scratch_two;
  tbb::task_arena(1).execute([&] { deterministic_average(p, model_at, one, scratch_one); });
  tbb::task_arena(2).execute([&] { deterministic_average(p, model_at, two, scratch_two); });
  CHECK((one.array() == serial.array()).all());
  CHECK((two.array() == serial.array()).all());
}

}  // namespace

TEST_CASE("deterministic_average: same bits on 1 and 2 threads, equal to the serial tree-ordered sum") {
  // Large enough (p·d above the threshold) to take the parallel, blocked path; d not a multiple
  // of the block size.
  check_average_is_fixed_order(24, 10007, 2, 7);
}

TEST_CASE("deterministic_average: many workers with a small dimension take the parallel path, same bits") {
  // p·d above the threshold with d = 20: subtrees of workers summed in parallel, combined in the
  // tree's order.
  check_average_is_fixed_order(5000, 20, 3, 5);
}
