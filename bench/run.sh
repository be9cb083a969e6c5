#!/usr/bin/env bash
# The benchmark in one command (bench/README.md): installs what it needs, builds localsgd, the
# minimal loop, the read-bandwidth probe and draw_cost (Release, with everything else), runs every workload
# with its baselines and prints the tables. Options go to bench/run.py: --quick (one repetition,
# about 9 minutes), --reps N, --only W1,W1c,W2,W3,W4,W5,W6,eval,p,p6,p6n,T,draws,whole.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

# The build dependencies, NumPy for the baseline (Debian's, for /usr/bin/python3), GNU time for
# peak memory and valgrind for instruction counts.
bash "$root/scripts/install-deps.sh" --bench
bash "$root/scripts/build.sh" >/dev/null
exec /usr/bin/python3 "$root/bench/run.py" "$@"
