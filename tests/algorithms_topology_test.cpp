// algorithms/topology/: mixing matrices are symmetric and doubly stochastic, their spectral gaps
// match closed forms, random regular graphs are what they claim, and the one-peer exponential
// graph averages exactly in τ rounds.
#include <Eigen/Eigenvalues>
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <numbers>
#include <vector>

#include "algorithms/topology/graph.hpp"
#include "algorithms/topology/mixing_matrix.hpp"
#include "algorithms/topology/random_regular.hpp"

using namespace localsgd::topology;

namespace {

// Rows summed in the stored order (neighbours, then self) are 1 within 1e-15; W is symmetric and
// nonnegative; its columns sum to 1 too.
void check_doubly_stochastic(const MixingMatrix& w) {
  const int n = w.nodes();
  for (int i = 0; i < n; ++i) {
    double row = 0;
    for (const Neighbour& j : w.neighbours[static_cast<std::size_t>(i)]) {
      CHECK(j.weight > 0);
      CHECK(j.node != i);
      row += j.weight;
    }
    CHECK(w.self_weight[static_cast<std::size_t>(i)] >= 0);
    row += w.self_weight[static_cast<std::size_t>(i)];
    CHECK(std::abs(row - 1.0) <= 1e-15);
  }
  const Eigen::MatrixXd dense = w.dense();
  if (w.symmetric) CHECK(dense == dense.transpose());
  for (int j = 0; j < n; ++j) CHECK(std::abs(dense.col(j).sum() - 1.0) <= 1e-14);
}

// 1 − max over the listed eigenvalues but one copy of the largest.
double gap_of(std::vector<double> eigenvalues) {
  std::sort(eigenvalues.begin(), eigenvalues.end());
  eigenvalues.pop_back();
  double largest = 0;
  for (double x : eigenvalues) largest = std::max(largest, std::abs(x));
  return 1.0 - largest;
}

std::vector<double> sorted_spectrum(const MixingMatrix& w) {
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(w.dense(), Eigen::EigenvaluesOnly);
  return {solver.eigenvalues().begin(), solver.eigenvalues().end()};
}

void check_spectrum(const MixingMatrix& w, std::vector<double> expected) {
  std::sort(expected.begin(), expected.end());
  const auto got = sorted_spectrum(w);
  REQUIRE(got.size() == expected.size());
  for (std::size_t k = 0; k < got.size(); ++k) CHECK(got[k] == Approx(expected[k]).margin(1e-12));
  CHECK(spectral_gap(w) == Approx(gap_of(expected)).margin(1e-12));
}

}  // namespace

TEST_CASE("topology: every graph's Metropolis-Hastings and uniform weights are symmetric and doubly stochastic") {
  std::vector<Graph> graphs;
  for (int n : {1, 2, 3, 4, 7, 16, 33}) {
    graphs.push_back(ring(n));
    graphs.push_back(complete(n));
    graphs.push_back(star(n));
  }
  for (int n : {2, 3, 5, 8, 12, 32, 33}) graphs.push_back(exponential(n));
  graphs.push_back(torus(3, 3));
  graphs.push_back(torus(4, 6));
  graphs.push_back(torus(1, 5));
  graphs.push_back(torus(2, 5));
  graphs.push_back(random_regular(30, 4, 11));
  for (const Graph& g : graphs) {
    check_doubly_stochastic(mixing_matrix(g, MixingWeights::metropolis_hastings));
    if (g.regular()) check_doubly_stochastic(mixing_matrix(g, MixingWeights::uniform));
  }
}

TEST_CASE("topology: uniform weights are refused on a graph that is not regular, naming the rule") {
  CHECK_THROWS_WITH(mixing_matrix(star(5), MixingWeights::uniform),
                    Catch::Contains("uniform weights 1/(deg + 1) need a regular graph") &&
                        Catch::Contains("node 0 has degree 4, node 1 has 1") && Catch::Contains("metropolis_hastings"));
  CHECK_NOTHROW(mixing_matrix(star(2), MixingWeights::uniform));  // two nodes, one edge: regular
}

