#!/usr/bin/env bash
# Install what is missing, build, and run the default experiment:
#   experiments/examples/quickstart.json -> out/quickstart/ (metrics.csv, summary.json, plots/*.png)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh"
cd "$root"
exec "$root/build/experiments/localsgd" run experiments/examples/quickstart.json "$@"
