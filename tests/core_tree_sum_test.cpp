// core/tree_sum.hpp: the fixed shape of sums over workers (blocks of 64 left to right, then a
// balanced pairwise tree over the blocks), checked bit for bit against a reference written
// straight from that definition, and the partition property of combine_partial_sums.
#include "core/tree_sum.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

using namespace localsgd;

namespace {

// Values whose sum depends on the order of the additions: random signs and mantissas, with
// magnitudes spread over 2^-40 … 2^40.
std::vector<double> spread_values(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<double> v(n);
  for (double& x : v) {
    const double mantissa = static_cast<double>(rng() >> 11U) * 0x1.0p-53 - 0.5;
    const int exponent = static_cast<int>(rng() % 81) - 40;
    x = std::ldexp(mantissa, exponent);
  }
  return v;
}

// The reference: the sum of the blocks [lo, hi) of 64 values, straight from the definition.
double reference_sum(const std::vector<double>& v, std::size_t lo, std::size_t hi) {
  if (hi - lo == 1) {
    const std::size_t first = 64 * lo, end = std::min(64 * hi, v.size());
    double sum = v[first];
    for (std::size_t i = first + 1; i < end; ++i) sum += v[i];
    return sum;
  }
  const std::size_t mid = lo + (hi - lo) / 2;
  return reference_sum(v, lo, mid) + reference_sum(v, mid, hi);
}

double reference_sum(const std::vector<double>& v) { return reference_sum(v, 0, (v.size() + 63) / 64); }

double left_to_right(const std::vector<double>& v) {
  double sum = v[0];
  for (std::size_t i = 1; i < v.size(); ++i) sum += v[i];
  return sum;
}

// p vectors of dimension d: worker i's vector is column i of `values` (p·d spread values).
struct Models {
  std::size_t p;
  Index d;
  std::vector<Vector> vectors;
  Models(std::size_t workers, Index dim, std::uint64_t seed) : p(workers), d(dim), vectors(workers, Vector(dim)) {
    const auto values = spread_values(workers * static_cast<std::size_t>(dim), seed);
    for (std::size_t i = 0; i < p; ++i) {
      for (Index k = 0; k < d; ++k) vectors[i][k] = values[i * static_cast<std::size_t>(d) + static_cast<std::size_t>(k)];
    }
  }
  // Coordinate k of every worker, for the scalar reference.
  std::vector<double> coordinate(Index k) const {
    std::vector<double> out(p);
    for (std::size_t i = 0; i < p; ++i) out[i] = vectors[i][k];
    return out;
  }
};

bool same_bits(const Vector& a, const Vector& b) { return a.size() == b.size() && (a.array() == b.array()).all(); }

// A random partition of the tree of p workers into whole subtrees, left to right: from the
// root, each node is kept or split (a leaf is always kept).
void random_partition(tree::Node node, std::mt19937_64& rng, std::vector<tree::Node>& out) {
  if (node.leaf() || rng() % 3 == 0) {
    out.push_back(node);
    return;
  }
  random_partition(node.left(), rng, out);
  random_partition(node.right(), rng, out);
}

std::vector<std::size_t> worker_counts() {
  std::vector<std::size_t> counts = {1, 2, 63, 64, 65, 127, 128, 129, 1000, 4097};
  std::mt19937_64 rng(2026);
  for (int k = 0; k < 6; ++k) counts.push_back(1 + rng() % 20000);
  return counts;
}

}  // namespace

TEST_CASE("tree shape: blocks of 64, split at lo + (hi - lo)/2, height and nodes at a depth") {
  CHECK(tree::block_count(1) == 1);
  CHECK(tree::block_count(64) == 1);
  CHECK(tree::block_count(65) == 2);
  const tree::Node top = tree::root(65 * 64 + 1);  // 66 blocks
  CHECK(top == tree::Node{0, 66});
  CHECK(top.left() == tree::Node{0, 33});
  CHECK(top.right() == tree::Node{33, 66});
  CHECK(top.right().left() == tree::Node{33, 49});
  CHECK(top.right().right() == tree::Node{49, 66});
  CHECK(tree::Node{2, 3}.first_worker() == 128);
  CHECK(tree::Node{2, 3}.end_worker(150) == 150);
  CHECK(tree::height(tree::root(64)) == 0);
  CHECK(tree::height(tree::root(65)) == 1);
  CHECK(tree::height(tree::root(64 * 5)) == 3);  // 5 = 2 + 3, 3 = 1 + 2
  CHECK(tree::height(tree::root(64 * 1024)) == 10);

  std::vector<tree::Node> nodes;
  tree::split_into_subtrees(64 * 5, 3, nodes);  // depth 1 has 2 nodes, depth 2 has 4
  CHECK(nodes == std::vector<tree::Node>{{0, 1}, {1, 2}, {2, 3}, {3, 5}});
  tree::split_into_subtrees(64 * 5, 100, nodes);  // every leaf
  CHECK(nodes.size() == 5);
  tree::split_into_subtrees(10, 4, nodes);  // a single block
  CHECK(nodes == std::vector<tree::Node>{{0, 1}});
}

TEST_CASE("tree sums of scalars equal the recursive reference bit for bit") {
  for (const std::size_t p : worker_counts()) {
    const auto v = spread_values(p, p);
    INFO("p = " << p);
    const double sum = tree::sum_scalars(p, [&](std::size_t i) { return v[i]; });
    CHECK(sum == reference_sum(v));
    if (p <= 64) CHECK(sum == left_to_right(v));
  }
}

