#!/usr/bin/env bash
# A real Kubernetes API server (1.20, built from Debian 12's `kubernetes` source package) with etcd and a
# kube-controller-manager on 127.0.0.1, for nkd's tests that need real API semantics: PodDisruptionBudgets and
# eviction (HTTP 429), CRDs with a status subresource, RBAC, garbage collection, namespace deletion.
# Facts and traps: ../shared/KUBE-APISERVER.md.
#
#   testenv/kube-apiserver.sh up           build once (cached), start etcd, kube-apiserver, kube-controller-manager
#                                          on free loopback ports, wait until /readyz answers 200 and the `default`
#                                          ServiceAccount exists; idempotent: returns in about a second when healthy,
#                                          restarts all three cleanly after a crash or with stale PID files
#   testenv/kube-apiserver.sh env          prints `export KUBECONFIG=…` (admin token + CA, mode 0600; under sudo a
#                                          copy owned by the calling user) and
#                                          `export NKD_KUBE_APISERVER=https://127.0.0.1:PORT` and, once built,
#                                          `export NKD_KUBE_BIN_DIR=…` (the cached kube-apiserver binaries)
#   testenv/kube-apiserver.sh status       says what runs (exit 0 only when the server is ready)
#   testenv/kube-apiserver.sh down [--wipe]  stops all three (by PID); --wipe also deletes etcd's data, so the next
#                                          `up` starts with an empty cluster (ports, certificates and token stay)
#
# There is no kubelet and no scheduler: pods stay Pending unless a test binds them (spec.nodeName) and sets their
# status through the /status subresource; delete pods with gracePeriodSeconds 0. Kubernetes 1.20 has policy/v1beta1
# only (PodDisruptionBudget, Eviction). The controllers run: disruption (PDB status), serviceaccount and
# serviceaccount-token (the `default` ServiceAccount, without which pods are Forbidden), namespace (namespace
# deletion), garbagecollector (ownerReferences).
#
# Binaries: /var/cache/nkd-testenv/kube/<Debian source version>-<fix>/ (NKD_KUBE_CACHE), built once from
# `apt-get source kubernetes` with the vendored reflect2 v1.0.1 replaced by Debian's 1.0.2 (v1.0.1 crashes under
# Go >= 1.18 on the first custom-resource create). The source tree is removed after the build.
# State: /var/lib/nkd-testenv/kube (NKD_KUBE_DIR): ports (picked free at the first start, then kept, so `env` is
# stable), PKI, tokens (secrets/, 0600), kubeconfigs, etcd data, PID files (run/), logs (log/).
# Needs root (apt-get, /var/cache, /var/lib).
#
# Measured on this 2-core machine, shared with three other helpers' builds (load average about 3.5):
#   cold build (apt-get source, code generators, make of both binaries): 354 s (peak memory 1.3 GB as measured in
#     ../shared/KUBE-APISERVER.md, 2.2 GB of disk in /var/tmp while it runs); the cache holds 205 MB
#     (two static binaries, ~105 MB each); packages, if missing, add a minute or two
#   `up` from stopped, etcd data kept: 6.6 s (6 s to /readyz, under 1 s to the default ServiceAccount); after a
#     kill -9 of kube-apiserver or with stale PID files: 7-10 s; after `down --wipe`: 10 s
#   `up` when running and healthy: 0.07-0.09 s; `down`: 6 s
#   RSS: etcd 45-52 MiB, kube-apiserver 300-420 MiB, kube-controller-manager 75-86 MiB (after test runs: 560 MiB)
set -euo pipefail

readonly DIR="${NKD_KUBE_DIR:-/var/lib/nkd-testenv/kube}"
readonly CACHE="${NKD_KUBE_CACHE:-/var/cache/nkd-testenv/kube}"
readonly HOST=127.0.0.1
# Bumped whenever the build recipe changes (the cache key includes it): 1 = reflect2 1.0.2 from Debian's
# golang-github-modern-go-reflect2-dev replaces the vendored 1.0.1.
readonly FIX_VERSION=reflect2fix1
readonly PACKAGES=(golang-go dpkg-dev rsync golang-github-modern-go-reflect2-dev etcd-server openssl curl)
readonly DEB_SRC_FILE=/etc/apt/sources.list.d/nkd-testenv-deb-src.sources
readonly CONTROLLERS=disruption,serviceaccount,serviceaccount-token,namespace,garbagecollector
readonly SERVICE_CIDR=10.96.0.0/12
# Start order; `down` stops them in reverse.
readonly SERVICES=(etcd kube-apiserver kube-controller-manager)

