#pragma once
// The tree-ordered sums of core/tree_sum.hpp on oneTBB tasks, bit-identical to the serial ones
// for any thread count (docs/design.md §7). Two independent splits, neither of which changes a
// bit:
//   - whole subtrees: each task sums one node of the tree; the nodes' partial sums are then
//     combined in the tree's order (tree::combine_partial_sums). This is what matters for many
//     workers and a small dimension (p = 10^6, d = 10);
//   - coordinate blocks: a sum of vectors is a sum per coordinate, so blocks of coordinates are
//     summed by separate tasks. This is what matters for few workers and a large dimension
//     (p = 16, d = 10^4), where the tree is a single block.
// Below kParallelValues values (p·d) the sums run on the calling thread.
#include <tbb/blocked_range.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <vector>

#include "core/tree_sum.hpp"
#include "sim/parallel.hpp"

namespace localsgd {

namespace detail {

// Coordinate blocks: about eight of them, each a whole number of cache lines (8 doubles) and at
// most 4096 coordinates. A model of at most 64 coordinates (8 cache lines) is not split: its
// workers are split into subtrees instead, each task reading whole models.
inline Index coordinate_block(Index d) {
  if (d <= 64) return std::max<Index>(d, 1);
  const Index eighth = (d + 7) / 8;
  return std::clamp<Index>((eighth + 7) / 8 * 8, 8, 4096);
}

// Tasks worth creating for one sum: a few per thread, so that uneven subtrees still balance.
inline std::size_t wanted_tasks() {
  return 4 * static_cast<std::size_t>(std::max(1, tbb::this_task_arena::max_concurrency()));
}

// f(i) for every i < count, as oneTBB tasks. The range form of sim/parallel.hpp: oneTBB copies
// its body into each task, so a task never reads the caller's stack before the annotated fork
// (the index form keeps a reference to the caller's closure, which ThreadSanitizer may flag).
template <class F>
void for_each_task(std::size_t count, const F& f) {
  parallel_for_range(tbb::blocked_range<std::size_t>(0, count, 1), [&f](const tbb::blocked_range<std::size_t>& r) {
    for (std::size_t i = r.begin(); i != r.end(); ++i) f(i);
  });
}

}  // namespace detail

// Scratch of parallel_sum_vectors: grows on demand, so that a sum called at every sync does not
// allocate after the first call with the same p, d and thread count.
class ParallelSumScratch {
 public:
  std::vector<tree::Node> nodes;      // the subtrees summed by separate tasks
  tree::SumScratch partials;          // one sum per subtree
  tree::SumScratch subtree_levels;    // per subtree, the levels of its serial sum
  tree::SumScratch top_levels;        // the levels of the root's sum or of the combination
};

// Does nothing to the finished coordinates.
struct LeaveAsIs {
  void operator()(tree::Coordinates /*finished*/) const {}
};

// out = Σ_{i < p} value_at(i), p >= 1, in the tree's order: the same bits as tree::sum_vectors.
// value_at(i) must be safe to call from several threads at once. finish(c) is called once for
// each block c of coordinates when out's coordinates c are final (e.g. to scale them while they
// are in cache), possibly on several threads at once for different blocks.
template <class ValueAt, class Finish = LeaveAsIs>
void parallel_sum_vectors(std::size_t workers, const ValueAt& value_at, Vector& out, ParallelSumScratch& scratch,
                          const Finish& finish = {}) {
  const Index d = out.size();
  if (workers * static_cast<std::size_t>(d) < kParallelValues) {
    tree::sum_vectors(workers, value_at, out, scratch.top_levels);
    finish(tree::Coordinates{0, d});
    return;
  }
  const Index block = detail::coordinate_block(d);
  const auto coordinate_blocks = static_cast<std::size_t>((d + block - 1) / block);
  auto coordinates = [&](std::size_t b) {
    const auto begin = static_cast<Index>(b) * block;
    return tree::Coordinates{begin, std::min(block, d - begin)};
  };
  const tree::Node top = tree::root(workers);
  const std::span<Vector> top_levels = scratch.top_levels.vectors(tree::height(top), d);
  const std::size_t wanted = detail::wanted_tasks();
  if (coordinate_blocks >= wanted || top.leaf()) {
    // The whole tree per coordinate block: the blocks write disjoint coordinates of the levels.
    detail::for_each_task(coordinate_blocks, [&](std::size_t b) {
      tree::sum_node(workers, top, value_at, coordinates(b), out, top_levels);
      finish(coordinates(b));
    });
    return;
  }
  // Subtrees × coordinate blocks, then the top of the tree per coordinate block.
  tree::split_into_subtrees(workers, (wanted + coordinate_blocks - 1) / coordinate_blocks, scratch.nodes);
  const std::vector<tree::Node>& nodes = scratch.nodes;
  std::size_t levels = 0;
  for (const tree::Node& n : nodes) levels = std::max(levels, tree::height(n));
  const std::span<Vector> partials = scratch.partials.vectors(nodes.size(), d);
  const std::span<Vector> subtree_levels = scratch.subtree_levels.vectors(nodes.size() * levels, d);
  detail::for_each_task(nodes.size() * coordinate_blocks, [&](std::size_t task) {
    const std::size_t j = task / coordinate_blocks;
    tree::sum_node(workers, nodes[j], value_at, coordinates(task % coordinate_blocks), partials[j],
                   subtree_levels.subspan(j * levels, levels));
  });
  auto combine = [&](std::size_t b) {
    tree::combine_partial_sums(
        workers, std::span<const tree::Node>(nodes), [&](std::size_t j) -> const Vector& { return partials[j]; },
        coordinates(b), out, top_levels);
    finish(coordinates(b));
  };
  if (static_cast<std::size_t>(d) * nodes.size() < kParallelValues) {
    for (std::size_t b = 0; b < coordinate_blocks; ++b) combine(b);
  } else {
    detail::for_each_task(coordinate_blocks, combine);
  }
}

// Σ_{i < p} value_at(i) for scalars, in the tree's order: the same bits as tree::sum_scalars.
// `cost` is the work of one value_at in values touched (e.g. d for a distance between d-vectors):
// the sum runs in parallel when p·cost reaches kParallelValues. No allocation.
template <class ValueAt>
double parallel_sum_scalars(std::size_t workers, const ValueAt& value_at, std::size_t cost = 1) {
  if (workers * std::max<std::size_t>(cost, 1) < kParallelValues || tree::block_count(workers) < 2) {
    return tree::sum_scalars(workers, value_at);
  }
  // At most 64 wanted subtrees: the shallowest depth with that many has fewer than 128 nodes.
  constexpr std::size_t kMaxWanted = 64;
  std::array<tree::Node, 2 * kMaxWanted> nodes{};
  std::array<double, 2 * kMaxWanted> partials{};
  std::size_t count = 0;
  const std::size_t depth = tree::depth_with_nodes(workers, std::min(detail::wanted_tasks(), kMaxWanted));
  tree::for_each_node_at_depth(tree::root(workers), depth, [&](tree::Node n) { nodes[count++] = n; });
  detail::for_each_task(count,
                     [&](std::size_t j) { partials[j] = tree::sum_node_scalars(workers, nodes[j], value_at); });
  return tree::combine_partial_sums(workers, std::span<const tree::Node>(nodes.data(), count),
                                    std::span<const double>(partials.data(), count));
}

}  // namespace localsgd
