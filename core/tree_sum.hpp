#pragma once
// Tree-ordered sums over workers (docs/design.md §7). Every sum over workers that affects a
// result has one fixed shape, whatever the thread count or the number of processes:
//   - the workers are cut into consecutive blocks of 64 ids, each summed left to right (worker
//     64·b first);
//   - the block sums are combined by a balanced pairwise tree over block indices: the blocks
//     [lo, hi) split at mid = lo + (hi − lo)/2, and the node's sum is (left sum) + (right sum).
// A thread or a process may compute any whole subtree (a node) on its own; combining the nodes'
// partial sums in the tree's order gives exactly the bits of the full sum (combine_partial_sums).
// For p <= 64 there is a single block: the sum is the plain left-to-right sum. The rounding error
// grows with 64 + log2(p/64) additions instead of p.
//
// Serial only; the parallel sums are in sim/tree_sum_parallel.hpp.
#include <algorithm>
#include <cstddef>
#include <span>
#include <stdexcept>
#include <vector>

#include "core/types.hpp"

namespace localsgd::tree {

inline constexpr std::size_t kBlockWorkers = 64;

inline std::size_t block_count(std::size_t workers) { return (workers + kBlockWorkers - 1) / kBlockWorkers; }

// A node of the tree: the blocks [first_block, end_block), i.e. the workers
// [64·first_block, min(64·end_block, p)).
struct Node {
  std::size_t first_block = 0;
  std::size_t end_block = 0;

  std::size_t blocks() const { return end_block - first_block; }
  bool leaf() const { return blocks() == 1; }
  std::size_t middle() const { return first_block + blocks() / 2; }
  Node left() const { return {first_block, middle()}; }
  Node right() const { return {middle(), end_block}; }
  std::size_t first_worker() const { return first_block * kBlockWorkers; }
  std::size_t end_worker(std::size_t workers) const { return std::min(end_block * kBlockWorkers, workers); }
  friend bool operator==(const Node&, const Node&) = default;
};

inline Node root(std::size_t workers) { return {0, block_count(workers)}; }

// Scratch vectors a serial sum of the node needs: one per level below it on its right spine
// (the right half is never the smaller one, so this is the node's height, ⌈log2 blocks⌉).
inline std::size_t height(Node node) { return node.blocks() <= 1 ? 0 : 1 + height(node.right()); }

// Calls f(node) for the nodes at `depth` below `node`, left to right; a leaf shallower than that
// stands for itself. Together they partition `node`.
template <class F>
void for_each_node_at_depth(Node node, std::size_t depth, const F& f) {
  if (depth == 0 || node.leaf()) {
    f(node);
    return;
  }
  for_each_node_at_depth(node.left(), depth - 1, f);
  for_each_node_at_depth(node.right(), depth - 1, f);
}

// The shallowest depth whose nodes number at least `min_nodes`, or at which every node is a
// leaf (a tree of fewer blocks), for p >= 1 workers.
inline std::size_t depth_with_nodes(std::size_t workers, std::size_t min_nodes) {
  const Node top = root(workers);
  for (std::size_t depth = 0;; ++depth) {
    std::size_t count = 0;
    for_each_node_at_depth(top, depth, [&](Node) { ++count; });
    if (count >= min_nodes || count == top.blocks()) return depth;
  }
}

// Whole subtrees partitioning the tree, left to right: the nodes at depth_with_nodes(p, min_nodes).
// Written into `out` (cleared; no allocation once its capacity suffices).
inline void split_into_subtrees(std::size_t workers, std::size_t min_nodes, std::vector<Node>& out) {
  out.clear();
  if (workers == 0) return;
  for_each_node_at_depth(root(workers), depth_with_nodes(workers, min_nodes), [&](Node n) { out.push_back(n); });
}

// A split of the tree among R owners (threads, MPI ranks): the subtrees of
// split_into_subtrees(p, R), owner r holding the consecutive nodes [first_node[r], first_node[r + 1]).
// An owner may hold no node when the tree has fewer than R blocks.
struct OwnedSubtrees {
  std::vector<Node> nodes;
  std::vector<std::size_t> first_node;  // R + 1 entries
  std::span<const Node> of(std::size_t owner) const {
    return std::span<const Node>(nodes).subspan(first_node[owner], first_node[owner + 1] - first_node[owner]);
  }
};

inline OwnedSubtrees split_among_owners(std::size_t workers, std::size_t owners) {
  if (workers == 0 || owners == 0) throw std::invalid_argument("split_among_owners: no workers or no owners");
  OwnedSubtrees split;
  split_into_subtrees(workers, owners, split.nodes);
  const std::size_t k = split.nodes.size();
  for (std::size_t r = 0; r <= owners; ++r) split.first_node.push_back(r * k / owners);
  return split;
}

// The coordinates [begin, begin + size) of the vectors summed: a sum of vectors is a sum per
// coordinate, so splitting the coordinates among threads never changes a bit.
struct Coordinates {
  Index begin = 0;
  Index size = 0;
};

// Scratch vectors for the serial sums: grows on demand, so that a sum called at every sync does
// not allocate after the first call.
class SumScratch {
 public:
  std::span<Vector> vectors(std::size_t count, Index dim) {
    if (vectors_.size() < count) vectors_.resize(count);
    for (std::size_t k = 0; k < count; ++k) {
      if (vectors_[k].size() != dim) vectors_[k].resize(dim);
    }
    return std::span<Vector>(vectors_).first(count);
  }

