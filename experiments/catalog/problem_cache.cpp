#include "experiments/catalog/problem_cache.hpp"

#include <future>
#include <map>
#include <mutex>
#include <vector>

#include "experiments/catalog/input_files.hpp"

namespace localsgd {

namespace {

// A built problem and the input files its build read (data files), reported again to every caller
// so that a cache hit tells an InputRecording the same files as the build did.
struct Built {
  std::shared_ptr<Problem> problem;
  std::vector<InputFile> inputs;
};

std::mutex mutex;
std::map<std::string, std::shared_future<Built>> cache;

std::shared_ptr<Problem> reported(const Built& built) {
  for (const InputFile& file : built.inputs) report_input(file);
  return built.problem;
}

}  // namespace

void clear_problem_cache() {
  const std::lock_guard lock(mutex);
  cache.clear();
}

std::shared_ptr<Problem> cached_problem(const std::string& key, const std::function<std::shared_ptr<Problem>()>& build) {
  std::promise<Built> promise;
  std::shared_future<Built> pending;
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
  if (!builder) return reported(pending.get());  // waits outside the lock; rethrows a failed build
  try {
    Built built;
    {
      const InputRecording recording;
      built.problem = build();
      built.inputs = recording.files();
    }
    promise.set_value(built);
    return reported(built);
  } catch (...) {
    promise.set_exception(std::current_exception());
    const std::lock_guard lock(mutex);
    cache.erase(key);
    throw;
  }
}

}  // namespace localsgd
