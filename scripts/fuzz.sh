#!/usr/bin/env bash
# Fuzzes with libFuzzer (clang 14, AddressSanitizer and UndefinedBehaviorSanitizer), each target for
# SECONDS (default 120), one after the other, one process each:
#   bash scripts/fuzz.sh [SECONDS] [TARGET...]   TARGET: spec_loader, libsvm, spec_run (default all three)
#   bash scripts/fuzz.sh 600                      the 10-minute campaign on every target
# spec_loader: a spec through validation; libsvm: the LIBSVM reader; spec_run: a whole tiny spec
# through validate + run + outputs + read back. Builds in build-asan/ (the same build as
# scripts/sanitize.sh). The committed seed corpus fuzz/corpus/<target>/ is copied to
# build-asan/corpus/<target>/, where new inputs accumulate; fuzz/<target>.dict, if present, is the
# target's dictionary. Crashes, leaks and timeouts go to build-asan/findings/<target>/ (add a
# minimised one to fuzz/corpus/<target>/ once fixed, so that CI replays it: scripts/sanitize.sh).
# The output of each target is kept in build-asan/findings/<target>.log; the script ends with one
# line per target (executions, coverage, result) and fails if any target had a finding.
# FUZZ_FLAGS adds libFuzzer options, e.g. FUZZ_FLAGS="-fork=1 -ignore_crashes=1" to go on after a
# finding (one worker process at a time) and collect every distinct crash in the findings folder.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-120}
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(spec_loader libsvm spec_run)

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
summary=()
failed=0
for target in "${targets[@]}"; do
  corpus="$build/corpus/$target"
  findings="$build/findings/$target"
  log="$build/findings/$target.log"
  mkdir -p "$corpus" "$findings"
  cp -n "$root/fuzz/corpus/$target/"* "$corpus/" 2>/dev/null || true
  dict=()
  [ -f "$root/fuzz/$target.dict" ] && dict=(-dict="$root/fuzz/$target.dict")
  echo "fuzz: $target for $seconds s (corpus $corpus, findings $findings, log $log)" >&2
  status=0
  marker=$(mktemp) # artifacts newer than this are this session's (-fork=1 -ignore_crashes=1 exits 0)
  (cd "$findings" && "$build/fuzz/${target}_fuzzer" "$corpus" "${dict[@]}" ${FUZZ_FLAGS:-} -max_total_time="$seconds" -timeout=20 \
     -rss_limit_mb=4096 -max_len=65536 -print_final_stats=1 -artifact_prefix="$findings/") 2>&1 | tee "$log" >&2 \
    || status=$?
  executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  # With -fork the parent prints no final stats: its last "#N" line counts the executions.
  [ -n "$executions" ] || executions=$(grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#')
  coverage=$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -1)
  artifacts=$(find "$findings" -maxdepth 1 -type f -newer "$marker" | wc -l)
  rm -f "$marker"
  if [ "$status" -eq 0 ] && [ "$artifacts" -eq 0 ]; then
    result="no finding"
  else
    result="FINDING (exit $status, $artifacts new files in $findings; see $log)"
    failed=1
  fi
  summary+=("$(printf '%-12s %s s, %s executions, %s, corpus %s files: %s' "$target" "$seconds" "${executions:-?}" \
    "${coverage:-cov: ?}" "$(ls "$corpus" | wc -l)" "$result")")
done
echo "fuzz: summary" >&2
printf '  %s\n' "${summary[@]}" >&2
exit "$failed"
