#!/usr/bin/env bash
# demo.sh (`make demo`): a whole assessment on this machine, in well under a minute.
#  1. Simulate two kubeadm nodes (testdata/demo/hosts/kubeadm-default as cp-1 and
#     worker-1): copy each layout to a temporary host root with its real modes and owners,
#     start real processes with the layout's command lines (internal/fakeproc), and collect
#     each with `kubeproof-collect node` restricted to those processes. No --key: each bundle
#     is signed with a one-time key whose public half is written beside it.
#  2. Take the committed cluster bundle testdata/demo/cluster.tar.zst, collected from a real
#     kube-apiserver by hack/demo-cluster.sh (so no kube-apiserver build is needed here).
#  3. `kubeproof verify` all three, then `kubeproof analyze` them as one assessment into
#     ${OUT:-out}/report.{json,xlsx,pdf}, and print a short summary.
# Env: BIN (default bin, where `make build` puts the binaries), OUT (default out).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${BIN:-bin}
out=${OUT:-out}
hosts=testdata/demo/hosts
nodes=(kubeadm-default:cp-1 worker-1:worker-1)
die() { echo "demo: error: $*" >&2; [ -z "${2:-}" ] || echo "demo: hint: $2" >&2; exit 1; }
for p in kubeproof kubeproof-collect; do
  [ -x "$bin/$p" ] || die "$bin/$p not found" "run 'make demo' (it builds first) or 'make build'"
done
command -v jq >/dev/null || die "jq not found" "apt-get install jq"

work=$(mktemp -d /tmp/kubeproof-demo.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
go build -o "$work/fakeproc" ./internal/fakeproc/cmd/fakeproc

# apply_layout SPEC ROOT: give the copied files the spec's modes (and owners, as root).
apply_layout() {
  local spec=$1 root=$2 path mode uid gid
  while IFS=$'\t' read -r path mode uid gid; do
    chmod "$mode" "$root$path"
    if [ "$(id -u)" = 0 ]; then chown -h "$uid:$gid" "$root$path"; fi
  done < <(jq -r '.files[] | [.path, .mode, (.uid|tostring), (.gid|tostring)] | @tsv' "$spec")
}

mkdir -p "$out/bundles"
rm -f "$out"/bundles/*.tar.zst "$out"/bundles/*.pub "$out"/report.*
[ "$(id -u)" = 0 ] || echo "demo: note: not root, so file owners stay yours; ownership rules will judge that"
bundles=() keys=()
for n in "${nodes[@]}"; do
  layout=${n%%:*} name=${n##*:}
  spec=$hosts/$layout.json root=$work/$name
  mkdir -p "$root" "$work/procs-$name"
  cp -a "$hosts/$layout/." "$root/"
  apply_layout "$spec" "$root"
  mapfile -t started < <("$work/fakeproc" spawn "$spec" "$work/procs-$name" 120)
  pids+=("${started[@]}")
  sleep 0.2 # let each copy exec its argv
  b=$out/bundles/$name.tar.zst
  echo "== node $name: $(jq -r .description "$spec")"
  "$bin/kubeproof-collect" node --host-root "$root" --proc-root /proc \
    --pid-filter "$(IFS=,; echo "${started[*]}")" -o "$b" 2>"$work/collect-$name.log" ||
    { cat "$work/collect-$name.log" >&2; die "collecting $name failed"; }
  grep -E '^kubeproof-collect: (node|signed)' "$work/collect-$name.log" | sed 's/^kubeproof-collect: /   /'
  for p in "${started[@]}"; do kill "$p" 2>/dev/null || true; done
  bundles+=("$b") keys+=(--trusted-key "$b.pub")
done

echo "== cluster demo: committed bundle testdata/demo/cluster.tar.zst (made by hack/demo-cluster.sh from a real kube-apiserver)"
cp testdata/demo/cluster.tar.zst testdata/demo/cluster.tar.zst.pub "$out/bundles/"
bundles+=("$out/bundles/cluster.tar.zst") keys+=(--trusted-key "$out/bundles/cluster.tar.zst.pub")

echo "== verify"
"$bin/kubeproof" verify "${keys[@]}" "${bundles[@]}" | grep -E ': (OK|FAILED)' | sed 's/^/   /'

echo "== analyze"
"$bin/kubeproof" analyze "${keys[@]}" --out "$out" "${bundles[@]}" 2>&1 | sed 's/^/   /'

r=$out/report.json
echo "== summary ($(jq -r '.benchmark + ", profile " + .profile' "$r"))"
jq -r '"   cluster " + (.cluster.name // "?") + " (" + (.cluster.server_version // "?") + "), nodes: "
        + ([.nodes[] | .name + (if .bundle == null or .bundle == "" then " (no node bundle)" else "" end)] | join(", "))' "$r"
jq -r '"   " + ([.summary.by_status | to_entries[] | "\(.value) \(.key)"] | join(", "))' "$r"
echo "   FAIL by section: $(jq -r '[.summary.by_section | to_entries[] | select(.value.FAIL > 0) | "\(.key) \(.value.FAIL)"] | join(", ")' "$r")"
echo "   node-level failures (rule: where):"
jq -r '[.results[] | select(.status == "FAIL" and (.rule_id | startswith("5.") | not))][:8][]
       | "     \(.rule_id)\t\(.title) [\(.count_summary // "")]"' "$r"
n=$(jq '[.results[] | select(.status == "FAIL" and (.rule_id | startswith("5.") | not))] | length' "$r")
[ "$n" -le 8 ] || echo "     … and $((n - 8)) more"
echo "   cluster-level failures (rule: offending objects):"
jq -r '.results[] | select(.status == "FAIL" and (.rule_id | startswith("5.")))
       | [.targets[] | select(.status == "FAIL" and .object != null) | .object | (.kind + " " + (if .namespace then .namespace + "/" else "" end) + .name)] as $o
       | "     \(.rule_id)\t\(.title): \($o[:3] | join(", "))" + (if ($o | length) > 3 then " +\(($o | length) - 3) more" else "" end)' "$r"
echo "== reports"
for f in report.json report.xlsx report.pdf; do
  [ -f "$out/$f" ] && printf '   %-40s %8s bytes\n' "$out/$f" "$(stat -c %s "$out/$f")"
done
echo "   bundles and their one-time public keys: $out/bundles/"
