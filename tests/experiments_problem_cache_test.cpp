// experiments/catalog/problem_cache.hpp: one build per key, shared; concurrent callers wait for it; a
// failed build is not remembered; two caches share nothing.
#include "experiments/catalog/problem_cache.hpp"

#include <atomic>
#include <catch2/catch.hpp>
#include <stdexcept>
#include <thread>
#include <vector>

#include "problems/quadratic.hpp"

using namespace localsgd;

namespace {

std::shared_ptr<Problem> tiny_quadratic() {
  QuadraticOptions options;
  options.eigenvalues = {1.0, 2.0};
  return std::make_shared<Quadratic>(options, 1, 0);
}

}  // namespace

TEST_CASE("problem cache: concurrent callers of one key share a single build") {
  ProblemCache cache;
  std::atomic<int> builds = 0;
  std::vector<std::shared_ptr<Problem>> results(8);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < results.size(); ++i) {
    threads.emplace_back([&, i] {
      results[i] = cache.get("shared", [&] {
        ++builds;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        return tiny_quadratic();
      });
    });
  }
  for (auto& t : threads) t.join();
  CHECK(builds == 1);
  for (const auto& r : results) CHECK(r == results[0]);
  CHECK(cache.get("other key", tiny_quadratic) != results[0]);
}

TEST_CASE("problem cache: a failed build reaches the caller and is tried again next time") {
  ProblemCache cache;
  int attempts = 0;
  auto failing = [&]() -> std::shared_ptr<Problem> {
    ++attempts;
    throw std::invalid_argument("no data");
  };
  CHECK_THROWS_WITH(cache.get("failing", failing), "no data");
  CHECK_THROWS_WITH(cache.get("failing", failing), "no data");
  CHECK(attempts == 2);
  CHECK(cache.get("failing", tiny_quadratic) != nullptr);
}

TEST_CASE("problem cache: two caches build the same key separately") {
  ProblemCache first;
  ProblemCache second;
  int builds = 0;
  auto counted = [&] {
    ++builds;
    return tiny_quadratic();
  };
  const auto a = first.get("key", counted);
  CHECK(first.get("key", counted) == a);
  CHECK(second.get("key", counted) != a);
  CHECK(builds == 2);
}
