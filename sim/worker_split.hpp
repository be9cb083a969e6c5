#pragma once
// One run's workers divided among R ranks (DESIGN.md §5.6, docs/cluster.md): each rank holds the
// models of the workers of whole subtrees of the sum tree (§5.2, core/tree_sum.hpp) and steps
// only those. At a sync each rank sums its subtrees, the ranks all-gather these partial sums, and
// every rank combines them in the tree's fixed order: the bits of the one-process sum, on every
// rank. Maxima (the barrier's clock) are exact whatever the order. sim/ knows no MPI: the ranks
// are reached through RankCollectives (experiments/mpi implements it with MPI; tests with threads).
#include <algorithm>
#include <cstddef>
#include <span>
#include <vector>

#include "core/tree_sum.hpp"
#include "core/types.hpp"
#include "sim/tree_sum_parallel.hpp"

namespace localsgd {

// The one collective the split needs. Called by every rank in the same order, from the thread
// that runs the engine (never from a worker task).
class RankCollectives {
 public:
  virtual ~RankCollectives() = default;
  virtual int rank() const = 0;
  virtual int ranks() const = 0;
  // Rank r contributes counts[r] doubles (`mine`, of size counts[rank()]); every rank receives
  // all of them, in rank order, in `all` (of size Σ counts).
  virtual void all_gather(std::span<const double> mine, std::span<const std::size_t> counts, std::span<double> all) = 0;
};

// The only rank: a split run in one process (`localsgd run --split-workers` without MPI), which
// takes the split's code path with R = 1.
class OneRank final : public RankCollectives {
 public:
  int rank() const override { return 0; }
  int ranks() const override { return 1; }
  void all_gather(std::span<const double> mine, std::span<const std::size_t> /*counts*/, std::span<double> all) override {
    std::copy(mine.begin(), mine.end(), all.begin());
  }
};

// The ranks' shares of p workers: the tree's nodes at the shallowest depth with at least 4R of
// them, cut into R consecutive groups of (nearly) equal node counts, each group written as its
// fewest whole subtrees. Rank r owns the workers [first_worker(r), end_worker(r)), which may be
// empty when the tree has fewer blocks (of 64 workers) than R. The 4R (not R) nodes balance the
// shares (R = 3 would otherwise get 1/4, 1/4, 1/2 of the workers) for a few more partial sums
// per sync (nodes_of(r).size() vectors of d doubles from rank r).
class WorkerShares {
 public:
  WorkerShares(std::size_t workers, int ranks);
  std::size_t workers() const { return workers_; }
  int ranks() const { return static_cast<int>(first_node_.size()) - 1; }
  std::span<const tree::Node> nodes() const { return nodes_; }  // every rank's, left to right
  std::span<const tree::Node> nodes_of(int rank) const;
  std::size_t first_worker(int rank) const;
  std::size_t end_worker(int rank) const;
  std::size_t workers_of(int rank) const { return end_worker(rank) - first_worker(rank); }
  std::size_t most_workers() const;  // the largest share
  std::size_t most_nodes() const;    // the most partial sums one rank sends per sum

 private:
  std::size_t workers_ = 0;
  std::vector<tree::Node> nodes_;
  std::vector<std::size_t> first_node_;  // R + 1 entries
};

// A rank's side of a split run: its share, and the sums, maxima and gathers over all ranks.
// Every member function is collective (all ranks call it, in the same order) and allocates only
// while its scratch grows (the first sync).
class WorkerSplit {
 public:
  explicit WorkerSplit(std::size_t workers, RankCollectives& collectives);
  const WorkerShares& shares() const { return shares_; }
  int rank() const { return collectives_.rank(); }
  std::size_t first_worker() const { return shares_.first_worker(rank()); }
  std::size_t end_worker() const { return shares_.end_worker(rank()); }

  // out = Σ_{i < p} value_at(i) in the tree's order (the bits of tree::sum_vectors); value_at is
  // called for this rank's workers only. finish(c) as in parallel_sum_vectors (here once, for all
  // coordinates, after the combination).
  template <class ValueAt, class Finish = LeaveAsIs>
  void sum_vectors(const ValueAt& value_at, Vector& out, const Finish& finish = {});
  // Σ_{i < p} value_at(i) for scalars (the bits of tree::sum_scalars).
  template <class ValueAt>
  double sum_scalars(const ValueAt& value_at);

