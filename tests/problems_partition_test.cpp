// problems/partition.hpp: i.i.d., shared, by-label and Dirichlet partitions, and
// problems/initial_point.hpp.
#include "problems/partition.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <set>

#include "problems/initial_point.hpp"

using namespace localsgd;

namespace {

// Every row in exactly one shard, and no shard empty.
void check_disjoint_cover(const std::vector<Shard>& shards, std::size_t rows) {
  std::vector<int> seen(rows, 0);
  for (const auto& s : shards) {
    CHECK_FALSE(s.empty());
    for (Index j : s) ++seen[static_cast<std::size_t>(j)];
  }
  CHECK(std::all_of(seen.begin(), seen.end(), [](int c) { return c == 1; }));
}

std::vector<double> labels_with_classes(const std::vector<int>& counts) {
  std::vector<double> labels;
  for (std::size_t c = 0; c < counts.size(); ++c) {
    for (int k = 0; k < counts[c]; ++k) labels.push_back(static_cast<double>(c));
  }
  // Interleave the classes so that row order carries no label information.
  std::vector<double> out(labels.size());
  for (std::size_t j = 0; j < labels.size(); ++j) out[(j * 7919) % labels.size()] = labels[j];
  return out;
}

}  // namespace

TEST_CASE("iid_partition: disjoint shards covering every row, sizes within one, seeded") {
  const auto shards = iid_partition(103, 4, 9);
  std::set<Index> seen;
  std::size_t smallest = 1000, largest = 0;
  for (const auto& s : shards) {
    smallest = std::min(smallest, s.size());
    largest = std::max(largest, s.size());
    for (Index j : s) CHECK(seen.insert(j).second);
  }
  CHECK(seen.size() == 103);
  CHECK(*seen.begin() == 0);
  CHECK(*seen.rbegin() == 102);
  CHECK(largest - smallest <= 1);
  CHECK(iid_partition(103, 4, 9) == shards);
  CHECK(iid_partition(103, 4, 10) != shards);
  CHECK_THROWS(iid_partition(3, 4, 9));
}

TEST_CASE("shared partition: every worker samples every row") {
  const auto shards = shared_partition(5, 3);
  REQUIRE(shards.size() == 3);
  for (const auto& s : shards) CHECK(s == Shard{0, 1, 2, 3, 4});
  CHECK_THROWS(shared_partition(0, 3));
}

TEST_CASE("by-label partition: rows sorted by label and cut evenly, so shards hold one class where possible") {
  const std::vector<double> labels = {1, -1, 1, 1, -1, -1, -1, 1};
  const auto shards = by_label_partition(labels, 4);
  check_disjoint_cover(shards, labels.size());
  CHECK(shards[0] == Shard{1, 4});
  CHECK(shards[1] == Shard{5, 6});
  CHECK(shards[2] == Shard{0, 2});
  CHECK(shards[3] == Shard{3, 7});
  const auto uneven = by_label_partition(labels, 3);  // sizes 3, 3, 2
  CHECK(uneven[0].size() == 3);
  CHECK(uneven[2].size() == 2);
  CHECK_THROWS_WITH(by_label_partition(labels, 9), Catch::Contains("at least as many rows as workers"));
}

TEST_CASE("Dirichlet partition: covers every row once, seeded, concentrated for small alpha, spread for large") {
  const std::vector<double> labels = labels_with_classes({300, 300, 300, 300});
  const auto shards = dirichlet_partition(labels, 4, 0.5, 7);
  check_disjoint_cover(shards, labels.size());
  CHECK(dirichlet_partition(labels, 4, 0.5, 7) == shards);
  CHECK(dirichlet_partition(labels, 4, 0.5, 8) != shards);

  // Share of worker 0's rows in its most frequent class: near 1/4 for huge alpha, large for small.
  auto dominant_share = [&](double alpha) {
    double total = 0;
    const auto parts = dirichlet_partition(labels, 4, alpha, 3);
    for (const auto& s : parts) {
      std::vector<int> counts(4, 0);
      for (Index j : s) ++counts[static_cast<std::size_t>(labels[static_cast<std::size_t>(j)])];
      total += *std::max_element(counts.begin(), counts.end()) / static_cast<double>(s.size()) / 4;
    }
    return total;
  };
  CHECK(dominant_share(1000.0) < 0.3);
  CHECK(dominant_share(0.1) > 0.6);
}

TEST_CASE("Dirichlet partition: a worker without rows is an error that names it") {
  const std::vector<double> labels = labels_with_classes({3, 3});
  CHECK_THROWS_WITH(dirichlet_partition(labels, 6, 0.01, 1), Catch::Contains("without rows") && Catch::Contains("alpha"));
}

TEST_CASE("Dirichlet proportions: sum to one; mean 1/k and variance (1/k)(1 - 1/k)/(k alpha + 1)") {
  const std::size_t k = 4;
  for (const double alpha : {0.05, 0.5, 3.0}) {
    Rng rng = make_stream(17, StreamPurpose::partition);
    const int draws = 40000;
    double sum = 0, sum_sq = 0, worst_total = 0, smallest = 1;
    for (int n = 0; n < draws; ++n) {
      const auto q = dirichlet_proportions(rng, k, alpha);
      double total = 0;
      for (double v : q) {
        smallest = std::min(smallest, v);
        total += v;
      }
      worst_total = std::max(worst_total, std::abs(total - 1.0));
      sum += q[0];
      sum_sq += q[0] * q[0];
    }
    CHECK(smallest >= 0);
    CHECK(worst_total < 1e-14);
    const double mean = sum / draws;
    const double variance = sum_sq / draws - mean * mean;
    const double expected_variance = (1.0 / k) * (1 - 1.0 / k) / (k * alpha + 1);
    INFO("alpha " << alpha << ": mean " << mean << ", variance " << variance << " vs " << expected_variance);
    CHECK(std::abs(mean - 0.25) < 5 * std::sqrt(expected_variance / draws));
    CHECK(variance == Approx(expected_variance).epsilon(0.05));
  }
}

TEST_CASE("starting points: zero, the optimum, a seeded point at an exact distance, an explicit point") {
  const Vector x_star = Vector::LinSpaced(5, -1.0, 3.0);
  InitialPointOptions options;
  CHECK(initial_point(options, x_star, 1) == Vector::Zero(5));
  options.kind = InitKind::optimum;
  CHECK(initial_point(options, x_star, 1) == x_star);
  options.kind = InitKind::distance;
  options.distance = 2.5;
  const Vector a = initial_point(options, x_star, 1);
  CHECK((a - x_star).norm() == Approx(2.5).epsilon(1e-15));
  CHECK(initial_point(options, x_star, 1) == a);
  CHECK((initial_point(options, x_star, 2) - a).norm() > 0.1);
  options.kind = InitKind::point;
  options.point = Vector::Ones(5);
  CHECK(initial_point(options, x_star, 1) == Vector::Ones(5));
  options.point = Vector::Ones(4);
  CHECK_THROWS_WITH(initial_point(options, x_star, 1), "must have 5 entries (the problem's dimension), got 4");
}
