#include "algorithms/topology/graph.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace localsgd::topology {

namespace {

void require(bool ok, const std::string& what) {
  if (!ok) throw std::invalid_argument("topology: " + what);
}

}  // namespace

bool Graph::regular() const {
  for (int i = 1; i < nodes(); ++i) {
    if (degree(i) != degree(0)) return false;
  }
  return true;
}

bool Graph::adjacent(int a, int b) const {
  const auto& list = neighbours[static_cast<std::size_t>(a)];
  return std::binary_search(list.begin(), list.end(), b);
}

bool Graph::connected() const {
  if (nodes() == 0) return true;
  std::vector<char> seen(static_cast<std::size_t>(nodes()), 0);
  std::vector<int> stack{0};
  seen[0] = 1;
  int reached = 1;
  while (!stack.empty()) {
    const int node = stack.back();
    stack.pop_back();
    for (int next : neighbours[static_cast<std::size_t>(node)]) {
      if (seen[static_cast<std::size_t>(next)] == 0) {
        seen[static_cast<std::size_t>(next)] = 1;
        ++reached;
        stack.push_back(next);
      }
    }
  }
  return reached == nodes();
}

Graph graph_from_edges(int nodes, const std::vector<std::pair<int, int>>& edges) {
  Graph graph;
  graph.neighbours.resize(static_cast<std::size_t>(nodes));
  for (const auto& [a, b] : edges) {
    require(a >= 0 && a < nodes && b >= 0 && b < nodes, "edge outside 0..n−1");
    if (a == b) continue;
    graph.neighbours[static_cast<std::size_t>(a)].push_back(b);
    graph.neighbours[static_cast<std::size_t>(b)].push_back(a);
  }
  for (auto& list : graph.neighbours) {
    std::sort(list.begin(), list.end());
    list.erase(std::unique(list.begin(), list.end()), list.end());
  }
  return graph;
}

Graph ring(int nodes) {
  require(nodes >= 1, "a ring needs n >= 1 (n = " + std::to_string(nodes) + ")");
  std::vector<std::pair<int, int>> edges;
  for (int i = 0; i < nodes; ++i) edges.emplace_back(i, (i + 1) % nodes);
  return graph_from_edges(nodes, edges);
}

Graph torus(int rows, int columns) {
  require(rows >= 1 && columns >= 1,
          "a torus needs rows, columns >= 1 (" + std::to_string(rows) + " × " + std::to_string(columns) + ")");
  const int nodes = rows * columns;
  std::vector<std::pair<int, int>> edges;
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < columns; ++c) {
      const int node = r * columns + c;
      edges.emplace_back(node, r * columns + (c + 1) % columns);
      edges.emplace_back(node, ((r + 1) % rows) * columns + c);
    }
  }
  return graph_from_edges(nodes, edges);
}

Graph complete(int nodes) {
  require(nodes >= 1, "a complete graph needs n >= 1 (n = " + std::to_string(nodes) + ")");
  std::vector<std::pair<int, int>> edges;
  for (int i = 0; i < nodes; ++i) {
    for (int j = i + 1; j < nodes; ++j) edges.emplace_back(i, j);
  }
  return graph_from_edges(nodes, edges);
}

Graph star(int nodes) {
  require(nodes >= 1, "a star needs n >= 1 (n = " + std::to_string(nodes) + ")");
  std::vector<std::pair<int, int>> edges;
  for (int i = 1; i < nodes; ++i) edges.emplace_back(0, i);
  return graph_from_edges(nodes, edges);
}

Graph exponential(int nodes) {
  require(nodes >= 2, "an exponential graph needs n >= 2 (n = " + std::to_string(nodes) + ")");
  std::vector<std::pair<int, int>> edges;
  for (int i = 0; i < nodes; ++i) {
    for (long hop = 1; hop <= nodes - 1; hop *= 2) edges.emplace_back(i, static_cast<int>((i + hop) % nodes));
  }
  return graph_from_edges(nodes, edges);  // i ~ i + 2^k also gives i ~ i − 2^k (from node i − 2^k)
}

std::pair<int, int> torus_sides(int nodes) {
  require(nodes >= 1, "a torus needs n >= 1 (n = " + std::to_string(nodes) + ")");
  int rows = 1;
  for (int a = 1; static_cast<long>(a) * a <= nodes; ++a) {
    if (nodes % a == 0) rows = a;
  }
  return {rows, nodes / rows};
}

}  // namespace localsgd::topology