TEST_CASE("topology: ring spectrum with weights 1/3 is 1/3 + (2/3) cos(2 pi k/n); gap (2/3)(1 - cos(2 pi/n))") {
  for (int n : {3, 4, 5, 6, 9, 10, 25, 64}) {
    const MixingMatrix w = mixing_matrix(ring(n), MixingWeights::uniform);
    CHECK(w.self_weight[0] == Approx(1.0 / 3));
    std::vector<double> expected;
    for (int k = 0; k < n; ++k) expected.push_back(1.0 / 3 + 2.0 / 3 * std::cos(2 * std::numbers::pi * k / n));
    check_spectrum(w, expected);
    CHECK(spectral_gap(w) == Approx(2.0 / 3 * (1 - std::cos(2 * std::numbers::pi / n))).margin(1e-12));
    // On a regular graph Metropolis–Hastings is the uniform rule.
    CHECK(mixing_matrix(ring(n), MixingWeights::metropolis_hastings).dense() == w.dense());
  }
}

TEST_CASE("topology: complete graph with uniform weights is (1/n) 11^T, gap 1") {
  for (int n : {2, 3, 5, 10, 17}) {
    const MixingMatrix w = mixing_matrix(complete(n), MixingWeights::uniform);
    CHECK(w.dense().isApprox(Eigen::MatrixXd::Constant(n, n, 1.0 / n), 1e-15));
    CHECK(spectral_gap(w) == Approx(1.0).margin(1e-12));
  }
}

TEST_CASE("topology: torus with weights 1/5 has the Kronecker-sum spectrum of two rings") {
  for (auto [a, b] : {std::pair{3, 3}, std::pair{3, 4}, std::pair{4, 5}, std::pair{5, 5}, std::pair{6, 4}}) {
    const Graph g = torus(a, b);
    REQUIRE(g.regular());
    REQUIRE(g.degree(0) == 4);
    const MixingMatrix w = mixing_matrix(g, MixingWeights::uniform);
    // W = (I + A_a ⊗ I + I ⊗ A_b)/5 with A a ring's adjacency (eigenvalues 2 cos(2πk/a)).
    std::vector<double> expected;
    for (int k = 0; k < a; ++k) {
      for (int l = 0; l < b; ++l) {
        expected.push_back(
            (1 + 2 * std::cos(2 * std::numbers::pi * k / a) + 2 * std::cos(2 * std::numbers::pi * l / b)) / 5);
      }
    }
    check_spectrum(w, expected);
  }
  CHECK(torus_sides(12) == std::pair{3, 4});
  CHECK(torus_sides(16) == std::pair{4, 4});
  CHECK(torus_sides(13) == std::pair{1, 13});
}

TEST_CASE("topology: star with Metropolis-Hastings weights: gap 1/n") {
  for (int n : {3, 4, 8, 20}) {
    const MixingMatrix w = mixing_matrix(star(n), MixingWeights::metropolis_hastings);
    CHECK(w.self_weight[0] == Approx(1.0 / n));
    CHECK(w.self_weight[1] == Approx(1.0 - 1.0 / n));
    // Eigenvalues 1, 0 and 1 − 1/n (n − 2 times: differences between leaves).
    std::vector<double> expected = {1.0, 0.0};
    for (int k = 0; k < n - 2; ++k) expected.push_back(1.0 - 1.0 / n);
    check_spectrum(w, expected);
  }
}

