#!/usr/bin/env bash
# bench-reports.sh: time and peak RSS of the XLSX and PDF reports for the 100,000-pod fixture
# (reports/internal/fixture.Large). Numbers are printed, never asserted.
set -euo pipefail
cd "$(dirname "$0")/.."
for pkg in xlsx pdf; do
  go test -c -o "/tmp/kubeproof-bench-$pkg.test" "./reports/$pkg"
  echo "== reports/$pkg: 100,000 pods"
  ( cd "reports/$pkg" && /usr/bin/time -f "   wall %es, peak RSS %M KB (whole test process, incl. the in-memory fixture)" \
      "/tmp/kubeproof-bench-$pkg.test" -test.run '^TestScale$' -test.v -test.count=1 2>&1 | grep -E 'xlsx:|pdf:|wall|FAIL|ok' )
  rm -f "/tmp/kubeproof-bench-$pkg.test"
done
