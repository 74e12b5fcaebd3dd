#!/usr/bin/env bash
# bench-cluster.sh: collect ≥ 20,000 objects from the real test kube-apiserver and compare
# with a plain chunked LIST of the same resources. Prints time, peak RSS, bundle size and
# the ratio; asserts nothing (goals: ratio ≤ 1.3×, RSS ≤ 200 MB).
# Env: BENCH_OBJECTS (default 20000), BENCH_RUNS (default 3).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${BENCH_OBJECTS:-20000}
runs=${BENCH_RUNS:-3}
hack/kube-up.sh
kc=$PWD/.kube-test/kubeconfig
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -trimpath -o "$tmp/kubeproof-collect" ./cmd/kubeproof-collect
go build -o "$tmp/seed" ./hack/seed
"$tmp/seed" -kubeconfig "$kc" -objects "$n" seed
ssh-keygen -q -t ed25519 -N '' -f "$tmp/key"

# Runs alternate (list, collect, list, collect, …) so both see the same machine load;
# each line of $tmp/runs: list_wall list_cpu list_rss collect_wall collect_cpu collect_rss
run() { # run CMD... → "wall cpu rss_kb"
  /usr/bin/time -f '%e %U %S %M' -o "$tmp/time" "$@" >"$tmp/out" 2>"$tmp/err" || { cat "$tmp/err" >&2; exit 1; }
  awk '{printf "%s %.2f %s", $1, $2 + $3, $4}' "$tmp/time"
}
: >"$tmp/runs"
for _ in $(seq 1 "$runs"); do
  l=$(run "$tmp/seed" -kubeconfig "$kc" list)
  c=$(run "$tmp/kubeproof-collect" cluster --kubeconfig "$kc" --quiet --key "$tmp/key" -o "$tmp/b.tar.zst")
  echo "$l $c" >>"$tmp/runs"
done
"$tmp/seed" -kubeconfig "$kc" list >"$tmp/out"
objects=$(sed -n 's/^plain chunked LIST: \([0-9]*\) objects.*/\1/p' "$tmp/out")
size=$(stat -c %s "$tmp/b.tar.zst")
raw=$(zstd -dc "$tmp/b.tar.zst" | wc -c)
printf 'bench-cluster: %s objects on the server (%s seeded), %s alternating runs, load average %s\n' \
  "$objects" "$n" "$runs" "$(cut -d' ' -f1 /proc/loadavg)"
col() { awk -v c="$1" '{print $c}' "$tmp/runs" | sort -g; }   # one column, ascending
min() { col "$1" | head -1; }
max() { col "$1" | tail -1; }
median() { awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
ratio=$(awk '{print $4/$1}' "$tmp/runs" | sort -g | median)
awk -v lw="$(min 1)" -v lc="$(min 2)" -v lr="$(max 3)" -v cw="$(min 4)" -v cc="$(min 5)" -v cr="$(max 6)" \
  -v size="$size" -v raw="$raw" -v ratio="$ratio" 'BEGIN {
  printf "  plain chunked LIST   best %6.2fs wall  %5.2fs CPU  peak RSS %4d MB\n", lw, lc, lr / 1024
  printf "  kubeproof-collect    best %6.2fs wall  %5.2fs CPU  peak RSS %4d MB\n", cw, cc, cr / 1024
  printf "  bundle %.2f MB (uncompressed tar %.1f MB)\n", size / 1048576, raw / 1048576
  printf "  ratio collect/list   median %.2fx of paired runs, best-to-best %.2fx  (goals: <= 1.3x, RSS <= 200 MB)\n", ratio, cw / lw
}'
