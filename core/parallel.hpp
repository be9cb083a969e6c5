#pragma once
// tbb::parallel_for, with the ordering it guarantees made visible to ThreadSanitizer.
//
// oneTBB's library (libtbb.so from Debian) is not instrumented, so TSan cannot see the
// synchronisation inside it and would report every access of a task to data the calling thread
// wrote before, or reads after, the loop. In a ThreadSanitizer build these wrappers state exactly
// parallel_for's documented guarantees: every body invocation happens after the call starts
// (fork), and the call returns after every body invocation finished (join). Bodies are not
// ordered among themselves, so a race between two of them is still reported. Elsewhere they are
// plain tbb::parallel_for. (docs/reliability.md, scripts/sanitize.sh)
#include <tbb/parallel_for.h>

#include <cstddef>
#include <utility>

#if defined(__SANITIZE_THREAD__)
#define LOCALSGD_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define LOCALSGD_TSAN 1
#endif
#endif

#ifdef LOCALSGD_TSAN
#include <sanitizer/tsan_interface.h>
#endif

namespace localsgd {

#ifdef LOCALSGD_TSAN
namespace detail {
// The fork's synchronisation object: one per loop body type, not per call. A task must not read
// anything on the calling thread's stack before it acquires the fork (not even the address of a
// local, which it would read from the lambda's captures): TSan cannot see oneTBB handing the task
// over, and reported that read as a race with whatever the caller's stack held there before. Two
// concurrent loops with the same body type also order each other's bodies this way: that can
// hide a race between such loops, never report a false one.
template <class Body>
inline char fork_point = 0;
}  // namespace detail
#endif

// Below this many values (p·d) a loop over workers or coordinates (an average, a sync's per-worker
// update, an evaluation's distances) runs on the calling thread: a task would cost about as much
// as it saves.
inline constexpr std::size_t kParallelValues = std::size_t{1} << 16;

// The first item of chunk c when `count` items are split into `chunks` consecutive chunks as equal as
// can be (chunk_begin(count, chunks, chunks) = count).
inline int chunk_begin(int count, int chunk, int chunks) {
  return static_cast<int>(static_cast<long>(count) * chunk / chunks);
}

// tbb::parallel_for(range, body, partitioner...).
template <class Range, class Body, class... Partitioner>
void parallel_for_range(const Range& range, const Body& body, Partitioner&&... partitioner) {
#ifdef LOCALSGD_TSAN
  char join = 0;  // its address names the join; the fork is detail::fork_point<Body>
  __tsan_release(&detail::fork_point<Body>);
  tbb::parallel_for(
      range,
      [&](const Range& part) {
        __tsan_acquire(&detail::fork_point<Body>);  // first: reads nothing of the caller's
        body(part);
        __tsan_release(&join);
      },
      std::forward<Partitioner>(partitioner)...);
  __tsan_acquire(&join);
#else
  tbb::parallel_for(range, body, std::forward<Partitioner>(partitioner)...);
#endif
}

// tbb::parallel_for(first, last, body, partitioner...): body(i) for every index.
template <class Index, class Body, class... Partitioner>
void parallel_for_index(Index first, Index last, const Body& body, Partitioner&&... partitioner) {
#ifdef LOCALSGD_TSAN
  char join = 0;
  __tsan_release(&detail::fork_point<Body>);
  tbb::parallel_for(
      first, last,
      [&](Index i) {
        __tsan_acquire(&detail::fork_point<Body>);  // first: reads nothing of the caller's
        body(i);
        __tsan_release(&join);
      },
      std::forward<Partitioner>(partitioner)...);
  __tsan_acquire(&join);
#else
  tbb::parallel_for(first, last, body, std::forward<Partitioner>(partitioner)...);
#endif
}

}  // namespace localsgd
