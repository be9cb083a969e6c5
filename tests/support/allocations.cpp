// Replaces the global operator new/delete of the test binary with versions that count the
// allocations of threads that asked for counting (support/allocations.hpp).
#include "support/allocations.hpp"

#include <cstdlib>
#include <new>

namespace localsgd::test {

std::size_t& allocation_count() {
  static thread_local std::size_t count = 0;
  return count;
}

bool& counting_allocations() {
  static thread_local bool counting = false;
  return counting;
}

}  // namespace localsgd::test

// Sanitizer runtimes bring their own operator new and delete (and report mixing theirs with
// these), so a sanitized test binary keeps theirs and counts nothing: the no-allocation checks
// run in the normal build.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define LOCALSGD_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define LOCALSGD_SANITIZED 1
#endif
#endif

#ifndef LOCALSGD_SANITIZED
void* operator new(std::size_t size) {
  if (localsgd::test::counting_allocations()) ++localsgd::test::allocation_count();
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) { return ::operator new(size); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
#endif
