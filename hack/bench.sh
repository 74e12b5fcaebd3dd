#!/usr/bin/env bash
# bench.sh: run every area's benchmark script (hack/bench-*.sh) and the Go benchmarks.
# Numbers are printed, never asserted: targets live in the issue notes, not in tests.
set -euo pipefail
cd "$(dirname "$0")/.."
make -s build
for s in hack/bench-*.sh; do
  [ -x "$s" ] || continue
  echo "== $s"
  "$s"
done
echo "== go test -bench"
go test -run '^$' -bench . -benchmem ./bundle/... ./rules/... ./analyze/... ./mapping/... ./reports/... 2>&1 | grep -E '^(Benchmark|ok|FAIL|PASS)' || true
