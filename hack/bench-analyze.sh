#!/usr/bin/env bash
# bench-analyze.sh: the analyzer's scale benchmark (issue 5). Generates (once) a cluster
# bundle with PODS pods and RBAC RBAC objects plus NODES node bundles, then times
#   1. the floor: zstd -dc | sha256sum over every bundle (decompress + hash, nothing else)
#   2. kubeproof analyze --format json over all of them (verify + evaluate + report.json)
#   3. kubeproof analyze with every format (adds the XLSX and PDF writers)
# and prints wall time, CPU time (user+sys) and peak RSS. Numbers are printed, never asserted.
#
#   hack/bench-analyze.sh                       # 100,000 pods, 25,000 RBAC objects, 100 nodes
#   PODS=10000 RBAC=2500 NODES=10 hack/bench-analyze.sh
#   KUBEPROOF_CPUPROFILE=/tmp/analyze.prof hack/bench-analyze.sh   # CPU profile of run 2
set -euo pipefail
cd "$(dirname "$0")/.."
PODS=${PODS:-100000} RBAC=${RBAC:-25000} NODES=${NODES:-100}
DIR=${BENCH_DIR:-${TMPDIR:-/tmp}/kubeproof-bench-$PODS-$RBAC-$NODES}
BIN=${BIN:-bin}
mkdir -p "$BIN"
go build -trimpath -o "$BIN/kubeproof" ./cmd/kubeproof
go build -trimpath -o "$BIN/genbundles" ./analyze/gen/genbundles
if [ ! -f "$DIR/cluster.tar.zst" ]; then
  echo "generating $PODS pods, $RBAC RBAC objects, $NODES node bundles into $DIR"
  "$BIN/genbundles" -big "$DIR" -pods "$PODS" -rbac "$RBAC" -nodes "$NODES"
fi
bundles=("$DIR"/*.tar.zst)
echo "bundles: ${#bundles[@]}, $(du -ch "${bundles[@]}" | tail -1 | cut -f1) compressed," \
  "cluster bundle $(zstd -dc "$DIR/cluster.tar.zst" | wc -c | awk '{printf "%.0f MB", $1/1e6}') uncompressed"

measure() { # label, command...
  local label=$1; shift
  local out; out=$(mktemp)
  /usr/bin/time -f '%e %U %S %M' -o "$out" "$@" >/dev/null 2>&1 || { echo "$label: FAILED (exit $?)"; cat "$out"; rm -f "$out"; return 1; }
  read -r wall user sys rss < <(tail -1 "$out")
  awk -v l="$label" -v w="$wall" -v u="$user" -v s="$sys" -v r="$rss" \
    'BEGIN { printf "%-34s wall %6.2f s  cpu %6.2f s  peak RSS %6.0f MB\n", l, w, u+s, r/1024 }'
  rm -f "$out"
}

measure "floor: zstd -dc | sha256sum" bash -c 'for f in "$@"; do zstd -qdc "$f" | sha256sum >/dev/null; done' _ "${bundles[@]}"
OUT=$(mktemp -d)
measure "analyze --format json" "$BIN/kubeproof" analyze --trusted-key "$DIR/key.pub" --format json --out "$OUT/json" "${bundles[@]}"
echo "report.json: $(du -h "$OUT/json/report.json" | cut -f1)"
unset KUBEPROOF_CPUPROFILE
if [ "${SKIP_ALL_FORMATS:-}" = "" ]; then
  measure "analyze --format json,xlsx,pdf" "$BIN/kubeproof" analyze --trusted-key "$DIR/key.pub" --out "$OUT/all" "${bundles[@]}" || true
fi
echo "machine: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
rm -rf "$OUT"
