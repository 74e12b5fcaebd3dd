#!/usr/bin/env bash
# deps-check.sh: enforce the one-way dependency rules of docs/architecture (architecture.md §1)
# on the two binaries. The per-package table is enforced by internal/deps (a Go test).
set -euo pipefail
cd "$(dirname "$0")/.."
mod=$(go list -m)
fail=0
check() { # check BINARY-PACKAGE REGEX WHY
  local bad
  bad=$(go list -deps "$1" | grep -E "$2" || true)
  if [ -n "$bad" ]; then
    echo "deps-check: $1 must not link $3:" >&2
    echo "$bad" | sed 's/^/  /' >&2
    fail=1
  fi
}
check ./cmd/kubeproof-collect "^(github.com/google/cel-go|github.com/xuri/excelize|github.com/jung-kurt/gofpdf|$mod/(analyze|rules|mapping|reports))(/|$)" \
  "CEL, excelize, the PDF library or analysis/report code (the collector stays small and auditable)"
check ./cmd/kubeproof "^(k8s.io/client-go|$mod/collect)(/|$)" "client-go or collection code (the analyzer runs offline)"
if [ "$fail" -ne 0 ]; then exit 1; fi
echo "deps-check: ok ($(go list -deps ./cmd/kubeproof-collect | wc -l) packages in kubeproof-collect, $(go list -deps ./cmd/kubeproof | wc -l) in kubeproof)"
