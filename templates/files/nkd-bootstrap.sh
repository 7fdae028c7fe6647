#!/bin/bash
# Written by nkd. Joins this node to cluster {{cluster.name}}: the designated first control-plane node runs
# `kubeadm init` unless the control plane already answers; every other node runs `kubeadm join`.
# Idempotent across reboots (a done marker, and an existing kubelet.conf means "already a member") and safe to
# retry: a failed attempt is reset before the next one (systemd restarts the unit on failure).
set -euo pipefail
source /etc/nkd/cluster
done_marker=/etc/nkd/bootstrap.done
attempt_marker=/var/lib/nkd/bootstrap.attempted

log() { echo "nkd-bootstrap[$CLUSTER/$POOL]: $*"; }

if [ -f "$done_marker" ]; then
  log "already bootstrapped"
  exit 0
fi
if [ -f /etc/kubernetes/kubelet.conf ]; then
  log "kubelet.conf exists: this node is already a cluster member"
  touch "$done_marker"
  exit 0
fi
mkdir -p /var/lib/nkd
if [ -f "$attempt_marker" ]; then
  log "a previous attempt failed; resetting before retrying"
  kubeadm reset --force --cri-socket {{runtime.criSocket}} || true
fi
touch "$attempt_marker"

control_plane_up() {
  curl --silent --insecure --fail --max-time 5 "https://${ENDPOINT}/healthz" >/dev/null 2>&1
}

if [ "$ROLE" = "control-plane" ] && [ "$(hostname)" = "$INIT_NODE" ] && ! control_plane_up; then
  log "initialising the control plane at $ENDPOINT"
  kubeadm init --config /etc/nkd/kubeadm-init.yaml --upload-certs
else
  log "joining the cluster at $ENDPOINT as $ROLE"
  until control_plane_up; do
    log "waiting for the control plane at $ENDPOINT"
    sleep 10
  done
  kubeadm join --config /etc/nkd/kubeadm-join.yaml
fi
rm -f "$attempt_marker"
touch "$done_marker"
log "done"
