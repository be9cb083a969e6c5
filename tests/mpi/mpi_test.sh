#!/usr/bin/env bash
# localsgd under mpirun (docs/cluster.md), run by ctest when MPI was found (tests/CMakeLists.txt):
#   identity  a sweep (several syncs, a random compute model, an adaptive schedule, targets) on
#             R = 1, 2, 3, 4 ranks writes the bytes one process writes (summary.json without
#             the wall-clock field), also with traced runs (trace.csv, rounds.csv)
#   resume    a sweep interrupted under mpirun on 3 ranks is completed by the same command on 2
#             ranks, with the bytes one process writes; then without MPI every run is reused
#   split     one run's workers divided among the ranks (--split-workers, and automatic when a run
#             does not fit in a rank's memory): the bytes of one process for R = 1..4 and without
#             MPI; completed on another R; what cannot be split refused with its path
#   split_failure  a split run failing on one rank: every rank ends, one message, no metrics.csv
#   run_failure  a run that fails mid-sweep: one message, every rank exits with 1
#   bad_rank  a data file that one rank cannot read (its node's copy is missing): one message
#             naming the rank and the file, every rank exits with 2, no results folder; the
#             same when rank 1's copy of the data file differs
# Usage: mpi_test.sh MODE LOCALSGD MPIEXEC SOURCE_DIR WORK_DIR
set -euo pipefail
mode=$1 localsgd=$2 mpiexec=$3 source_dir=$4 work=$5
specs=$source_dir/tests/mpi
rm -rf "$work" && mkdir -p "$work" && cd "$work"
# Every mpirun of a test ends within 60 s or fails: a rank waiting forever is a bug.
# In containers without CAP_SYS_PTRACE, Open MPI's shared-memory transport cannot copy large
# messages between processes directly (process_vm_readv); copying through its buffers works anywhere.
export OMPI_MCA_btl_vader_single_copy_mechanism=none
mpirun_ranks() { local n=$1; shift; timeout 60 "$mpiexec" --oversubscribe --allow-run-as-root -q -n "$n" "$@"; }
fail() { echo "FAIL: $*" >&2; exit 1; }

# The outputs of two results folders are the same bytes, but for the simulator's wall seconds.
same_outputs() {
  local a=$1 b=$2 f
  for f in metrics.csv runs.csv time_to_target.csv spec.resolved.json; do
    cmp -s "$a/$f" "$b/$f" || fail "$f differs between $a and $b"
  done
  cmp -s <(grep -v '"wall_seconds"' "$a/summary.json") <(grep -v '"wall_seconds"' "$b/summary.json") ||
    fail "summary.json differs between $a and $b (beyond wall_seconds)"
  [ "$(ls "$a/runs" | wc -l)" = "$(ls "$b/runs" | wc -l)" ] || fail "runs/ of $a and $b hold different numbers of files"
}

# interrupt_once_saved PID DIR K N: once K of the N runs' records are in DIR/runs, Ctrl-C to the
# mpirun PID; it must exit non-zero with some but not all runs saved, and no metrics.csv.
interrupt_once_saved() {
  local pid=$1 dir=$2 least=$3 runs=$4 status=0 saved
  for _ in $(seq 600); do
    [ "$(ls "$dir/runs" 2>/dev/null | grep -c '\.json$')" -ge "$least" ] && break
    sleep 0.05
  done
  kill -INT "$pid"
  wait "$pid" || status=$?
  [ "$status" -ne 0 ] || fail "an interrupted mpirun ($dir) exited with 0"
  saved=$(ls "$dir/runs" | grep -c '\.json$')
  [ "$saved" -ge "$least" ] && [ "$saved" -lt "$runs" ] || fail "expected some of $runs runs saved in $dir, found $saved"
  [ ! -e "$dir/metrics.csv" ] || fail "an interrupted sweep wrote $dir/metrics.csv"
}

case "$mode" in
identity)
  "$localsgd" run "$specs/sweep.json" --out one --quiet > /dev/null
  grep -q '"wall_seconds"' one/summary.json || fail "summary.json has no wall_seconds field to leave out"
  [ "$(wc -l < one/metrics.csv)" -gt 200 ] || fail "metrics.csv is too short"
  for r in 1 2 3 4; do
    mpirun_ranks "$r" "$localsgd" run "$specs/sweep.json" --out "ranks$r" --quiet --threads 1 > "ranks$r.txt" ||
      fail "mpirun -n $r exited with $?"
    same_outputs one "ranks$r"
  done
  # Traced runs: their trace rows travel with their records.
  trace=(--set 'trace={"workers": [0, 1], "every": 50, "coordinates": 2}')
  "$localsgd" run "$specs/sweep.json" "${trace[@]}" --out one_trace --quiet > /dev/null
  mpirun_ranks 3 "$localsgd" run "$specs/sweep.json" "${trace[@]}" --out ranks_trace --quiet --threads 1 > /dev/null ||
    fail "mpirun -n 3 with a trace exited with $?"
  same_outputs one_trace ranks_trace
  for f in trace.csv rounds.csv; do
    [ -s "one_trace/$f" ] && cmp -s "one_trace/$f" "ranks_trace/$f" || fail "$f differs or is empty"
  done
  ;;