  double max(double mine);            // over ranks (exact)
  bool any(bool mine);                // some rank's is true
  double from_rank0(double value);    // rank 0's value
  // values[i] for i in this rank's share are this rank's; on return every entry holds its owner's.
  void share_workers_values(std::vector<double>& values);
  // The first (step, worker) over ranks by step, then worker; step 0 means none (sim/engine.hpp).
  std::pair<long, int> first_overflow(std::pair<long, int> mine);

 private:
  void gather(std::span<const double> mine, std::span<const std::size_t> counts);
  void gather_one(double mine);  // into received_, one per rank

  WorkerShares shares_;
  RankCollectives& collectives_;
  std::vector<std::size_t> node_counts_;    // per rank: its nodes (partial sums per sum)
  std::vector<std::size_t> value_counts_;   // scratch: counts of one gather
  std::vector<double> sent_, received_;     // scratch: one gather's values
  std::vector<Vector> partials_;            // this rank's nodes' sums
  std::vector<tree::SumScratch> node_levels_;  // per node of this rank, its serial sum's levels
  std::vector<std::span<Vector>> levels_;   // scratch: those levels' vectors
  tree::SumScratch top_levels_;             // the combination's levels
};

template <class ValueAt, class Finish>
void WorkerSplit::sum_vectors(const ValueAt& value_at, Vector& out, const Finish& finish) {
  const Index d = out.size();
  const std::size_t p = shares_.workers();
  const std::span<const tree::Node> mine = shares_.nodes_of(rank());
  partials_.resize(mine.size());
  node_levels_.resize(mine.size());
  for (std::size_t k = 0; k < mine.size(); ++k) {
    if (partials_[k].size() != d) partials_[k] = Vector::Zero(d);
  }
  // This rank's subtrees, each over blocks of coordinates as tasks when large (coordinates are
  // independent sums, so the split changes no bit).
  const Index block = detail::coordinate_block(d);
  const auto coordinate_blocks = static_cast<std::size_t>((d + block - 1) / block);
  levels_.resize(mine.size());
  for (std::size_t k = 0; k < mine.size(); ++k) levels_[k] = node_levels_[k].vectors(tree::height(mine[k]), d);
  auto task = [&](std::size_t t) {
    const std::size_t k = t / coordinate_blocks;
    const auto begin = static_cast<Index>(t % coordinate_blocks) * block;
    tree::sum_node(p, mine[k], value_at, tree::Coordinates{begin, std::min(block, d - begin)}, partials_[k], levels_[k]);
  };
  const std::size_t tasks = mine.size() * coordinate_blocks;
  if (shares_.workers_of(rank()) * static_cast<std::size_t>(d) < kParallelValues) {
    for (std::size_t t = 0; t < tasks; ++t) task(t);
  } else {
    detail::for_each_task(tasks, task);
  }
  // All ranks' partial sums, then the top of the tree, identically everywhere.
  value_counts_.resize(node_counts_.size());
  for (std::size_t r = 0; r < node_counts_.size(); ++r) value_counts_[r] = node_counts_[r] * static_cast<std::size_t>(d);
  sent_.resize(mine.size() * static_cast<std::size_t>(d));
  for (std::size_t k = 0; k < mine.size(); ++k) {
    std::copy(partials_[k].data(), partials_[k].data() + d, sent_.data() + k * static_cast<std::size_t>(d));
  }
  gather(sent_, value_counts_);
  const double* all = received_.data();
  auto partial_at = [&](std::size_t j) { return Eigen::Map<const Vector>(all + j * static_cast<std::size_t>(d), d); };
  const tree::Coordinates whole{0, d};
  tree::combine_partial_sums(p, shares_.nodes(), partial_at, whole, out,
                             top_levels_.vectors(tree::height(tree::root(p)), d));
  finish(whole);
}

template <class ValueAt>
double WorkerSplit::sum_scalars(const ValueAt& value_at) {
  const std::size_t p = shares_.workers();
  const std::span<const tree::Node> mine = shares_.nodes_of(rank());
  sent_.resize(mine.size());
  for (std::size_t k = 0; k < mine.size(); ++k) sent_[k] = tree::sum_node_scalars(p, mine[k], value_at);
  gather(sent_, node_counts_);
  return tree::combine_partial_sums(p, shares_.nodes(), std::span<const double>(received_));
}

}  // namespace localsgd
