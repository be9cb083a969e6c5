#!/usr/bin/env bash
# The benchmark in one command (bench/README.md): installs what it needs (Debian's python3-numpy,
# the build dependencies), builds localsgd and the minimal loop (Release), runs every workload
# with its baselines and prints the tables. Options go to bench/run.py: --quick (one repetition,
# about a minute), --reps N, --only W1,W2,W3,W4,W5,eval,p,T.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

bash "$root/scripts/install-deps.sh"
# NumPy for the baseline, GNU time for peak memory, valgrind for instruction counts; Debian's, for
# /usr/bin/python3.
missing=()
for p in python3-numpy time valgrind; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then missing+=("$p"); fi
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "bench: missing packages: ${missing[*]}; run as root (or: sudo apt-get install ${missing[*]})" >&2
    exit 1
  fi
  echo "bench: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

bash "$root/scripts/build.sh" >/dev/null
cmake --build "$root/build" --target localsgd minimal_loop read_bandwidth >/dev/null
exec /usr/bin/python3 "$root/bench/run.py" "$@"
