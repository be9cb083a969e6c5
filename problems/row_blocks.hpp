#pragma once
// Passes over the rows of a data set, on every core, with the same bits for any thread count.
// The rows are cut into consecutive blocks whose size depends only on the matrix's shape (never
// on the number of threads), each block is processed alone, and partial results are combined by
// a balanced pairwise tree over block indices (split at lo + (hi − lo)/2, as the sums over
// workers of docs/design.md §5.2). Threads only decide who computes which subtree, not what is
// added to what. Used by the set-up of a problem (Gram matrices, x*, statistics at x*), not by the
// step loop.
#include <tbb/blocked_range.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "core/parallel.hpp"
#include "core/types.hpp"

namespace localsgd {

// Consecutive row blocks: at least 2048 rows (enough work per block for blocked kernels), and at
// least 4·d rows so that a block's d × d partial result stays small next to its rows.
struct RowBlocks {
  Index rows = 0;
  Index block_rows = 1;

  RowBlocks(Index rows_, Index dim) : rows(rows_), block_rows(std::max<Index>(2048, 4 * dim)) {}
  Index count() const { return rows == 0 ? 0 : (rows + block_rows - 1) / block_rows; }
  Index first(Index block) const { return block * block_rows; }
  Index size(Index block) const { return std::min(block_rows, rows - first(block)); }
};

// leaf(first_row, row_count) -> T for every block, combined as combine(left, right) -> T over the
// fixed tree. The blocks must be non-empty (rows >= 1).
template <class Leaf, class Combine>
auto tree_reduce(const RowBlocks& blocks, const Leaf& leaf, const Combine& combine) {
  using T = decltype(leaf(Index{0}, Index{1}));
  // The leaves in parallel (the work), then the tree combined on this thread (d × d sums per
  // node): the same bits as any parallel evaluation of the same tree.
  std::vector<T> leaves(static_cast<std::size_t>(blocks.count()));
  parallel_for_range(tbb::blocked_range<Index>(0, blocks.count()), [&](const tbb::blocked_range<Index>& r) {
    for (Index b = r.begin(); b != r.end(); ++b) leaves[static_cast<std::size_t>(b)] = leaf(blocks.first(b), blocks.size(b));
  });
  auto reduce = [&](auto& self, Index lo, Index hi) -> T {
    if (hi - lo == 1) return std::move(leaves[static_cast<std::size_t>(lo)]);
    const Index mid = lo + (hi - lo) / 2;
    T left = self(self, lo, mid);
    T right = self(self, mid, hi);
    return combine(std::move(left), std::move(right));
  };
  return reduce(reduce, Index{0}, blocks.count());
}

// f(first_row, row_count) for every block, in parallel (for results written to disjoint rows).
template <class F>
void for_each_block(const RowBlocks& blocks, const F& f) {
  parallel_for_range(tbb::blocked_range<Index>(0, blocks.count()), [&](const tbb::blocked_range<Index>& r) {
    for (Index b = r.begin(); b != r.end(); ++b) f(blocks.first(b), blocks.size(b));
  });
}

}  // namespace localsgd