resume)
  # 24 runs of about 0.4 s each (1 thread, an idle machine), interrupted once a few are saved: the
  # rest (some 3 s of work on 3 ranks) must outlast the interrupt's way through mpirun. With 0.08 s
  # runs the whole sweep ended before it.
  set_long=(--set steps=1000000 --set seeds=6)
  "$localsgd" run "$specs/sweep.json" "${set_long[@]}" --out one --quiet > /dev/null
  "$mpiexec" --oversubscribe --allow-run-as-root -q -n 3 "$localsgd" run "$specs/sweep.json" "${set_long[@]}" \
    --out split --threads 1 > split1.txt 2> split1.err &
  interrupt_once_saved $! split 4 24
  mpirun_ranks 2 "$localsgd" run "$specs/sweep.json" "${set_long[@]}" --out split --threads 1 > split2.txt ||
    fail "the rerun on 2 ranks exited with $?"
  grep -q "runs reused" split2.txt || fail "the rerun reused no run: $(cat split2.txt)"
  same_outputs one split
  "$localsgd" run "$specs/sweep.json" "${set_long[@]}" --out split --quiet > split3.txt
  grep -q "24 of 24 runs reused" split3.txt || fail "without MPI not every run was reused: $(cat split3.txt)"
  same_outputs one split
  ;;
bad_rank)
  # Two nodes, as two working folders: rank 0's has the data file, rank 1's does not.
  mkdir -p node0 node1
  cp "$specs/data_spec.json" node0/spec.json && cp "$specs/data_spec.json" node1/spec.json
  cp "$source_dir/data/heart_scale" node0/
  status=0
  timeout 60 "$mpiexec" --oversubscribe --allow-run-as-root -q -n 1 --wdir "$work/node0" "$localsgd" run spec.json \
    --out "$work/out" : -n 1 --wdir "$work/node1" "$localsgd" run spec.json --out "$work/out" \
    > bad.txt 2> bad.err || status=$?
  [ "$status" -eq 2 ] || fail "expected exit code 2, got $status: $(cat bad.err)"
  [ "$(grep -c 'error' bad.err)" -eq 1 ] || fail "expected one error line: $(cat bad.err)"
  grep -q '^error: rank 1 of 2: spec.json: .*heart_scale' bad.err || fail "the error names no rank and file: $(cat bad.err)"
  [ ! -e out ] || fail "a results folder was created"
  # Another version of the data file on rank 1's node (one row fewer): its runs would differ
  # under the same keys, so no rank starts.
  head -n -1 "$source_dir/data/heart_scale" > node1/heart_scale
  status=0
  timeout 60 "$mpiexec" --oversubscribe --allow-run-as-root -q -n 1 --wdir "$work/node0" "$localsgd" run spec.json \
    --out "$work/out" : -n 1 --wdir "$work/node1" "$localsgd" run spec.json --out "$work/out" \
    > differ.txt 2> differ.err || status=$?
  [ "$status" -eq 2 ] || fail "other data on rank 1: expected exit code 2, got $status: $(cat differ.err)"
  grep -q "^error: rank 1 of 2: spec.json: its runs differ from rank 0's" differ.err ||
    fail "other data on rank 1: $(cat differ.err)"
  [ ! -e out ] || fail "a results folder was created"
  # The same with the data file on both nodes runs.
  cp "$source_dir/data/heart_scale" node1/
  timeout 60 "$mpiexec" --oversubscribe --allow-run-as-root -q -n 1 --wdir "$work/node0" "$localsgd" run spec.json \
    --out "$work/out" --quiet : -n 1 --wdir "$work/node1" "$localsgd" run spec.json --out "$work/out" --quiet \
    > good.txt || fail "with the data file on both nodes: exit $?"
  [ -s out/metrics.csv ] || fail "no metrics.csv"
  ;;
run_failure)
  # A run that throws while the sweep goes on, on whichever rank executes it (a test hook: no
  # real input fails only there once every rank has read the spec): one message naming the run
  # (and the rank, unless 0), every rank exits with 1, no metrics.csv; a rerun completes.
  status=0
  LOCALSGD_TEST_FAIL_RUN=5 mpirun_ranks 2 -x LOCALSGD_TEST_FAIL_RUN "$localsgd" run "$specs/sweep.json" --out split \
    --threads 1 > fail.txt 2> fail.err || status=$?
  [ "$status" -eq 1 ] || fail "expected exit code 1, got $status: $(cat fail.err)"
  [ "$(grep -c 'error' fail.err)" -eq 1 ] || fail "expected one error line: $(cat fail.err)"
  grep -Eq '^error: (rank 1 of 2: )?run 5 .*failed on purpose' fail.err || fail "the error names no run: $(cat fail.err)"
  [ ! -e split/metrics.csv ] || fail "metrics.csv was written"
  "$localsgd" run "$specs/sweep.json" --out one --quiet > /dev/null
  mpirun_ranks 2 "$localsgd" run "$specs/sweep.json" --out split --threads 1 --quiet > /dev/null || fail "rerun: exit $?"
  same_outputs one split
  ;;
