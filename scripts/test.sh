#!/usr/bin/env bash
# Install what is missing, build, check every reproduced claim of the paper (experiments/paper/,
# about 2 minutes on 2 cores), and run the whole test suite (CTest over the Catch2 tests; it
# includes the same claims on fresh seeds, about as long again).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh"
"$root/scripts/check-paper-claims.sh"
cd "$root/build"
exec ctest --output-on-failure --parallel "$(nproc)" "$@"
