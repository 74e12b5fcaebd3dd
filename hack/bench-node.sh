#!/usr/bin/env bash
# bench-node.sh: time and peak RSS of collecting the simulated kubeadm node (real processes
# started with the layout's argv, --host-root testdata/hosts/kubeadm), best of RUNS runs.
# Goal (issue 3): <= 1 s and <= 50 MB. Prints numbers, asserts nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
layout=${LAYOUT:-kubeadm}
runs=${RUNS:-5}
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
go build -trimpath -o "$work/" ./cmd/kubeproof-collect
go build -o "$work/fakeproc" ./internal/fakeproc/cmd/fakeproc
ssh-keygen -q -t ed25519 -N '' -f "$work/key"
mapfile -t pids < <("$work/fakeproc" spawn "testdata/hosts/$layout.json" "$work" 120)
filter=$(IFS=,; echo "${pids[*]}")
measure() { # measure ARGS... -> "seconds maxrss_kb"
  /usr/bin/time -f '%e %M' -o "$work/time" "$work/kubeproof-collect" node "$@" --key "$work/key" -o "$work/out.tar.zst" 2>/dev/null
  cat "$work/time"
}
echo "node collect, $layout layout, ${#pids[@]} processes (best of $runs):"
t=$(for _ in $(seq "$runs"); do measure --host-root "testdata/hosts/$layout" --pid-filter "$filter"; done | sort -n | head -1)
echo "  demo node (pid filter):  ${t% *} s, peak RSS $(( ${t#* } / 1024 )) MB, bundle $(stat -c %s "$work/out.tar.zst") bytes"
t=$(for _ in $(seq "$runs"); do measure --host-root "testdata/hosts/$layout"; done | sort -n | head -1)
echo "  demo host root + full /proc scan ($(ls -d /proc/[0-9]* | wc -l) pids): ${t% *} s, peak RSS $(( ${t#* } / 1024 )) MB"
