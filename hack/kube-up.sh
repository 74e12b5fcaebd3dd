#!/usr/bin/env bash
# kube-up.sh: start a real etcd + kube-apiserver on loopback for the integration tests and
# write .kube-test/kubeconfig (admin token context "kube-test", client-cert context
# "kube-test-cert") and .kube-test/env (PIDs, ports, paths). Idempotent: when the servers
# recorded in .kube-test/env are alive and /readyz answers, it does nothing.
# Usage: hack/kube-up.sh      Stop with hack/kube-down.sh (by PID only).
# Env:   KUBE_TEST_DIR (default <repo>/.kube-test), plus kube-build.sh's variables.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${KUBE_TEST_DIR:-$root/.kube-test}
log() { echo "kube-up: $*" >&2; }
die() { echo "kube-up: error: $*" >&2; exit 1; }

# alive PID BINARY: the process exists, is not a zombie, and runs BINARY (guards PID reuse).
alive() {
  local pid=$1 want=$2 state
  [ -n "$pid" ] && [ -r "/proc/$pid/stat" ] || return 1
  state=$(sed 's/^.*) //' "/proc/$pid/stat" | cut -d' ' -f1)
  [ "$state" != Z ] || return 1
  [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = "$want" ]
}

# HTTP checks use curl when installed, else bash's /dev/tcp (plain) and openssl s_client (TLS).
have_curl() { command -v curl >/dev/null && [ -z "${KUBE_UP_NO_CURL:-}" ]; }

