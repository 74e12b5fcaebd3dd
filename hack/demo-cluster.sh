#!/usr/bin/env bash
# demo-cluster.sh: regenerate the demo cluster bundle testdata/demo/cluster.tar.zst (and its
# one-time public key cluster.tar.zst.pub) from a REAL kube-apiserver + etcd: start a private
# test API server (hack/kube-up.sh with its own KUBE_TEST_DIR, so the shared one of the
# integration tests is untouched), seed testdata/demo/cluster-objects.yaml with kubectl,
# collect it with `kubeproof-collect cluster` without --key (a one-time key signs it; its
# private half is never written), then stop that server. `make demo` uses the committed
# result, so it needs no kube-apiserver build.
#
#   hack/demo-cluster.sh            needs the kube-apiserver build (hack/kube-build.sh, slow when cold)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
bin=${BIN:-bin}
out=testdata/demo/cluster.tar.zst
die() { echo "demo-cluster: error: $*" >&2; exit 1; }
command -v kubectl >/dev/null || die "kubectl not found (apt-get install kubectl, or put it on PATH)"
mkdir -p "$bin"
go build -trimpath -o "$bin/" ./cmd/kubeproof-collect ./cmd/kubeproof

kdir=$(mktemp -d /tmp/kubeproof-demo-cluster.XXXXXX)
cleanup() { KUBE_TEST_DIR=$kdir "$root/hack/kube-down.sh" >/dev/null 2>&1 || true; rm -rf "$kdir"; }
trap cleanup EXIT
KUBE_TEST_DIR=$kdir hack/kube-up.sh
kc=$kdir/kubeconfig

kubectl --kubeconfig "$kc" apply -f testdata/demo/cluster-objects.yaml >/dev/null
echo "demo-cluster: seeded $(grep -c '^kind:' testdata/demo/cluster-objects.yaml) objects from testdata/demo/cluster-objects.yaml"

rm -f "$out" "$out.pub"
"$bin/kubeproof-collect" cluster --kubeconfig "$kc" --cluster-name demo -o "$out"
size=$(stat -c %s "$out")
[ "$size" -lt 204800 ] || die "$out is $size bytes; keep the demo bundle under 200 KB"
if zstd -dc "$out" | grep -q 'demo-not-a-real-password'; then die "a Secret value reached $out"; fi
"$bin/kubeproof" verify --trusted-key "$out.pub" "$out"
echo "demo-cluster: wrote $out ($size bytes) and $out.pub"
