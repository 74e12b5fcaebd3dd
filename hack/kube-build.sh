#!/usr/bin/env bash
# kube-build.sh: build a real kube-apiserver and etcd from the Go module proxy for the
# integration tests, cached outside the work tree behind a version stamp.
# Usage: hack/kube-build.sh            (prints the bin dir on stdout)
# Env:   KUBE_TEST_VERSION (default v1.37.1), KUBE_TEST_CACHE (default ~/.cache/kubeproof/kube-test)
set -euo pipefail
kver=${KUBE_TEST_VERSION:-v1.37.1}
cache=${KUBE_TEST_CACHE:-$HOME/.cache/kubeproof/kube-test}
bin=$cache/$kver/bin
stamp=$bin/.stamp
want="kube-apiserver=$kver recipe=2"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x "$bin/kube-apiserver" ] && [ -x "$bin/etcd" ]; then
  echo "$bin"; exit 0
fi
build=$cache/$kver/build
mkdir -p "$build" "$bin"
# One build at a time: a second caller waits for the first, then finds the stamp.
if command -v flock >/dev/null; then
  exec 9>"$cache/$kver/.lock"
  flock 9
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x "$bin/kube-apiserver" ] && [ -x "$bin/etcd" ]; then
    echo "$bin"; exit 0
  fi
fi
cd "$build"
minor=${kver#v1.}; minor=${minor%%.*}
twin="v0.${kver#v1.}"
kdir=$(GOFLAGS=-mod=mod go mod download -json "k8s.io/kubernetes@$kver" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
[ -n "$kdir" ] || { echo "kube-build: cannot download k8s.io/kubernetes@$kver" >&2; exit 1; }
etcdver=$(awk '$1=="go.etcd.io/etcd/server/v3"{print $2; exit}' "$kdir/go.mod")
{
  echo "module kubeproof.dev/kubetest"
  echo
  awk '$1=="go" && NF==2 {print; exit}' "$kdir/go.mod"
  echo
  echo "require k8s.io/kubernetes $kver"
  echo "require go.etcd.io/etcd/server/v3 $etcdver"
  echo
  grep -E '^[[:space:]]*k8s\.io/[^ ]+ => \./staging/' "$kdir/go.mod" | awk -v t="$twin" '{print "replace " $1 " => " $1 " " t}'
  echo
  echo "tool k8s.io/kubernetes/cmd/kube-apiserver"
  echo "tool go.etcd.io/etcd/server/v3"
} > go.mod
echo "kube-build: go mod tidy ($kver, etcd $etcdver)" >&2
GOFLAGS=-mod=mod go mod tidy >&2
echo "kube-build: building kube-apiserver (slow when cold: ~10-12 min on 2 cores)" >&2
CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X k8s.io/component-base/version.gitVersion=$kver -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor" -o "$bin/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver >&2
CGO_ENABLED=0 go build -trimpath -o "$bin/etcd" go.etcd.io/etcd/server/v3 >&2
echo "$want" > "$stamp"
echo "$bin"
