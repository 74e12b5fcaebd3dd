#!/usr/bin/env bash
# kube-down.sh: stop the etcd + kube-apiserver started by kube-up.sh, by the PIDs recorded
# in .kube-test/env only (never by process name), remove etcd's data dir in /dev/shm, the
# kubeconfig, the env file and the test PKI. Logs are kept. Safe to run when nothing is up.
# Env: KUBE_TEST_DIR (default <repo>/.kube-test)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${KUBE_TEST_DIR:-$root/.kube-test}
log() { echo "kube-down: $*" >&2; }

if [ ! -f "$dir/env" ]; then
  log "nothing to stop ($dir/env not found)"
  rm -f "$dir/kubeconfig"
  exit 0
fi
# shellcheck disable=SC1091
. "$dir/env"

# ours PID BINARY: PID is a live (non-zombie) process running BINARY.
ours() {
  local pid=$1 want=$2 state
  [ -n "$pid" ] && [ -r "/proc/$pid/stat" ] || return 1
  state=$(sed 's/^.*) //' "/proc/$pid/stat" | cut -d' ' -f1)
  [ "$state" != Z ] || return 1
  [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = "$want" ]
}

gone() { # gone PID: no such process any more, or only its zombie/dead entry is left
  local state
  [ -r "/proc/$1/stat" ] || return 0
  state=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
  [ -z "$state" ] || [ "$state" = Z ] || [ "$state" = X ]
}

stop() { # stop PID BINARY NAME: TERM, wait up to 15 s, then KILL
  local pid=$1 want=$2 name=$3
  if ! ours "$pid" "$want"; then
    [ -z "$pid" ] || log "$name (pid $pid) is not running"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 75); do
    gone "$pid" && { log "stopped $name (pid $pid)"; return 0; }
    sleep 0.2
  done
  ours "$pid" "$want" && kill -KILL "$pid" 2>/dev/null || true
  log "killed $name (pid $pid) after 15s"
}

stop "${KUBE_TEST_APISERVER_PID:-}" "${KUBE_TEST_BIN:-}/kube-apiserver" kube-apiserver
stop "${KUBE_TEST_ETCD_PID:-}" "${KUBE_TEST_BIN:-}/etcd" etcd
case "${KUBE_TEST_ETCD_DATA:-}" in
/dev/shm/kubeproof-etcd.*) rm -rf "$KUBE_TEST_ETCD_DATA" ;;
esac
rm -rf "$dir/kubeconfig" "$dir/env" "$dir/pki"
