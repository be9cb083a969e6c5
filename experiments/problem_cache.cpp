#include "experiments/problem_cache.hpp"

#include <future>
#include <map>
#include <mutex>

namespace localsgd {

namespace {

std::mutex mutex;
std::map<std::string, std::shared_future<std::shared_ptr<Problem>>> cache;

}  // namespace

void clear_problem_cache() {
  const std::lock_guard lock(mutex);
  cache.clear();
}

std::shared_ptr<Problem> cached_problem(const std::string& key, const std::function<std::shared_ptr<Problem>()>& build) {

  std::promise<std::shared_ptr<Problem>> promise;
  std::shared_future<std::shared_ptr<Problem>> pending;
  bool builder = false;
  {
    const std::lock_guard lock(mutex);
    if (const auto found = cache.find(key); found != cache.end()) {
      pending = found->second;
    } else {
      pending = promise.get_future().share();
      cache.emplace(key, pending);
      builder = true;
    }
  }
  if (!builder) return pending.get();  // waits outside the lock; rethrows a failed build
  try {
    auto problem = build();
    promise.set_value(problem);
    return problem;
  } catch (...) {
    promise.set_exception(std::current_exception());
    const std::lock_guard lock(mutex);
    cache.erase(key);
    throw;
  }
}

}  // namespace localsgd
