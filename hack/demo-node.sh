#!/usr/bin/env bash
# demo-node.sh: collect a simulated node. For each layout under testdata/hosts (default:
# kubeadm k3s), start real processes with that layout's argv (copies of a sleeping helper
# named kube-apiserver, etcd, kubelet, k3s, …, so /proc shows exactly that argv), collect
# with --host-root testdata/hosts/<layout> --proc-root /proc restricted to those pids, then
# verify the signed bundle. Output: ${OUT:-out/demo-node}/<layout>.tar.zst
#
#   hack/demo-node.sh [LAYOUT...]
set -euo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-out/demo-node}
bin=${BIN:-bin}
layouts=("$@")
[ ${#layouts[@]} -gt 0 ] || layouts=(kubeadm k3s)
mkdir -p "$out" "$bin"
go build -trimpath -o "$bin/" ./cmd/kubeproof-collect
go build -o "$bin/fakeproc" ./internal/fakeproc/cmd/fakeproc
have_verify=0
if go build -trimpath -o "$bin/" ./cmd/kubeproof 2>/dev/null && "$bin/kubeproof" verify --help >/dev/null 2>&1; then have_verify=1; fi
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
key="$out/demo-collector.key"
[ -f "$key" ] || ssh-keygen -q -t ed25519 -N '' -C kubeproof-demo -f "$key"
for l in "${layouts[@]}"; do
  spec=testdata/hosts/$l.json
  [ -f "$spec" ] || { echo "demo-node: error: no layout $l ($spec)" >&2; exit 2; }
  mkdir -p "$work/$l"
  mapfile -t started < <("$bin/fakeproc" spawn "$spec" "$work/$l" 300)
  pids+=("${started[@]}")
  echo "== $l: $(jq -r .description "$spec" 2>/dev/null || echo "$spec")"
  echo "   started pids ${started[*]}"
  filter=$(IFS=,; echo "${started[*]}")
  "$bin/kubeproof-collect" node --host-root "testdata/hosts/$l" --proc-root /proc \
    --pid-filter "$filter" --key "$key" -o "$out/$l.tar.zst"
  if [ "$have_verify" = 1 ]; then
    "$bin/kubeproof" verify --trusted-key "$key.pub" "$out/$l.tar.zst"
  fi
  for p in "${started[@]}"; do kill "$p" 2>/dev/null || true; done
done
