#include "experiments/catalog/problem_cache.hpp"

namespace localsgd {

std::shared_ptr<Problem> ProblemCache::get(const std::string& key, const std::function<std::shared_ptr<Problem>()>& build) {
  const auto reported = [](const Built& built) {
    for (const InputFile& file : built.inputs) report_input(file);
    return built.problem;
  };
  std::promise<Built> promise;
  std::shared_future<Built> pending;
  bool builder = false;
  {
    const std::lock_guard lock(mutex_);
    if (const auto found = built_.find(key); found != built_.end()) {
      pending = found->second;
    } else {
      pending = promise.get_future().share();
      built_.emplace(key, pending);
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
    const std::lock_guard lock(mutex_);
    built_.erase(key);
    throw;
  }
}

}  // namespace localsgd