 private:
  std::vector<Vector> vectors_;
};

// out[c] = Σ_{i in node} value_at(i)[c] for the coordinates c, in the tree's order. `levels`
// holds at least height(node) vectors of out's dimension (only their coordinates c are written).
// value_at(i) returns a vector or vector expression of that dimension.
template <class ValueAt>
void sum_node(std::size_t workers, Node node, const ValueAt& value_at, Coordinates c, Vector& out,
              std::span<Vector> levels) {
  auto target = out.segment(c.begin, c.size);
  if (node.leaf()) {
    const std::size_t first = node.first_worker(), end = node.end_worker(workers);
    target = value_at(first).segment(c.begin, c.size);
    for (std::size_t i = first + 1; i < end; ++i) target += value_at(i).segment(c.begin, c.size);
    return;
  }
  sum_node(workers, node.left(), value_at, c, out, levels);
  sum_node(workers, node.right(), value_at, c, levels[0], levels.subspan(1));
  target += levels[0].segment(c.begin, c.size);
}

// out = Σ_{i < p} value_at(i), p >= 1, serially.
template <class ValueAt>
void sum_vectors(std::size_t workers, const ValueAt& value_at, Vector& out, SumScratch& scratch) {
  if (workers == 0) {
    out.setZero();
    return;
  }
  const Node top = root(workers);
  sum_node(workers, top, value_at, Coordinates{0, out.size()}, out, scratch.vectors(height(top), out.size()));
}

// Σ_{i in node} value_at(i) for scalars, in the tree's order.
template <class ValueAt>
double sum_node_scalars(std::size_t workers, Node node, const ValueAt& value_at) {
  if (node.leaf()) {
    const std::size_t first = node.first_worker(), end = node.end_worker(workers);
    double sum = value_at(first);
    for (std::size_t i = first + 1; i < end; ++i) sum += value_at(i);
    return sum;
  }
  const double left = sum_node_scalars(workers, node.left(), value_at);
  const double right = sum_node_scalars(workers, node.right(), value_at);
  return left + right;
}

// Σ_{i < p} value_at(i) (0 for p = 0), serially.
template <class ValueAt>
double sum_scalars(std::size_t workers, const ValueAt& value_at) {
  return workers == 0 ? 0.0 : sum_node_scalars(workers, root(workers), value_at);
}

namespace detail {

[[noreturn]] inline void not_a_partition() {
  throw std::invalid_argument("combine_partial_sums: the nodes are not a left-to-right partition of the tree into nodes");
}

// Descends from `node` to the partial sums, consuming nodes[next], nodes[next + 1], … in order.
// The node nodes[next] must start where `node` starts (the partition is left to right).
template <class Leaf, class Combine>
void combine_from(Node node, std::span<const Node> nodes, std::size_t& next, const Leaf& leaf, const Combine& combine,
                  std::size_t level) {
  if (next >= nodes.size() || nodes[next].first_block != node.first_block) not_a_partition();
  if (nodes[next].end_block == node.end_block) {
    leaf(next++, level);
    return;
  }
  if (node.leaf() || nodes[next].end_block > node.end_block) not_a_partition();
  combine_from(node.left(), nodes, next, leaf, combine, level);
  combine_from(node.right(), nodes, next, leaf, combine, level + 1);
  combine(level);
}

}  // namespace detail

// Given whole subtrees `nodes` partitioning the tree of p workers (left to right, e.g. what each
// thread or rank computed) and their sums partial_at(j), writes into out's coordinates c exactly
// the bits sum_vectors would give. `levels`: at least height(root(p)) vectors of out's dimension.
// Throws std::invalid_argument if the nodes are not such a partition.
template <class PartialAt>
void combine_partial_sums(std::size_t workers, std::span<const Node> nodes, const PartialAt& partial_at,
                          Coordinates c, Vector& out, std::span<Vector> levels) {
  // Level 0 is out; level k > 0 is levels[k − 1]. A node's sum lands at its level, the right
  // child's one level deeper, as in sum_node.
  auto at = [&](std::size_t level) { return (level == 0 ? out : levels[level - 1]).segment(c.begin, c.size); };
  std::size_t next = 0;
  detail::combine_from(
      root(workers), nodes, next, [&](std::size_t j, std::size_t level) { at(level) = partial_at(j).segment(c.begin, c.size); },
      [&](std::size_t level) { at(level) += at(level + 1); }, 0);
  if (next != nodes.size()) detail::not_a_partition();
}

// The same for scalars: partials[j] is the sum over nodes[j].
inline double combine_partial_sums(std::size_t workers, std::span<const Node> nodes, std::span<const double> partials) {
  if (partials.size() != nodes.size()) throw std::invalid_argument("combine_partial_sums: one partial sum per node");
  // A value per level of the tree's right spine: at most 64 levels for any p.
  double at[66] = {};
  std::size_t next = 0;
  detail::combine_from(
      root(workers), nodes, next, [&](std::size_t j, std::size_t level) { at[level] = partials[j]; },
      [&](std::size_t level) { at[level] = at[level] + at[level + 1]; }, 0);
  if (next != nodes.size()) detail::not_a_partition();
  return at[0];
}

}  // namespace localsgd::tree
