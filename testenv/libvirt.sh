#!/usr/bin/env bash
# A real libvirtd with the QEMU driver (software emulation, TCG) on this machine, for nkd's libvirt tests, as
# /work/shared/VM-BOOT.md describes. No systemd here: virtlogd and libvirtd run as plain daemons, tracked by PID.
#
#   testenv/libvirt.sh up      install (once), start virtlogd and libvirtd, define the storage pool and the NAT
#                              network; idempotent: a second `up` finds everything running and changes nothing
#   testenv/libvirt.sh env     prints `export NKD_LIBVIRT_...=` lines: the URI, the storage pool and the network
#   testenv/libvirt.sh status  says what runs; exit 0 only when libvirtd answers on the URI
#   testenv/libvirt.sh down    stops libvirtd and virtlogd (by PID), leaving the pool and network definitions
#
# Needs root (it installs packages, writes /etc/libvirt and runs the system daemons).
set -euo pipefail

URI="qemu:///system"
POOL="nkd-test"
POOL_DIR="${NKD_LIBVIRT_POOL_DIR:-/var/lib/libvirt/nkd-test-pool}"
NET="nkd-test"
# A NAT network for nkd's network handling (DHCP reservations); test traffic does not go through it (guests in
# tests use user-mode interfaces so everything stays on loopback).
NET_BRIDGE="nkdtest0"
NET_PREFIX="192.168.211"
RUN_DIR="/run/nkd-testenv"
LOG_DIR="/var/log/nkd-testenv"

log() { echo "libvirt.sh: $*" >&2; }
die() { log "$*"; exit 1; }

need_root() { [ "$(id -u)" -eq 0 ] || die "$1 needs root; run: sudo $0 $1"; }

apt_install() {
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "$@" >/dev/null \
    || { apt-get -o DPkg::Lock::Timeout=600 update -qq \
         && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "$@" >/dev/null; }
}

install_once() {
  local pkgs=(libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients qemu-system-x86 qemu-utils dnsmasq-base iptables)
  local missing=() p
  for p in "${pkgs[@]}"; do
    [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" = "install ok installed" ] || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]}"
    # The packages' maintainer scripts must not start services (there is no systemd; this script starts them).
    local had_policy=0
    [ -e /usr/sbin/policy-rc.d ] && had_policy=1
    if [ $had_policy -eq 0 ]; then
      printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
      chmod 755 /usr/sbin/policy-rc.d
    fi
    local rc=0
    apt_install "${missing[@]}" || rc=$?
    [ $had_policy -eq 1 ] || rm -f /usr/sbin/policy-rc.d
    [ $rc -eq 0 ] || die "apt-get install ${missing[*]} failed"
  fi
  # libvirtd resolves Debian's built-in QEMU user and group (libvirt-qemu) before it reads qemu.conf, and refuses
  # the QEMU driver without them (libvirt-daemon-system would make them).
  getent group kvm >/dev/null || groupadd --system kvm
  getent group libvirt-qemu >/dev/null || groupadd --system libvirt-qemu
  getent passwd libvirt-qemu >/dev/null \
    || useradd --system --no-create-home --shell /usr/sbin/nologin -g libvirt-qemu -G kvm libvirt-qemu
  # Without libvirt-daemon-system (it pulls in systemd units and policykit) nothing makes the daemons' directories.
  mkdir -p /var/log/libvirt/qemu /var/lib/libvirt/qemu /var/lib/libvirt/images /run/libvirt /etc/libvirt
  # QEMU as root without relabelling or ownership changes: a test machine, no sVirt, no dynamic ownership.
  # (Debian's qemu.conf comes with libvirt-daemon-system; without it libvirtd's defaults apply, plus these lines.)
  local conf=/etc/libvirt/qemu.conf key value
  touch "$conf"
  for kv in 'user="root"' 'group="root"' 'dynamic_ownership=0' 'security_driver="none"'; do
    key="${kv%%=*}"; value="${kv#*=}"
    if grep -qE "^${key} *=" "$conf"; then
      sed -i -E "s|^${key} *=.*|${key} = ${value}|" "$conf"
    else
      echo "${key} = ${value}" >>"$conf"
    fi
  done
}

pid_alive() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

start_daemon() { # name binary pidfile
  local name="$1" bin="$2" pidfile="$3"
  if pid_alive "$pidfile"; then return 0; fi
  log "starting $name"
  # --pid-file: the daemon writes its own PID once it runs (it daemonizes with --daemon).
  "$bin" --daemon --pid-file "$pidfile" >>"$LOG_DIR/$name.log" 2>&1 || die "$name did not start; see $LOG_DIR/$name.log"
}

# Some machines (nested virtualization without full support) have a /dev/kvm on which a real guest aborts at start
# ("failed to set MSR"), yet libvirtd offers kvm domains there and nkd picks kvm over emulation. A short KVM guest with
# the host's CPU model tells the two apart: still running after 3 s means usable. NKD_TESTENV_KVM=on|off overrides.
kvm_usable() {
  case "${NKD_TESTENV_KVM:-auto}" in on) return 0 ;; off) return 1 ;; esac
  [ -w /dev/kvm ] || return 1
  local rc
  # (in an inner shell whose stderr is dropped, so that its "Aborted" report of a broken KVM stays out of the log)
  rc=$(sh -c 'timeout 3 qemu-system-x86_64 -accel kvm -cpu host -machine q35 -m 64 -nodefaults -display none \
    -no-reboot >/dev/null 2>&1; echo $?' 2>/dev/null)
  [ "$rc" = 124 ]
}