TEST_CASE("topology: exponential graph links i to i +- 2^k") {
  const Graph g8 = exponential(8);
  CHECK(g8.neighbours[0] == std::vector<int>{1, 2, 4, 6, 7});
  CHECK(g8.regular());
  const Graph g10 = exponential(10);
  CHECK(g10.neighbours[0] == std::vector<int>{1, 2, 4, 6, 8, 9});
  CHECK(g10.neighbours[3] == std::vector<int>{1, 2, 4, 5, 7, 9});
  CHECK(g10.regular());
  // Circulant: the spectrum is Σ over the hop set of cos(2π k h/n), weights uniform.
  const MixingMatrix w = mixing_matrix(g10, MixingWeights::uniform);
  std::vector<double> expected;
  for (int k = 0; k < 10; ++k) {
    double x = 1;
    for (int h : {1, 2, 4, 6, 8, 9}) x += std::cos(2 * std::numbers::pi * k * h / 10);
    expected.push_back(x / 7);
  }
  check_spectrum(w, expected);
}

TEST_CASE("topology: random d-regular graphs are d-regular, simple, connected and the same for the same key") {
  for (auto [n, d] : {std::pair{10, 3}, std::pair{20, 3}, std::pair{30, 4}, std::pair{16, 6}, std::pair{50, 2}}) {
    for (std::uint64_t key = 1; key <= 5; ++key) {
      const Graph g = random_regular(n, d, key);
      REQUIRE(g.nodes() == n);
      for (int i = 0; i < n; ++i) {
        const auto& list = g.neighbours[static_cast<std::size_t>(i)];
        CHECK(static_cast<int>(list.size()) == d);
        CHECK(std::is_sorted(list.begin(), list.end()));
        CHECK(std::adjacent_find(list.begin(), list.end()) == list.end());  // no repeated edge
        for (int j : list) {
          CHECK(j != i);
          CHECK(g.adjacent(j, i));
        }
      }
      CHECK(g.connected());
      CHECK(random_regular(n, d, key).neighbours == g.neighbours);
    }
    CHECK(random_regular(n, d, 1).neighbours != random_regular(n, d, 2).neighbours);
  }
  CHECK_THROWS_WITH(random_regular(9, 3, 1), Catch::Contains("needs n·d even"));
  CHECK_THROWS_WITH(random_regular(5, 5, 1), Catch::Contains("needs 1 <= d < n"));
  CHECK_THROWS_WITH(random_regular(6, 1, 1), Catch::Contains("not connected"));
}

TEST_CASE("topology: one-peer exponential graph, weights 1/2, averages exactly over tau rounds for n = 2^m") {
  CHECK(one_peer_period(2) == 1);
  CHECK(one_peer_period(8) == 3);
  CHECK(one_peer_period(9) == 4);
  for (int n : {2, 4, 8, 16, 32}) {
    const int tau = one_peer_period(n);
    Eigen::MatrixXd product = Eigen::MatrixXd::Identity(n, n);
    for (long r = 0; r < tau; ++r) {
      const MixingMatrix w = one_peer_exponential(n, r);
      check_doubly_stochastic(w);
      CHECK(w.neighbours[0].size() == 1);
      CHECK(w.neighbours[0][0].node == (1 << r) % n);
      CHECK(w.dense() == one_peer_exponential(n, r + tau).dense());
      product = w.dense() * product;
    }
    CHECK(product == Eigen::MatrixXd::Constant(n, n, 1.0 / n));  // exact: sums of powers of 1/2
  }
  // Not a power of two: τ rounds do not average exactly.
  Eigen::MatrixXd product = Eigen::MatrixXd::Identity(6, 6);
  for (long r = 0; r < one_peer_period(6); ++r) product = one_peer_exponential(6, r).dense() * product;
  CHECK_FALSE(product.isApprox(Eigen::MatrixXd::Constant(6, 6, 1.0 / 6), 1e-6));
  CHECK_THROWS_WITH(spectral_gap(one_peer_exponential(8, 0)), Catch::Contains("needs a symmetric W"));
  CHECK(one_peer_exponential(8, 2).symmetric);  // hop 4 = n/2
}

TEST_CASE("topology: the spectral gap refuses matrices too large to make dense") {
  CHECK_THROWS_WITH(spectral_gap(mixing_matrix(ring(kSpectralGapMaxNodes + 1), MixingWeights::uniform)),
                    Catch::Contains("n = 2001 > 2000"));
}
