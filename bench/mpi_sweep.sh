#!/usr/bin/env bash
# A sweep on MPI ranks against the same sweep on threads of one process (docs/cluster.md): the
# 64-run sweep W4 (specs/w4.json) on 2 ranks x 1 thread against 1 process x 2 threads, each
# timed by localsgd's own "wall time of the runs" (executing the runs: rank 0 handing them out
# and receiving every record included; reading the spec and writing the outputs excluded), and
# the whole command's wall time. Efficiency = threaded seconds / MPI seconds (1 = as fast).
#   bash bench/mpi_sweep.sh [REPS] [RANKS]    (default 3 repetitions, 2 ranks)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
reps=${1:-3}
ranks=${2:-2}
localsgd=$root/build/experiments/localsgd
[ -x "$localsgd" ] || bash "$root/scripts/build.sh" >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mpirun_args=(-q -n "$ranks")
[ "$(id -u)" -eq 0 ] && mpirun_args+=(--allow-run-as-root)
[ "$ranks" -gt "$(nproc)" ] && mpirun_args+=(--oversubscribe)

runs_seconds() { sed -n 's/^wall time of the runs: \([0-9.]*\) s.*/\1/p' "$1"; }
printf "%-4s %-28s %10s %10s\n" rep configuration "runs s" "command s"
threaded_sum=0 mpi_sum=0
for rep in $(seq "$reps"); do
  rm -rf "$work"/t "$work"/m
  start=$(date +%s.%N)
  "$localsgd" run "$root/bench/specs/w4.json" --out "$work/t" --threads "$ranks" --quiet > "$work/t.txt"
  t_whole=$(awk -v a="$(date +%s.%N)" -v b="$start" 'BEGIN { print a - b }')
  start=$(date +%s.%N)
  mpirun "${mpirun_args[@]}" "$localsgd" run "$root/bench/specs/w4.json" --out "$work/m" --threads 1 --quiet > "$work/m.txt"
  m_whole=$(awk -v a="$(date +%s.%N)" -v b="$start" 'BEGIN { print a - b }')
  cmp -s "$work/t/metrics.csv" "$work/m/metrics.csv" || { echo "metrics.csv differs" >&2; exit 1; }
  t=$(runs_seconds "$work/t.txt") m=$(runs_seconds "$work/m.txt")
  printf "%-4s %-28s %10.3f %10.3f\n" "$rep" "1 process x $ranks threads" "$t" "$t_whole"
  printf "%-4s %-28s %10.3f %10.3f\n" "$rep" "$ranks ranks x 1 thread" "$m" "$m_whole"
  threaded_sum=$(awk -v a="$threaded_sum" -v b="$t" 'BEGIN { print a + b }')
  mpi_sum=$(awk -v a="$mpi_sum" -v b="$m" 'BEGIN { print a + b }')
done
printf "efficiency (threaded / MPI, runs, mean of %s): %.3f\n" "$reps" "$(awk -v a="$threaded_sum" -v b="$mpi_sum" 'BEGIN { print a / b }')"
