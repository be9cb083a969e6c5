#include "algorithms/topology/random_regular.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "core/random.hpp"

namespace localsgd::topology {

namespace {

bool suitable(const Graph& graph, int a, int b) { return a != b && !graph.adjacent(a, b); }

void add_edge(Graph& graph, int a, int b) {
  for (auto [from, to] : {std::pair{a, b}, std::pair{b, a}}) {
    auto& list = graph.neighbours[static_cast<std::size_t>(from)];
    list.insert(std::upper_bound(list.begin(), list.end(), to), to);
  }
}

// One attempt: true with a d-regular simple graph in `graph`, false at a dead end.
bool try_pairing(int nodes, int degree, Rng& rng, Graph& graph) {
  graph.neighbours.assign(static_cast<std::size_t>(nodes), {});
  std::vector<int> stubs;
  for (int i = 0; i < nodes; ++i) stubs.insert(stubs.end(), static_cast<std::size_t>(degree), i);
  std::vector<int> left;
  while (!stubs.empty()) {
    for (std::size_t m = stubs.size() - 1; m > 0; --m) {
      std::swap(stubs[m], stubs[uniform_index(rng, m + 1)]);
    }
    left.clear();
    for (std::size_t p = 0; p + 1 < stubs.size(); p += 2) {
      const int a = stubs[p];
      const int b = stubs[p + 1];
      if (suitable(graph, a, b)) {
        add_edge(graph, a, b);
      } else {
        left.push_back(a);
        left.push_back(b);
      }
    }
    bool any = false;
    for (std::size_t p = 0; p < left.size() && !any; ++p) {
      for (std::size_t q = p + 1; q < left.size() && !any; ++q) any = suitable(graph, left[p], left[q]);
    }
    if (!left.empty() && !any) return false;
    stubs.swap(left);
  }
  return true;
}

}  // namespace

Graph random_regular(int nodes, int degree, std::uint64_t key, int max_attempts) {
  const std::string what = "random_regular(n = " + std::to_string(nodes) + ", d = " + std::to_string(degree) + "): ";
  if (!(degree >= 1 && degree < nodes)) throw std::invalid_argument("topology: " + what + "needs 1 <= d < n");
  if ((static_cast<long>(nodes) * degree) % 2 != 0) throw std::invalid_argument("topology: " + what + "needs n·d even");
  if (degree == 1 && nodes > 2) {
    throw std::invalid_argument("topology: " + what + "a 1-regular graph on more than 2 nodes is not connected");
  }
  Graph graph;
  for (int attempt = 0; attempt < max_attempts; ++attempt) {
    Rng rng(key, static_cast<std::uint64_t>(attempt), 0);
    if (try_pairing(nodes, degree, rng, graph) && graph.connected()) return graph;
  }
  throw std::runtime_error("topology: " + what + "no connected simple graph after " + std::to_string(max_attempts) +
                           " attempts");
}

}  // namespace localsgd::topology
