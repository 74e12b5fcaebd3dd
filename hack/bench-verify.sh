#!/usr/bin/env bash
# bench-verify.sh: time `kubeproof verify` on a bundle of >= 1 GB uncompressed evidence
# against `zstd -dc B | sha256sum` (the floor: decompress and hash, nothing else) on the
# same machine in the same run; print the ratio (goal <= 1.5x) and peak RSS of each.
# Work files live in a temporary directory under /tmp, removed on exit.
# Env: SIZE_MIB (default 1100), RUNS (default 3; the best run of each is reported).
set -euo pipefail
cd "$(dirname "$0")/.."
size=${SIZE_MIB:-1100}
runs=${RUNS:-3}
for tool in zstd sha256sum; do
  command -v "$tool" >/dev/null || { echo "bench-verify: $tool not found (apt-get install zstd coreutils)" >&2; exit 1; }
done
[ -x /usr/bin/time ] || { echo "bench-verify: /usr/bin/time not found (apt-get install time)" >&2; exit 1; }
work=$(mktemp -d /tmp/kubeproof-bench-verify.XXXXXX)
trap 'rm -rf "$work"' EXIT
go build -o "$work/kubeproof" ./cmd/kubeproof
echo "bench-verify: generating a bundle of $size MiB of evidence in $work" >&2
go run ./bundle/internal/benchgen -size "$size" -o "$work/b.tar.zst"
b=$work/b.tar.zst
cat "$b" >/dev/null # warm the page cache for both contenders

# measure NAME CMD...: best wall time (s) and its peak RSS (KiB) over $runs runs
measure() {
  local name=$1 best="" rss="" t m
  shift
  for _ in $(seq "$runs"); do
    /usr/bin/time -f '%e %M' -o "$work/time" "$@" >/dev/null
    read -r t m <"$work/time"
    if [ -z "$best" ] || awk -v a="$t" -v b="$best" 'BEGIN{exit !(a<b)}'; then best=$t rss=$m; fi
  done
  echo "$name $best $rss"
}
read -r _ tv rv < <(measure verify "$work/kubeproof" verify --trusted-key "$b.pub" "$b")
read -r _ tz rz < <(measure zstd bash -c "zstd -dc '$b' | sha256sum")
# for context only: the decompression floor, and a SHA-NI hasher where openssl has one
read -r _ td _ < <(measure zstd-only bash -c "zstd -dc '$b' >/dev/null")
to=""
if command -v openssl >/dev/null; then read -r _ to _ < <(measure openssl bash -c "zstd -dc '$b' | openssl dgst -sha256"); fi
comp=$(stat -c %s "$b")
awk -v size="$size" -v comp="$comp" -v tv="$tv" -v rv="$rv" -v tz="$tz" -v rz="$rz" -v td="$td" -v to="$to" 'BEGIN {
  printf "bundle: %d MiB evidence, %.1f MiB compressed\n", size, comp / 1048576
  printf "kubeproof verify:       %6.2f s  %7.1f MiB/s  peak RSS %6.1f MiB\n", tv, size / tv, rv / 1024
  printf "zstd -dc | sha256sum:   %6.2f s  %7.1f MiB/s  peak RSS %6.1f MiB (largest process)\n", tz, size / tz, rz / 1024
  printf "ratio verify / zstd+sha256sum: %.2fx (goal <= 1.5x)\n", tv / tz
  printf "context: zstd -dc >/dev/null %.2f s", td
  if (to != "") printf "; zstd -dc | openssl dgst -sha256 %.2f s (verify / that: %.2fx)", to, tv / to
  printf "\n"
}'
