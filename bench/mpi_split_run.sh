#!/usr/bin/env bash
# One large run split by workers on MPI ranks against the same run on threads of one process
# (docs/cluster.md): p = 10^5 workers, d = 100 (specs/split_p1e5.json), on 2 ranks x 1 thread
# (--split-workers) against 1 process x 2 threads, each timed by localsgd's own "wall time of the
# runs" (building the problem, reading the spec and writing the outputs excluded; MPI's start-up
# too). Efficiency = threaded seconds / split seconds (1 = as fast). The metrics must be the same
# bytes.
#
# Then the bytes rank 0 sends per sync, measured as the difference between the run with 10 syncs
# and the same run with 20 (everything else equal), against the formula 8 (n_0 d + 5): rank 0's
# n_0 partial sums of d values, and five scalars (the stop request, the clock-overflow step and
# worker, the barrier's clock, the round's end time). For p = 10^5 on 2 ranks the tree's 1563
# blocks split into two subtrees, so n_0 = 1.
#   bash bench/mpi_split_run.sh [REPS]    (default 3 repetitions)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
reps=${1:-3}
ranks=2
localsgd=$root/build/experiments/localsgd
spec=$root/bench/specs/split_p1e5.json
[ -x "$localsgd" ] || bash "$root/scripts/build.sh" >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mpirun_args=(-q -n "$ranks")
[ "$(id -u)" -eq 0 ] && mpirun_args+=(--allow-run-as-root)
[ "$ranks" -gt "$(nproc)" ] && mpirun_args+=(--oversubscribe)
export OMPI_MCA_btl_vader_single_copy_mechanism=none  # containers without CAP_SYS_PTRACE

runs_seconds() { sed -n 's/^wall time of the runs: \([0-9.]*\) s.*/\1/p' "$1"; }
bytes_sent() { sed -n 's/^split-workers: rank 0 sent \([0-9]*\) bytes.*/\1/p' "$1"; }
printf "%-4s %-34s %10s\n" rep configuration "runs s"
threaded_sum=0 split_sum=0
for rep in $(seq "$reps"); do
  rm -rf "$work"/t "$work"/m
  "$localsgd" run "$spec" --out "$work/t" --threads "$ranks" --quiet > "$work/t.txt"
  mpirun "${mpirun_args[@]}" "$localsgd" run "$spec" --out "$work/m" --threads 1 --split-workers \
    > "$work/m.txt" 2> "$work/m.err"
  cmp -s "$work/t/metrics.csv" "$work/m/metrics.csv" || { echo "metrics.csv differs" >&2; exit 1; }
  t=$(runs_seconds "$work/t.txt") m=$(runs_seconds "$work/m.txt")
  printf "%-4s %-34s %10.3f\n" "$rep" "1 process x $ranks threads" "$t"
  printf "%-4s %-34s %10.3f\n" "$rep" "$ranks ranks x 1 thread, split" "$m"
  threaded_sum=$(awk -v a="$threaded_sum" -v b="$t" 'BEGIN { print a + b }')
  split_sum=$(awk -v a="$split_sum" -v b="$m" 'BEGIN { print a + b }')
done
printf "efficiency (threaded / split, runs, mean of %s): %.3f\n" "$reps" \
  "$(awk -v a="$threaded_sum" -v b="$split_sum" 'BEGIN { print a / b }')"

# Bytes per sync: 10 syncs (period 20) against 20 syncs (period 10).
rm -rf "$work"/m
mpirun "${mpirun_args[@]}" "$localsgd" run "$spec" --out "$work/m10" --threads 1 --split-workers \
  > /dev/null 2> "$work/m10.err"
mpirun "${mpirun_args[@]}" "$localsgd" run "$spec" --out "$work/m20" --threads 1 --split-workers \
  --set schedule.period=10 > /dev/null 2> "$work/m20.err"
b10=$(bytes_sent "$work/m10.err") b20=$(bytes_sent "$work/m20.err")
d=100 n0=1
per_sync=$(( (b20 - b10) / 10 ))
formula=$(( 8 * (n0 * d + 5) ))
echo "rank 0 sent $b10 bytes with 10 syncs, $b20 with 20: $per_sync bytes per sync; formula 8 (n_0 d + 5) = $formula"
[ "$per_sync" -eq "$formula" ] || { echo "the bytes per sync differ from the formula" >&2; exit 1; }