log() { printf '%s kube-apiserver.sh: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }
now() { date +%s; }
need_root() { [ "$(id -u)" -eq 0 ] || die "$1 needs root; run: sudo $0 $1"; }

# ------------------------------------------------------------------------------------------------ processes

pid_file() { printf '%s/run/%s.pid' "$DIR" "$1"; }

# A process's start time (clock ticks since boot): together with the PID it names one process, even when a PID
# file outlived its process (reboot, kill -9) and the PID now belongs to something else. Fails for a zombie (killed,
# not yet reaped by PID 1): kill -0 still finds it, but it serves nothing.
started_at() {
  local stat fields
  stat=$(<"/proc/$1/stat") || return 1
  read -r -a fields <<<"${stat##*) }"
  [ "${fields[0]}" != Z ] || return 1
  echo "${fields[19]}"
}

running_pid() {
  local f pid start
  f=$(pid_file "$1")
  [ -s "$f" ] || return 1
  read -r pid start <"$f" || true
  [ -n "${pid:-}" ] && kill -0 "$pid" 2>/dev/null || return 1
  [ "$(started_at "$pid" 2>/dev/null)" = "$start" ] || return 1
  printf '%s' "$pid"
}

start_service() { # name binary args...
  local name=$1 pid
  shift
  log "starting $name"
  # setsid: the daemons outlive the calling shell (CI job, terminal) and get none of its signals; 9>&-: they must
  # not inherit the lock, or the next `up` would wait for it forever.
  setsid "$@" </dev/null >>"$DIR/log/$name.log" 2>&1 9>&- &
  pid=$!
  sleep 0.2
  kill -0 "$pid" 2>/dev/null || die "$name exited at once; see $DIR/log/$name.log"
  echo "$pid $(started_at "$pid")" >"$(pid_file "$name")"
}

stop_service() {
  local name=$1 pid i
  pid=$(running_pid "$name") || { rm -f "$(pid_file "$name")"; return 0; }
  log "stopping $name (pid $pid)"
  kill "$pid" 2>/dev/null || true
  for i in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  if kill -0 "$pid" 2>/dev/null; then
    log "$name (pid $pid) ignored SIGTERM for 15 s; sending SIGKILL"
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$(pid_file "$name")"
}

# Busy: something listens on it (any address, per ss), or at least accepts connections on loopback (without ss).
port_busy() { [ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ] || (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

# ------------------------------------------------------------------------------------------------ build

apt_get_install() {
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "$@"
}

install_packages() {
  local missing=() p
  if [ ! -e "$DEB_SRC_FILE" ]; then
    # `apt-get source` needs deb-src entries: the same archives, suites, components and keys as debian.sources.
    log "adding deb-src entries ($DEB_SRC_FILE)"
    [ -r /etc/apt/sources.list.d/debian.sources ] \
      || die "no /etc/apt/sources.list.d/debian.sources to derive deb-src entries from; add deb-src for bookworm yourself"
    sed -E 's/^Types:.*/Types: deb-src/' /etc/apt/sources.list.d/debian.sources >"$DEB_SRC_FILE.tmp"
    mv "$DEB_SRC_FILE.tmp" "$DEB_SRC_FILE"
    # (removed again when the update fails, so that the next `up` tries again)
    apt-get -o DPkg::Lock::Timeout=600 update -qq >>"$DIR/log/apt.log" 2>&1 \
      || { rm -f "$DEB_SRC_FILE"; die "apt-get update failed after adding deb-src entries; see $DIR/log/apt.log"; }
  fi
  for p in "${PACKAGES[@]}"; do
    [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" = "install ok installed" ] || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing ${missing[*]}"
  # etcd-server's maintainer script must not start Debian's etcd service (this script runs its own etcd).
  local had_policy=0 rc=0
  [ -e /usr/sbin/policy-rc.d ] && had_policy=1
  if [ $had_policy -eq 0 ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
  fi
  # (a second try after apt-get update: a stale package index names files the mirror no longer has)
  { apt_get_install "${missing[@]}" || { apt-get -o DPkg::Lock::Timeout=600 update -qq && apt_get_install "${missing[@]}"; }; } \
    >>"$DIR/log/apt.log" 2>&1 || rc=$?
  [ $had_policy -eq 1 ] || rm -f /usr/sbin/policy-rc.d
  [ $rc -eq 0 ] || die "apt-get install ${missing[*]} failed; see $DIR/log/apt.log"
}

source_version() {
  local v
  v=$(apt-cache showsrc kubernetes 2>/dev/null | sed -n 's/^Version: //p' | sort -V | tail -1)
  [ -n "$v" ] || die "apt-cache showsrc kubernetes finds no source package; check $DEB_SRC_FILE and run apt-get update"
  echo "$v"
}

bin_dir() { printf '%s/%s-%s' "$CACHE" "$(source_version | tr ':~' '__')" "$FIX_VERSION"; }

built() { [ -x "$1/kube-apiserver" ] && [ -x "$1/kube-controller-manager" ]; }

build() { # build BIN_DIR: the binaries of the Debian source version, with the reflect2 fix
  local out=$1 version tmp tree t0 git_version rc=0
  version=$(source_version)
  t0=$(now)
  tmp=$(mktemp -d /var/tmp/nkd-kube-build.XXXXXX)
  log "building kube-apiserver and kube-controller-manager $version (about 8 min on 2 cores, 1.3 GB of memory, 2.2 GB in $tmp); log: $DIR/log/build.log"
  (
    set -euo pipefail
    cd "$tmp"
    apt-get source -qq "kubernetes=$version"
    tree=$(find . -maxdepth 1 -type d -name 'kubernetes-*' | head -1)
    [ -n "$tree" ] || { echo "apt-get source unpacked no kubernetes-* directory"; exit 1; }
    tree=$(cd "$tree" && pwd)
    # reflect2 v1.0.1 reads Go's internal map layout, which changed in Go 1.18: kube-apiserver crashes (SIGSEGV in
    # runtime.mapiternext) on the first custom-resource create. v1.0.2 (Debian's) is API-compatible.
    rm -rf "$tree/vendor/github.com/modern-go/reflect2"
    mkdir -p "$tree/vendor/github.com/modern-go/reflect2"
    find /usr/share/gocode/src/github.com/modern-go/reflect2 -maxdepth 1 \( -name '*.go' -o -name '*.s' \) \
      ! -name '*_test.go' -exec cp {} "$tree/vendor/github.com/modern-go/reflect2/" \;
    # Kubernetes' build scripts force a GOPATH build (GO111MODULE=off) and run code generators first (plain
    # `go build` fails): the tree must sit at $GOPATH/src/k8s.io/kubernetes.
    mkdir -p "$tmp/gopath/src/k8s.io"
    ln -s "$tree" "$tmp/gopath/src/k8s.io/kubernetes"
    # Without .git the scripts cannot tell the version; "1.20.5+really1.20.2" is in truth 1.20.2.
    git_version="v${version##*really}"
    git_version="${git_version%%-*}"
    cd "$tmp/gopath/src/k8s.io/kubernetes"
    GOPATH="$tmp/gopath" GOCACHE="$tmp/gocache" GOFLAGS="" CGO_ENABLED=0 GOPROXY=off \
      KUBE_GIT_VERSION="$git_version" KUBE_GIT_TREE_STATE=clean \
      make WHAT="cmd/kube-apiserver cmd/kube-controller-manager"
    mkdir -p "$out.tmp"
    cp _output/bin/kube-apiserver _output/bin/kube-controller-manager "$out.tmp/"
    echo "$version with $FIX_VERSION, built $(date -u +%FT%TZ) by $0" >"$out.tmp/BUILD-INFO"
  ) >>"$DIR/log/build.log" 2>&1 || rc=$?
  rm -rf "$tmp"
  if [ $rc -ne 0 ]; then
    rm -rf "$out.tmp"
    die "the build of kube-apiserver $version failed; see $DIR/log/build.log"
  fi
  rm -rf "$out"
  mv "$out.tmp" "$out"
  log "built in $(($(now) - t0))s: $out"
}

# ------------------------------------------------------------------------------------------------ configuration

# Ports: picked free at the first start and kept in $DIR/ports, so that `env` prints the same URL every time.
# A kept port that something else took meanwhile is replaced (and logged): the URL changes only then.
pick_port() {
  local p
  for _ in $(seq 1 200); do
    p=$((20000 + RANDOM % 12000))
    port_busy "$p" || { echo "$p"; return 0; }
  done
  die "found no free port on $HOST between 20000 and 32000"
}

load_ports() { # reads ETCD_PORT ETCD_PEER_PORT APISERVER_PORT KCM_PORT
  ETCD_PORT='' ETCD_PEER_PORT='' APISERVER_PORT='' KCM_PORT=''
  # shellcheck disable=SC1091
  [ -s "$DIR/ports" ] && . "$DIR/ports"
  return 0
}

ensure_ports() { # only while none of our services runs
  local name changed=0
  load_ports
  for name in ETCD_PORT ETCD_PEER_PORT APISERVER_PORT KCM_PORT; do
    if [ -z "${!name}" ] || port_busy "${!name}"; then
      [ -z "${!name}" ] || log "port ${!name} ($name) is taken by another process; picking another"
      printf -v "$name" '%s' "$(pick_port)"
      changed=1
    fi
  done
  if [ $changed -eq 1 ]; then
    printf 'ETCD_PORT=%s\nETCD_PEER_PORT=%s\nAPISERVER_PORT=%s\nKCM_PORT=%s\n' \
      "$ETCD_PORT" "$ETCD_PEER_PORT" "$APISERVER_PORT" "$KCM_PORT" >"$DIR/ports"
    # The kubeconfigs name the server's port.
    rm -f "$DIR/kubeconfig" "$DIR/secrets/kube-controller-manager.kubeconfig"
  fi
}

server_url() { printf 'https://%s:%s' "$HOST" "$APISERVER_PORT"; }

token() { # a generated token, 0600, never logged
  local f="$DIR/secrets/$1.token"
  [ -s "$f" ] || (umask 077 && head -c 24 /dev/urandom | base64 | tr -d '/+=' >"$f")
  cat "$f"
}

write_pki() {
  local pki="$DIR/pki"
  mkdir -p "$pki"
  if [ ! -s "$pki/ca.crt" ]; then
    log "creating the CA, the serving certificate and the service-account keys ($pki)"
    (
      umask 077
      openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=nkd-testenv-kube-ca" \
        -keyout "$pki/ca.key" -out "$pki/ca.crt" 2>/dev/null
      openssl req -newkey rsa:2048 -nodes -subj "/CN=kube-apiserver" \
        -keyout "$pki/apiserver.key" -out "$pki/apiserver.csr" 2>/dev/null
      printf '%s\n' "subjectAltName=IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local" \
        "extendedKeyUsage=serverAuth" "keyUsage=digitalSignature,keyEncipherment" >"$pki/apiserver.ext"
      openssl x509 -req -in "$pki/apiserver.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial \
        -days 3650 -extfile "$pki/apiserver.ext" -out "$pki/apiserver.crt" 2>/dev/null
      openssl genrsa -out "$pki/sa.key" 2048 2>/dev/null
      openssl rsa -in "$pki/sa.key" -pubout -out "$pki/sa.pub" 2>/dev/null
    ) || die "openssl failed to create the PKI in $pki"
    chmod 644 "$pki/ca.crt"
  fi
}

write_kubeconfig() { # file user token
  local f=$1 user=$2 tok=$3
  (
    umask 077
    cat >"$f.tmp" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: nkd-testenv
  cluster:
    server: $(server_url)
    certificate-authority-data: $(base64 -w0 <"$DIR/pki/ca.crt")
users:
- name: $user
  user:
    token: $tok
contexts:
- name: nkd-testenv
  context:
    cluster: nkd-testenv
    user: $user
current-context: nkd-testenv
EOF
  )
  mv "$f.tmp" "$f"
}

write_credentials() {
  local admin kcm
  admin=$(token admin)
  kcm=$(token kube-controller-manager)
  # admin: a person with every right; the controller-manager's own user is in system:masters too (a test server:
  # its controllers then need no per-controller service accounts).
  (umask 077 && printf '%s,admin,admin-uid,system:masters\n%s,kube-controller-manager,kcm-uid,system:masters\n' \
    "$admin" "$kcm" >"$DIR/secrets/tokens.csv")
  (umask 077 && printf 'Authorization: Bearer %s\n' "$admin" >"$DIR/secrets/admin.header")
  [ -s "$DIR/kubeconfig" ] || write_kubeconfig "$DIR/kubeconfig" admin "$admin"
  [ -s "$DIR/secrets/kube-controller-manager.kubeconfig" ] \
    || write_kubeconfig "$DIR/secrets/kube-controller-manager.kubeconfig" kube-controller-manager "$kcm"
}

# ------------------------------------------------------------------------------------------------ health

http_code() { # path -> HTTP status of a GET as admin (000 when nothing answers)
  curl -s -o /dev/null -w '%{http_code}' --max-time 3 --cacert "$DIR/pki/ca.crt" \
    -H "@$DIR/secrets/admin.header" "$(server_url)$1" 2>/dev/null || true
}

apiserver_ready() { [ "$(http_code /readyz)" = 200 ]; }
default_sa_exists() { [ "$(http_code /api/v1/namespaces/default/serviceaccounts/default)" = 200 ]; }

# Bumped whenever the flags the services start with change, so that `up` restarts a server started with older ones.
FLAGS_VERSION=2

all_running() {
  local s
  for s in "${SERVICES[@]}"; do running_pid "$s" >/dev/null || return 1; done
  [ "$(cat "$DIR/run/flags-version" 2>/dev/null)" = "$FLAGS_VERSION" ] || return 1
  load_ports
  [ -n "$APISERVER_PORT" ] && [ -s "$DIR/secrets/admin.header" ] && apiserver_ready && default_sa_exists
}

wait_for() { # SECONDS WHAT SERVICE COMMAND...: fails early when SERVICE died
  local limit=$1 what=$2 service=$3 start
  shift 3
  start=$(now)
  until "$@"; do
    running_pid "$service" >/dev/null || die "$service exited while waiting for $what; see $DIR/log/$service.log"
    [ $(($(now) - start)) -lt "$limit" ] || die "$what not ready after ${limit}s; see $DIR/log/$service.log"
    sleep 0.5
  done
}

# ------------------------------------------------------------------------------------------------ commands

cmd_up() {
  need_root up
  local t0 t1 t2 t3 bin i
  t0=$(now)
  mkdir -p "$DIR"/{log,run,secrets,etcd} "$CACHE"
  chmod 700 "$DIR/secrets" "$DIR/etcd"
  exec 9>"$DIR/run/lock"
  flock -w 1200 9 || die "another kube-apiserver.sh holds $DIR/run/lock (a build takes about 8 minutes)"
  if all_running; then
    log "already running and ready at $(server_url) (checked in $(($(now) - t0))s)"
    return 0
  fi
  install_packages
  bin=$(bin_dir)
  if built "$bin"; then
    log "binaries: $bin"
  else
    build "$bin"
  fi
  t1=$(now)
  # Something is missing or unhealthy: restart all three from a clean slate (etcd keeps its data).
  for ((i = ${#SERVICES[@]} - 1; i >= 0; i--)); do stop_service "${SERVICES[$i]}"; done
  ensure_ports
  write_pki
  write_credentials
  start_service etcd /usr/bin/etcd --name nkd-testenv --data-dir "$DIR/etcd" \
    --listen-client-urls "http://$HOST:$ETCD_PORT" --advertise-client-urls "http://$HOST:$ETCD_PORT" \
    --listen-peer-urls "http://$HOST:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://$HOST:$ETCD_PEER_PORT" \
    --initial-cluster "nkd-testenv=http://$HOST:$ETCD_PEER_PORT" --log-level warn
  wait_for 60 "etcd on $HOST:$ETCD_PORT" etcd curl -sf --max-time 2 -o /dev/null "http://$HOST:$ETCD_PORT/health"
  start_service kube-apiserver "$bin/kube-apiserver" \
    --etcd-servers "http://$HOST:$ETCD_PORT" \
    --bind-address "$HOST" --advertise-address "$HOST" --secure-port "$APISERVER_PORT" --insecure-port 0 \
    --endpoint-reconciler-type none \
    --tls-cert-file "$DIR/pki/apiserver.crt" --tls-private-key-file "$DIR/pki/apiserver.key" \
    --client-ca-file "$DIR/pki/ca.crt" \
    --token-auth-file "$DIR/secrets/tokens.csv" --authorization-mode RBAC \
    --service-account-key-file "$DIR/pki/sa.pub" --service-account-signing-key-file "$DIR/pki/sa.key" \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-cluster-ip-range "$SERVICE_CIDR" \
    --allow-privileged=true # as kubeadm sets it: the Housekeeper agent DaemonSet is privileged
  echo "$FLAGS_VERSION" >"$DIR/run/flags-version"
  wait_for 120 "kube-apiserver's /readyz on $(server_url)" kube-apiserver apiserver_ready
  t2=$(now)
  start_service kube-controller-manager "$bin/kube-controller-manager" \
    --kubeconfig "$DIR/secrets/kube-controller-manager.kubeconfig" \
    --bind-address "$HOST" --secure-port "$KCM_PORT" --port 0 --cert-dir "$DIR/run/kcm-certs" \
    --leader-elect=false --controllers "$CONTROLLERS" \
    --service-account-private-key-file "$DIR/pki/sa.key" --root-ca-file "$DIR/pki/ca.crt" \
    --use-service-account-credentials=false
  wait_for 120 "the ServiceAccount default/default (made by kube-controller-manager)" kube-controller-manager \
    default_sa_exists
  t3=$(now)
  log "ready at $(server_url): binaries $((t1 - t0))s, etcd and kube-apiserver to /readyz $((t2 - t1))s, default ServiceAccount $((t3 - t2))s; total $((t3 - t0))s"
  log "use: eval \"\$($0 env)\""
}

cmd_down() {
  need_root down
  local wipe=0 i
  case "${1:-}" in --wipe) wipe=1 ;; "") ;; *) die "usage: $0 down [--wipe]" ;; esac
  [ -d "$DIR/run" ] || return 0
  exec 9>"$DIR/run/lock"
  flock -w 300 9 || die "another kube-apiserver.sh holds $DIR/run/lock"
  for ((i = ${#SERVICES[@]} - 1; i >= 0; i--)); do stop_service "${SERVICES[$i]}"; done
  if [ $wipe -eq 1 ]; then
    rm -rf "$DIR/etcd"
    log "stopped; etcd's data deleted (the next up starts with an empty cluster)"
  else
    log "stopped (etcd's data kept; down --wipe deletes it)"
  fi
}

cmd_env() {
  local kubeconfig="$DIR/kubeconfig"
  load_ports
  [ -n "$APISERVER_PORT" ] && [ -s "$kubeconfig" ] || die "not set up: run $0 up"
  if [ "$(id -u)" -eq 0 ] && [ -n "${SUDO_UID:-}" ] && [ "$SUDO_UID" != 0 ]; then
    # `eval "$(sudo $0 env)"` in a user's shell: the tests run as that user and cannot read root's 0600 file, so
    # they get a copy of their own (also 0600).
    kubeconfig="$DIR/kubeconfig-uid-$SUDO_UID"
    install -m 600 -o "$SUDO_UID" "$DIR/kubeconfig" "$kubeconfig"
  fi
  printf 'export KUBECONFIG=%q\n' "$kubeconfig"
  printf 'export NKD_KUBE_APISERVER=%q\n' "$(server_url)"
  # the binaries, for tests that start their own API server with a cluster's PKI (io.nkd.testkit.PrivateApiServer)
  local bin
  bin=$(bin_dir 2>/dev/null) && built "$bin" && printf 'export NKD_KUBE_BIN_DIR=%q\n' "$bin"
  return 0
}

cmd_status() {
  local s pid rc=0 rss
  for s in "${SERVICES[@]}"; do
    if pid=$(running_pid "$s"); then
      rss=$(awk '/^VmRSS:/ {printf "%d MiB", $2 / 1024}' "/proc/$pid/status" 2>/dev/null || true)
      echo "$s: running (pid $pid, RSS $rss)"
    else
      echo "$s: stopped"
      rc=1
    fi
  done
  load_ports
  if [ -n "$APISERVER_PORT" ] && [ -s "$DIR/secrets/admin.header" ] && apiserver_ready; then
    echo "$(server_url): ready"
    default_sa_exists && echo "ServiceAccount default/default: exists" || { echo "ServiceAccount default/default: missing"; rc=1; }
  else
    echo "${APISERVER_PORT:+$(server_url): }not ready"
    rc=1
  fi
  return $rc
}

case "${1:-}" in
up) cmd_up ;;
down) shift; cmd_down "$@" ;;
env) cmd_env ;;
status) cmd_status ;;
*) echo "usage: $0 up|down [--wipe]|env|status" >&2; exit 2 ;;
esac