TEST_CASE("tree sums of vectors equal the recursive reference per coordinate, bit for bit") {
  tree::SumScratch scratch;  // reused across sizes, as at every sync
  for (const std::size_t p : worker_counts()) {
    const Models models(p, 7, p + 1);
    Vector sum(models.d);
    tree::sum_vectors(p, [&](std::size_t i) -> const Vector& { return models.vectors[i]; }, sum, scratch);
    Vector expected(models.d), plain(models.d);
    for (Index k = 0; k < models.d; ++k) {
      expected[k] = reference_sum(models.coordinate(k));
      plain[k] = left_to_right(models.coordinate(k));
    }
    INFO("p = " << p);
    CHECK(same_bits(sum, expected));
    if (p <= 64) CHECK(same_bits(sum, plain));
    // The spread values make the order visible: for large p the tree differs from left to right.
    if (p >= 1000) CHECK_FALSE(same_bits(sum, plain));
  }
}

TEST_CASE("combine_partial_sums: any partition into whole subtrees gives the full sum's bits") {
  std::mt19937_64 rng(7);
  for (const std::size_t p : worker_counts()) {
    const Models models(p, 5, 3 * p);
    const auto value_at = [&](std::size_t i) -> const Vector& { return models.vectors[i]; };
    const auto v = spread_values(p, 5 * p);
    tree::SumScratch scratch, partial_scratch;
    Vector full(models.d);
    tree::sum_vectors(p, value_at, full, scratch);
    const double full_scalar = tree::sum_scalars(p, [&](std::size_t i) { return v[i]; });
    for (int trial = 0; trial < 25; ++trial) {
      std::vector<tree::Node> nodes;
      random_partition(tree::root(p), rng, nodes);
      std::vector<Vector> partials(nodes.size(), Vector(models.d));
      std::vector<double> scalar_partials(nodes.size());
      for (std::size_t j = 0; j < nodes.size(); ++j) {
        tree::sum_node(p, nodes[j], value_at, tree::Coordinates{0, models.d}, partials[j],
                       partial_scratch.vectors(tree::height(nodes[j]), models.d));
        scalar_partials[j] = tree::sum_node_scalars(p, nodes[j], [&](std::size_t i) { return v[i]; });
      }
      Vector combined(models.d);
      tree::combine_partial_sums(
          p, std::span<const tree::Node>(nodes), [&](std::size_t j) -> const Vector& { return partials[j]; },
          tree::Coordinates{0, models.d}, combined, scratch.vectors(tree::height(tree::root(p)), models.d));
      INFO("p = " << p << ", " << nodes.size() << " subtrees");
      CHECK(same_bits(combined, full));
      CHECK(tree::combine_partial_sums(p, nodes, scalar_partials) == full_scalar);
    }
  }
}

TEST_CASE("combine_partial_sums rejects ranges that are not a partition into nodes") {
  const std::size_t p = 64 * 5;  // nodes [0,5) → [0,2) [2,5) → [2,3) [3,5)
  const std::vector<double> partials = {1.0, 2.0};
  using Nodes = std::vector<tree::Node>;
  CHECK(tree::combine_partial_sums(p, Nodes{{0, 2}, {2, 5}}, partials) == 3.0);
  CHECK_THROWS_AS(tree::combine_partial_sums(p, Nodes{{0, 3}, {3, 5}}, partials), std::invalid_argument);  // not nodes
  CHECK_THROWS_AS(tree::combine_partial_sums(p, Nodes{{0, 2}, {3, 5}}, partials), std::invalid_argument);  // a gap
  CHECK_THROWS_AS(tree::combine_partial_sums(p, Nodes{{2, 5}, {0, 2}}, partials), std::invalid_argument);  // order
  CHECK_THROWS_AS(tree::combine_partial_sums(p, Nodes{{0, 2}}, std::vector<double>{1.0}), std::invalid_argument);
}

TEST_CASE("split_among_owners: whole subtrees, contiguous per owner, covering every worker once") {
  for (const std::size_t p : worker_counts()) {
    for (const std::size_t owners : {1, 2, 3, 4, 7, 16, 100}) {
      const tree::OwnedSubtrees split = tree::split_among_owners(p, owners);
      REQUIRE(split.first_node.size() == owners + 1);
      CHECK(split.first_node.front() == 0);
      CHECK(split.first_node.back() == split.nodes.size());
      CHECK(split.nodes.size() >= std::min(owners, tree::block_count(p)));
      // Each owner's nodes are consecutive blocks; together they are a partition into nodes.
      std::size_t next_block = 0;
      for (std::size_t r = 0; r < owners; ++r) {
        for (const tree::Node& n : split.of(r)) {
          CHECK(n.first_block == next_block);
          next_block = n.end_block;
        }
      }
      CHECK(next_block == tree::block_count(p));
      std::vector<double> partials(split.nodes.size(), 1.0);
      for (std::size_t j = 0; j < split.nodes.size(); ++j) {
        partials[j] = static_cast<double>(split.nodes[j].end_worker(p) - split.nodes[j].first_worker());
      }
      CHECK(tree::combine_partial_sums(p, split.nodes, partials) == static_cast<double>(p));
    }
  }
}
