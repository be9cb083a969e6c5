#include "sim/worker_split.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>

namespace localsgd {

namespace {

// The fewest whole subtrees of `node` covering exactly its blocks inside [first, end), left to
// right: a node inside the range is taken whole, one across its edge is split into its halves.
void cover(tree::Node node, std::size_t first, std::size_t end, std::vector<tree::Node>& out) {
  if (node.end_block <= first || node.first_block >= end) return;
  if (node.first_block >= first && node.end_block <= end) {
    out.push_back(node);
    return;
  }
  cover(node.left(), first, end, out);
  cover(node.right(), first, end, out);
}

}  // namespace

WorkerShares::WorkerShares(std::size_t workers, int ranks) : workers_(workers) {
  if (workers == 0 || ranks < 1) throw std::invalid_argument("WorkerShares: no workers or no ranks");
  const auto r_count = static_cast<std::size_t>(ranks);
  std::vector<tree::Node> grid;
  tree::split_into_subtrees(workers, 4 * r_count, grid);
  const std::size_t k = grid.size();
  first_node_.push_back(0);
  for (std::size_t r = 0; r < r_count; ++r) {
    const std::size_t begin = r * k / r_count;
    const std::size_t end = (r + 1) * k / r_count;
    if (begin < end) cover(tree::root(workers), grid[begin].first_block, grid[end - 1].end_block, nodes_);
    first_node_.push_back(nodes_.size());
  }
}

std::span<const tree::Node> WorkerShares::nodes_of(int rank) const {
  const auto r = static_cast<std::size_t>(rank);
  return std::span<const tree::Node>(nodes_).subspan(first_node_[r], first_node_[r + 1] - first_node_[r]);
}

std::size_t WorkerShares::first_worker(int rank) const {
  // A rank without nodes starts (and ends) where the next rank with nodes starts.
  const auto r = static_cast<std::size_t>(rank);
  return first_node_[r] < nodes_.size() ? nodes_[first_node_[r]].first_worker() : workers_;
}

std::size_t WorkerShares::end_worker(int rank) const {
  const std::span<const tree::Node> mine = nodes_of(rank);
  return mine.empty() ? first_worker(rank) : mine.back().end_worker(workers_);
}

std::size_t WorkerShares::most_workers() const {
  std::size_t most = 0;
  for (int r = 0; r < ranks(); ++r) most = std::max(most, workers_of(r));
  return most;
}

std::size_t WorkerShares::most_nodes() const {
  std::size_t most = 0;
  for (int r = 0; r < ranks(); ++r) most = std::max(most, nodes_of(r).size());
  return most;
}

WorkerSplit::WorkerSplit(std::size_t workers, RankCollectives& collectives)
    : shares_(workers, collectives.ranks()), collectives_(collectives) {
  for (int r = 0; r < shares_.ranks(); ++r) node_counts_.push_back(shares_.nodes_of(r).size());
  received_.reserve(shares_.nodes().size());
}

void WorkerSplit::gather(std::span<const double> mine, std::span<const std::size_t> counts) {
  std::size_t total = 0;
  for (std::size_t c : counts) total += c;
  received_.resize(total);
  collectives_.all_gather(mine, counts, received_);
}

void WorkerSplit::gather_one(double mine) {
  value_counts_.assign(static_cast<std::size_t>(shares_.ranks()), 1);
  sent_.assign(1, mine);
  gather(sent_, value_counts_);
}

double WorkerSplit::max(double mine) {
  gather_one(mine);
  double most = -std::numeric_limits<double>::infinity();
  for (double v : received_) most = std::max(most, v);  // the engine's own fold over workers
  return most;
}

bool WorkerSplit::any(bool mine) {
  gather_one(mine ? 1.0 : 0.0);
  return std::any_of(received_.begin(), received_.end(), [](double v) { return v != 0; });
}

double WorkerSplit::from_rank0(double value) {
  gather_one(value);
  return received_.front();
}

void WorkerSplit::share_workers_values(std::vector<double>& values) {
  const std::size_t first = first_worker();
  sent_.assign(values.begin() + static_cast<std::ptrdiff_t>(first), values.begin() + static_cast<std::ptrdiff_t>(end_worker()));
  value_counts_.resize(static_cast<std::size_t>(shares_.ranks()));
  for (int r = 0; r < shares_.ranks(); ++r) value_counts_[static_cast<std::size_t>(r)] = shares_.workers_of(r);
  gather(sent_, value_counts_);
  // Ranks without workers contribute nothing; the others are in worker order.
  std::copy(received_.begin(), received_.end(), values.begin() + static_cast<std::ptrdiff_t>(shares_.first_worker(0)));
}

std::pair<long, int> WorkerSplit::first_overflow(std::pair<long, int> mine) {
  value_counts_.assign(static_cast<std::size_t>(shares_.ranks()), 2);
  sent_.assign({static_cast<double>(mine.first), static_cast<double>(mine.second)});
  gather(sent_, value_counts_);
  std::pair<long, int> first{0, -1};
  for (std::size_t r = 0; r + 1 < received_.size(); r += 2) {
    const auto step = static_cast<long>(received_[r]);
    const auto worker = static_cast<int>(received_[r + 1]);
    if (step > 0 && (first.first == 0 || step < first.first || (step == first.first && worker < first.second))) {
      first = {step, worker};
    }
  }
  return first;
}

}  // namespace localsgd
