#!/usr/bin/env bash
# Runs every reproduced claim in experiments/paper/ (the paper's) and experiments/federated/
# (the round pipeline's: participation, corrections, aggregation, server steps) and experiments/asynchrony/
# (FedAsync, FedBuff), experiments/compression/ and experiments/gossip/ and fails if one of their `expect` checks
# fails (localsgd exits 4) or anything else goes wrong. Results go to a temporary folder.
# These are the specs' own seeds; tests/claims_fresh_seeds_test.cpp runs the same claims on a
# disjoint seed set.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/build.sh" >/dev/null
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
status=0
for spec in "$root"/experiments/paper/*/*.json "$root"/experiments/federated/*/*.json "$root"/experiments/asynchrony/*/*.json \
    "$root"/experiments/compression/*/*.json "$root"/experiments/gossip/*/*.json; do
  name=$(basename "$(dirname "$spec")")/$(basename "$spec" .json)
  start=$(date +%s)
  if "$root/build/experiments/localsgd" run "$spec" --out "$out/$name" --quiet > "$out/log" 2>&1; then
    echo "claim holds: $name ($(( $(date +%s) - start )) s)"
  else
    echo "CLAIM FAILED: $name"
    cat "$out/log"
    status=1
  fi
done
exit $status