start_libvirtd() {
  local pidfile="$RUN_DIR/libvirtd.pid"
  if pid_alive "$pidfile"; then return 0; fi
  # libvirtd caches what QEMU can do (including kvm) across restarts: probe again
  rm -rf /var/cache/libvirt/qemu/capabilities
  if kvm_usable; then
    start_daemon libvirtd /usr/sbin/libvirtd "$pidfile"
    return
  fi
  log "starting libvirtd without KVM (not usable on this machine): guests run under QEMU's emulation (TCG)"
  # A private mount namespace in which /dev/kvm is /dev/null: libvirtd and its QEMUs find no KVM and offer
  # qemu domains only. Nothing changes for the rest of the machine.
  unshare --mount --propagation slave -- sh -c 'mount --bind /dev/null /dev/kvm && exec "$@"' sh \
    /usr/sbin/libvirtd --daemon --pid-file "$pidfile" >>"$LOG_DIR/libvirtd.log" 2>&1 \
    || die "libvirtd did not start; see $LOG_DIR/libvirtd.log and /var/log/libvirt/libvirtd.log"
}

answers() { virsh -c "$URI" uri >/dev/null 2>&1; }

define_pool() {
  if ! virsh -c "$URI" pool-info "$POOL" >/dev/null 2>&1; then
    mkdir -p "$POOL_DIR"
    virsh -q -c "$URI" pool-define-as "$POOL" dir --target "$POOL_DIR" >/dev/null
    virsh -q -c "$URI" pool-autostart "$POOL" >/dev/null
  fi
  [[ "$(virsh -c "$URI" pool-info "$POOL")" =~ State:\ +running ]] || virsh -q -c "$URI" pool-start "$POOL" >/dev/null
  virsh -q -c "$URI" pool-refresh "$POOL" >/dev/null
}

define_network() {
  if ! virsh -c "$URI" net-info "$NET" >/dev/null 2>&1; then
    local xml="$RUN_DIR/$NET.xml"
    cat >"$xml" <<XML
<network>
  <name>$NET</name>
  <forward mode='nat'/>
  <bridge name='$NET_BRIDGE' stp='on' delay='0'/>
  <ip address='$NET_PREFIX.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='$NET_PREFIX.100' end='$NET_PREFIX.199'/>
    </dhcp>
  </ip>
</network>
XML
    virsh -q -c "$URI" net-define "$xml" >/dev/null
    virsh -q -c "$URI" net-autostart "$NET" >/dev/null
  fi
  [[ "$(virsh -c "$URI" net-info "$NET")" =~ Active:\ +yes ]] || virsh -q -c "$URI" net-start "$NET" >/dev/null
}

up() {
  need_root up
  mkdir -p "$RUN_DIR" "$LOG_DIR"
  install_once
  start_daemon virtlogd /usr/sbin/virtlogd "$RUN_DIR/virtlogd.pid"
  start_libvirtd
  local i
  for i in $(seq 1 60); do answers && break; sleep 0.5; done
  answers || die "libvirtd does not answer on $URI after 30 s; see /var/log/libvirt/libvirtd.log and $LOG_DIR/libvirtd.log"
  local caps
  caps="$(virsh -c "$URI" capabilities)"
  [[ "$caps" == *"domain type='qemu'"* ]] \
    || die "libvirtd on $URI offers no QEMU domains (is qemu-system-x86 installed?); see $LOG_DIR/libvirtd.log"
  [[ "$caps" != *"domain type='kvm'"* ]] || kvm_usable \
    || die "libvirtd on $URI offers kvm domains, but KVM does not run guests on this machine; run: $0 down && $0 up"
  define_pool
  define_network
  log "ready: $URI, storage pool $POOL ($POOL_DIR), network $NET ($NET_PREFIX.0/24, NAT, DHCP)"
}

stop_daemon() { # name pidfile
  local name="$1" pidfile="$2" pid i
  pid_alive "$pidfile" || { rm -f "$pidfile"; return 0; }
  pid="$(cat "$pidfile")"
  log "stopping $name (pid $pid)"
  kill "$pid"
  for i in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  kill -0 "$pid" 2>/dev/null && { log "$name (pid $pid) ignored SIGTERM for 10 s; sending SIGKILL"; kill -9 "$pid"; }
  rm -f "$pidfile"
}

down() {
  need_root down
  stop_daemon libvirtd "$RUN_DIR/libvirtd.pid"
  stop_daemon virtlogd "$RUN_DIR/virtlogd.pid"
}

status() {
  local rc=0
  if pid_alive "$RUN_DIR/virtlogd.pid"; then echo "virtlogd: running (pid $(cat "$RUN_DIR/virtlogd.pid"))"; else echo "virtlogd: stopped"; fi
  if pid_alive "$RUN_DIR/libvirtd.pid"; then echo "libvirtd: running (pid $(cat "$RUN_DIR/libvirtd.pid"))"; else echo "libvirtd: stopped"; rc=1; fi
  if answers; then
    echo "$URI: answers"
    virsh -c "$URI" pool-info "$POOL" 2>/dev/null | sed -n 's/^State: */storage pool '"$POOL"': /p'
    virsh -c "$URI" net-info "$NET" 2>/dev/null | sed -n 's/^Active: */network '"$NET"' active: /p'
  else
    echo "$URI: does not answer"; rc=1
  fi
  return $rc
}

env_lines() {
  echo "export NKD_LIBVIRT_URI=$URI"
  echo "export NKD_LIBVIRT_POOL=$POOL"
  echo "export NKD_LIBVIRT_POOL_DIR=$POOL_DIR"
  echo "export NKD_LIBVIRT_NETWORK=$NET"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  env) env_lines ;;
  status) status ;;
  *) echo "usage: $0 up|down|env|status" >&2; exit 2 ;;
esac
