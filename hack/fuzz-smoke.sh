#!/usr/bin/env bash
# fuzz-smoke.sh: run each fuzz target briefly (FUZZTIME, default 15s) on top of its seed corpus.
set -euo pipefail
cd "$(dirname "$0")/.."
t=${FUZZTIME:-15s}
for pkg in $(go list ./...); do
  dir=$(go list -f '{{.Dir}}' "$pkg")
  for f in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //' | sort -u); do
    echo "== $pkg $f ($t)"
    go test -run '^$' -fuzz "^$f\$" -fuzztime "$t" -fuzzminimizetime 0s "$pkg"
  done
done