readyz() { # readyz URL TOKEN CA: /readyz answers 200
  if have_curl; then
    curl -fsS --max-time 3 --cacert "$3" -H "Authorization: Bearer $2" "$1/readyz" >/dev/null 2>&1
    return
  fi
  local hostport=${1#https://}
  printf 'GET /readyz HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nConnection: close\r\n\r\n' "$hostport" "$2" |
    timeout 5 openssl s_client -quiet -connect "$hostport" -CAfile "$3" -verify_return_error 2>/dev/null |
    head -1 | grep -q ' 200 '
}

etcd_healthy() { # etcd_healthy PORT
  if have_curl; then
    curl -fsS --max-time 2 "http://127.0.0.1:$1/health" 2>/dev/null | grep -q '"health":"true"'
    return
  fi
  timeout 3 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" && printf "GET /health HTTP/1.0\r\n\r\n" >&3 && cat <&3' _ "$1" 2>/dev/null |
    grep -q '"health":"true"'
}

if [ -f "$dir/env" ]; then
  # shellcheck disable=SC1091
  . "$dir/env"
  if alive "${KUBE_TEST_ETCD_PID:-}" "${KUBE_TEST_BIN:-}/etcd" &&
    alive "${KUBE_TEST_APISERVER_PID:-}" "${KUBE_TEST_BIN:-}/kube-apiserver" &&
    readyz "$KUBE_TEST_SERVER" "$KUBE_TEST_TOKEN" "$dir/pki/ca.crt"; then
    log "already up at $KUBE_TEST_SERVER (kubeconfig $dir/kubeconfig)"
    exit 0
  fi
  log "stale state in $dir/env: stopping what is left and starting afresh"
  KUBE_TEST_DIR=$dir "$root/hack/kube-down.sh"
fi

command -v openssl >/dev/null || die "openssl not found (apt-get install openssl)"
bin=$("$root/hack/kube-build.sh")
mkdir -p "$dir/pki"
pki=$dir/pki

# free_port: a loopback TCP port nobody listens on (checked by connecting to it).
free_port() {
  local p
  for _ in $(seq 1 200); do
    p=$(( (RANDOM << 15 | RANDOM) % 30000 + 20000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
  done
  die "no free loopback port found"
}

# --- certificates (ECDSA P-256: fast) ---
key() { openssl ecparam -name prime256v1 -genkey -noout -out "$1" 2>/dev/null; chmod 600 "$1"; }
key "$pki/ca.key"
openssl req -x509 -new -key "$pki/ca.key" -subj "/CN=kubeproof-test-ca" -days 30 -out "$pki/ca.crt" 2>/dev/null
sign() { # sign NAME SUBJECT EXTFILE
  key "$pki/$1.key"
  openssl req -new -key "$pki/$1.key" -subj "$2" -out "$pki/$1.csr" 2>/dev/null
  openssl x509 -req -in "$pki/$1.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial \
    -days 30 -extfile "$3" -out "$pki/$1.crt" 2>/dev/null
  rm -f "$pki/$1.csr"
}
cat >"$pki/serving.ext" <<'EOF'
basicConstraints=CA:FALSE
keyUsage=digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,IP:10.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local
EOF
cat >"$pki/client.ext" <<'EOF'
basicConstraints=CA:FALSE
keyUsage=digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth
EOF
sign apiserver "/CN=kube-apiserver" "$pki/serving.ext"
sign admin "/O=system:masters/CN=kubeproof-admin" "$pki/client.ext"
key "$pki/sa.key"
openssl ec -in "$pki/sa.key" -pubout -out "$pki/sa.pub" 2>/dev/null
token=$(openssl rand -hex 24)
echo "$token,kubeproof-admin,kubeproof-admin,\"system:masters\"" >"$pki/tokens.csv"
chmod 600 "$pki/tokens.csv"

# --- etcd ---
etcd_port=$(free_port)
peer_port=$(free_port)
data=$(mktemp -d /dev/shm/kubeproof-etcd.XXXXXX)
"$bin/etcd" --name kube-test --data-dir "$data" --unsafe-no-fsync \
  --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
  --listen-peer-urls "http://127.0.0.1:$peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
  --initial-cluster "kube-test=http://127.0.0.1:$peer_port" --listen-metrics-urls "" \
  --log-level warn </dev/null >"$dir/etcd.log" 2>&1 &
etcd_pid=$!

write_env() { # the state kube-down.sh needs, rewritten as it grows
  cat >"$dir/env" <<EOF
KUBE_TEST_BIN=$bin
KUBE_TEST_ETCD_PID=$etcd_pid
KUBE_TEST_ETCD_PORT=$etcd_port
KUBE_TEST_ETCD_DATA=$data
KUBE_TEST_APISERVER_PID=${api_pid:-}
KUBE_TEST_APISERVER_PORT=${api_port:-}
KUBE_TEST_SERVER=${server:-}
KUBE_TEST_TOKEN=$token
KUBE_TEST_KUBECONFIG=$dir/kubeconfig
EOF
}
write_env
for i in $(seq 1 100); do
  etcd_healthy "$etcd_port" && break
  alive "$etcd_pid" "$bin/etcd" || { tail -20 "$dir/etcd.log" >&2; die "etcd exited (log $dir/etcd.log)"; }
  [ "$i" -lt 100 ] || die "etcd not healthy after 20s (log $dir/etcd.log)"
  sleep 0.2
done

# --- kube-apiserver ---
api_port=$(free_port)
server=https://127.0.0.1:$api_port
"$bin/kube-apiserver" \
  --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$api_port" \
  --etcd-servers="http://127.0.0.1:$etcd_port" \
  --cert-dir="$pki" --tls-cert-file="$pki/apiserver.crt" --tls-private-key-file="$pki/apiserver.key" \
  --client-ca-file="$pki/ca.crt" --token-auth-file="$pki/tokens.csv" \
  --authorization-mode=RBAC --anonymous-auth=false \
  --service-account-issuer=https://kubernetes.default.svc.cluster.local \
  --service-account-key-file="$pki/sa.pub" --service-account-signing-key-file="$pki/sa.key" \
  --service-cluster-ip-range=10.0.0.0/24 --endpoint-reconciler-type=none --allow-privileged=true \
  --disable-admission-plugins=ServiceAccount --profiling=false \
  </dev/null >"$dir/apiserver.log" 2>&1 &
api_pid=$!
write_env
for i in $(seq 1 300); do
  readyz "$server" "$token" "$pki/ca.crt" && break
  alive "$api_pid" "$bin/kube-apiserver" || { tail -20 "$dir/apiserver.log" >&2; die "kube-apiserver exited (log $dir/apiserver.log)"; }
  [ "$i" -lt 300 ] || die "kube-apiserver not ready after 60s (log $dir/apiserver.log)"
  sleep 0.2
done

# --- kubeconfig ---
b64() { base64 -w0 <"$1"; }
umask 077
cat >"$dir/kubeconfig.tmp" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: kube-test
  cluster:
    server: $server
    certificate-authority-data: $(b64 "$pki/ca.crt")
users:
- name: kube-test-admin
  user:
    token: $token
- name: kube-test-admin-cert
  user:
    client-certificate-data: $(b64 "$pki/admin.crt")
    client-key-data: $(b64 "$pki/admin.key")
contexts:
- name: kube-test
  context: {cluster: kube-test, user: kube-test-admin}
- name: kube-test-cert
  context: {cluster: kube-test, user: kube-test-admin-cert}
current-context: kube-test
EOF
mv "$dir/kubeconfig.tmp" "$dir/kubeconfig"
log "up at $server (etcd pid $etcd_pid, kube-apiserver pid $api_pid); kubeconfig $dir/kubeconfig"
