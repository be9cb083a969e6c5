#!/usr/bin/env bash
# Records the golden outputs (tests/golden/<case>/) from the current build. Only for a change that
# is meant to change results: commit the new files with the reason. A refactoring must instead
# leave `ctest -R golden` green without recording.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/build.sh"
LOCALSGD_RECORD_GOLDEN=1 "$root/build/tests/localsgd_tests" "golden outputs*"
git -C "$root" status --short tests/golden
