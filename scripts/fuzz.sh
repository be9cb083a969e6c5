#!/usr/bin/env bash
# Fuzzes the spec loader and the LIBSVM reader with libFuzzer (clang 14, AddressSanitizer and
# UndefinedBehaviorSanitizer), each for SECONDS (default 120):
#   bash scripts/fuzz.sh [SECONDS] [TARGET...]      TARGET: spec_loader, libsvm (default both)
# Builds in build-asan/ (the same build as scripts/sanitize.sh). The committed seed corpus
# fuzz/corpus/<target>/ is copied to build-asan/corpus/<target>/, where new inputs accumulate;
# crashes, leaks and timeouts go to build-asan/findings/<target>/ (add a minimised one to
# fuzz/corpus/<target>/ once fixed, so that CI replays it: scripts/sanitize.sh).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-120}
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(spec_loader libsvm)

"$root/scripts/install-deps.sh" --sanitizers
build="$root/build-asan"
if [ ! -f "$build/CMakeCache.txt" ]; then
  CC=clang-14 CXX=clang++-14 cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=None \
    -DCMAKE_CXX_FLAGS="-O1 -g" -DLOCALSGD_SANITIZE=address,undefined -DLOCALSGD_FUZZ=ON >/dev/null
fi
cmake --build "$build" --parallel "$(nproc)" --target "${targets[@]/%/_fuzzer}"

export ASAN_SYMBOLIZER_PATH=/usr/bin/llvm-symbolizer-14
export ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=0
export UBSAN_OPTIONS=print_stacktrace=1
for target in "${targets[@]}"; do
  corpus="$build/corpus/$target"
  findings="$build/findings/$target"
  mkdir -p "$corpus" "$findings"
  cp -n "$root/fuzz/corpus/$target/"* "$corpus/" 2>/dev/null || true
  echo "fuzz: $target for $seconds s (corpus $corpus, findings $findings)" >&2
  (cd "$findings" && "$build/fuzz/${target}_fuzzer" "$corpus" -max_total_time="$seconds" -timeout=20 \
     -rss_limit_mb=4096 -max_len=65536 -print_final_stats=1 -artifact_prefix="$findings/")
done
