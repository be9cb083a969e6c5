#!/usr/bin/env bash
# Builds and runs the tests under sanitizers (clang 14), in separate build folders:
#   build-asan/  AddressSanitizer + UndefinedBehaviorSanitizer, -O1 with line tables: the whole
#                test suite (the CLI tests run the sanitized localsgd binary too) and a replay of
#                the fuzz corpora (fuzz/corpus/*) through the three fuzz targets;
#   build-tsan/  ThreadSanitizer: the engine and runner tests (parallel workers and runs),
#                with oneTBB's own reports suppressed (scripts/tsan.supp says why).
# Any report fails the script. CI runs it after the normal tests (.ci/run).
#   bash scripts/sanitize.sh [asan|tsan]   (default both)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
what=${1:-all}
"$root/scripts/install-deps.sh" --sanitizers
jobs=$(nproc)
# Debug information is line tables only (the top-level CMakeLists.txt): enough for the reports'
# stack traces. The libraries are unity builds (LOCALSGD_UNITY_LIBRARIES): these folders are
# built from scratch in CI, where that halves the libraries' compile time.
# Without MPI (LOCALSGD_MPI=OFF): Open MPI's own allocations and progress threads are not ours to
# check (its libraries are not instrumented); the MPI code's tests run in the normal build.
common=(-G Ninja -DCMAKE_BUILD_TYPE=None -DCMAKE_CXX_FLAGS="-O1" -DLOCALSGD_UNITY_LIBRARIES=ON -DLOCALSGD_MPI=OFF)
export CC=clang-14 CXX=clang++-14
export ASAN_SYMBOLIZER_PATH=/usr/bin/llvm-symbolizer-14

if [ "$what" = all ] || [ "$what" = asan ]; then
  build="$root/build-asan"
  [ -f "$build/CMakeCache.txt" ] || cmake -S "$root" -B "$build" "${common[@]}" \
    -DLOCALSGD_SANITIZE=address,undefined -DLOCALSGD_FUZZ=ON >/dev/null
  # Only what the steps below run (the tests build the localsgd binary they call); not bench/.
  cmake --build "$build" --parallel "$jobs" --target localsgd_tests spec_loader_fuzzer libsvm_fuzzer spec_run_fuzzer
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:strict_string_checks=1:detect_stack_use_after_return=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  echo "sanitize: AddressSanitizer + UndefinedBehaviorSanitizer: test suite" >&2
  # Not the claims' statistical checks (the fresh-seed rerun of every claim, the 100-seed
  # partial-participation claim): minutes of the same engine loops under the sanitizers that the
  # other tests already cover; test.sh runs them.
  # Not the golden outputs of the paper's specs (about 160 s under the sanitizers, 8 s in
  # Release): the same engine loops, sweeps and plots as the other golden cases (every problem,
  # schedule, step size, optimizer and clock model, the examples, the benchmark specs), and their
  # expectation kinds (slope, ratio, speedup, rounds) are run by the expectation and CLI tests;
  # test.sh compares their bytes.
  # Not the validation of every spec shipped (474 s under the sanitizers, 45 s in Release: it
  # builds every problem, whose constants are dense linear algebra); the spec reader's paths are
  # the spec tests' and the fuzzers' (their corpora are replayed below), and test.sh runs it.
  (cd "$build" && ctest --output-on-failure --parallel "$jobs" --timeout 600 \
    -E "disjoint set of seeds|^claim |^golden outputs: the paper's specs|^every spec shipped in experiments/ validates")
  for target in spec_loader libsvm spec_run; do
    echo "sanitize: replaying fuzz/corpus/$target ($(ls "$root/fuzz/corpus/$target" | wc -l) inputs)" >&2
    "$build/fuzz/${target}_fuzzer" -runs=0 -timeout=60 "$root/fuzz/corpus/$target"
  done
fi

if [ "$what" = all ] || [ "$what" = tsan ]; then
  build="$root/build-tsan"
  # Without the unity batches: oneTBB's suppressions (scripts/tsan.supp) were checked against the
  # frames of a file-by-file build; batched, the inlined partitioner frames are named differently
  # and its hand-offs are reported.
  [ -f "$build/CMakeCache.txt" ] || cmake -S "$root" -B "$build" "${common[@]}" -DLOCALSGD_UNITY_LIBRARIES=OFF \
    -DLOCALSGD_SANITIZE=thread >/dev/null
  cmake --build "$build" --parallel "$jobs" --target localsgd_engine_tests
  # The symbolizer wrapper elides template arguments: clang 14's runtime misnames every later frame
  # after one over-long answer, and the suppressions then stop matching (the wrapper says more).
  export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$root/scripts/tsan.supp"
  TSAN_OPTIONS+=":external_symbolizer_path=$root/scripts/llvm-symbolizer-short-names"
  echo "sanitize: ThreadSanitizer: engine and runner tests" >&2
  "$build/tests/localsgd_engine_tests"
fi
echo "sanitize: no reports" >&2