split)
  # One run's workers divided among the ranks (--split-workers): p = 150 and 200 span 3 and 4
  # blocks of the sum tree; several syncs, a random compute model, an adaptive schedule with
  # averaged momentum, targets. The bytes of one process for the non-MPI split and R = 1..4.
  "$localsgd" run "$specs/split.json" --out one --quiet > /dev/null
  "$localsgd" run "$specs/split.json" --out split0 --quiet --split-workers > /dev/null
  same_outputs one split0
  for r in 1 2 3 4; do
    mpirun_ranks "$r" "$localsgd" run "$specs/split.json" --out "split$r" --threads 1 --split-workers \
      > "split$r.txt" 2> "split$r.err" || fail "mpirun -n $r --split-workers exited with $?: $(cat "split$r.err")"
    grep -q "^split-workers: each run's workers divided among $r rank" "split$r.err" ||
      fail "no split-workers line on $r ranks: $(cat "split$r.err")"
    same_outputs one "split$r"
  done
  # Completed with another R: 3 of the 8 run records removed, rerun on 2 ranks, which reuses 5.
  rm -f split3/metrics.csv split3/summary.json
  ls split3/runs/*.json | head -3 | xargs rm -f
  mpirun_ranks 2 "$localsgd" run "$specs/split.json" --out split3 --threads 1 --split-workers --quiet > rerun.txt ||
    fail "the split rerun on 2 ranks exited with $?"
  grep -q "5 of 8 runs reused" rerun.txt || fail "the split rerun did not reuse 5 runs: $(cat rerun.txt)"
  same_outputs one split3
  # Ctrl-C under mpirun (SIGINT to every rank): the run in flight stops on every rank at the same
  # step, the saved runs stay, no metrics.csv; the same command on 3 ranks completes it.
  long=(--set steps=20000)
  "$localsgd" run "$specs/split.json" "${long[@]}" --out long_one --quiet > /dev/null
  "$mpiexec" --oversubscribe --allow-run-as-root -q -n 2 "$localsgd" run "$specs/split.json" "${long[@]}" \
    --out long --threads 1 --split-workers > long1.txt 2> long1.err &
  interrupt_once_saved $! long 2 8
  mpirun_ranks 3 "$localsgd" run "$specs/split.json" "${long[@]}" --out long --threads 1 --split-workers \
    > long2.txt 2>&1 || fail "the split rerun on 3 ranks exited with $?"
  same_outputs long_one long
  # Automatic: a whole run does not fit in a rank's 23 MiB, half of it does.
  "$localsgd" run "$specs/split_auto.json" --out auto_one --quiet > /dev/null
  mpirun_ranks 2 "$localsgd" run "$specs/split_auto.json" --out auto2 --threads 1 --max-memory 23M \
    > auto2.txt 2> auto2.err || fail "automatic split on 2 ranks exited with $?: $(cat auto2.err)"
  grep -q "^split-workers: each run's workers divided among 2 ranks" auto2.err || fail "no automatic split: $(cat auto2.err)"
  same_outputs auto_one auto2
  # What cannot be split is refused before anything is written, with its JSON path.
  status=0
  mpirun_ranks 2 "$localsgd" run "$specs/split.json" --out refused --threads 1 --split-workers \
    --set 'participation={"type": "uniform", "clients": 10}' > refused.txt 2> refused.err || status=$?
  [ "$status" -eq 2 ] || fail "partial participation with --split-workers: expected exit 2, got $status"
  grep -q "/participation.*split among ranks" refused.err || fail "the refusal names no path: $(cat refused.err)"
  [ ! -e refused ] || fail "a refused split run created its results folder"
  ;;
split_failure)
  # The last rank fails as run 3 starts while the others wait in its first exchange: every rank
  # ends (no hang), one error line, no metrics.csv; a rerun completes.
  status=0
  LOCALSGD_TEST_FAIL_RUN=3 mpirun_ranks 3 -x LOCALSGD_TEST_FAIL_RUN "$localsgd" run "$specs/split.json" --out split \
    --threads 1 --split-workers --quiet > fail.txt 2> fail.err || status=$?
  [ "$status" -eq 1 ] || fail "a failing split run: expected exit code 1, got $status"
  grep -q "^error: run 3 on rank 2 of 3: failed on purpose" fail.err || fail "the error names no run: $(cat fail.err)"
  [ ! -e split/metrics.csv ] || fail "metrics.csv was written"
  "$localsgd" run "$specs/split.json" --out one --quiet > /dev/null
  mpirun_ranks 3 "$localsgd" run "$specs/split.json" --out split --threads 1 --split-workers --quiet > /dev/null ||
    fail "rerun: exit $?"
  same_outputs one split
  ;;
*) fail "unknown mode $mode" ;;
esac
echo "mpi $mode: ok"
