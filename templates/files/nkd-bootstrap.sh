#!/bin/bash
# Written by nkd. Joins this node to cluster {{cluster.name}}: the designated first control-plane node runs
# `kubeadm init` unless the cluster is already initialised; every other node waits until it is, then runs
# `kubeadm join`.
#
# Retries (systemd restarts the unit on failure; a reboot starts it again) resume, they never regenerate:
# - before kubeadm first runs, the PKI nkd wrote through Ignition (the cluster CAs and service-account keys) is
#   copied aside; a run that did not finish is undone with `kubeadm reset`, which empties the cert directory, and
#   the copy is put back byte for byte before kubeadm runs again. kubeadm uses a CA whose files exist and creates
#   only the missing leaf certificates, so the retry keeps the CAs every other node, caCertHashes and nkd's admin
#   kubeconfig trust.
# - the attempt marker is set just before kubeadm runs, never while waiting: a node stopped while it waits for the
#   control plane starts waiting again, with nothing to reset.
# - kubeadm's output goes to the journal with the bootstrap token and any certificate key redacted.
set -euo pipefail
etc_nkd=/etc/nkd
kube_dir=/etc/kubernetes
state_dir=/var/lib/nkd
source "$etc_nkd/cluster"
done_marker=$etc_nkd/bootstrap.done
attempt_marker=$state_dir/bootstrap.attempted
pki_copy=$state_dir/pki
cri_socket={{json runtime.criSocket}}

log() { echo "nkd-bootstrap[$CLUSTER/$POOL]: $*"; }

# kubeadm prints the bootstrap token ("Using token: ...", the join command) and, when it uploads certificates,
# the certificate key: neither belongs in the journal.
redact() {
  sed -u -E -e 's/[a-z0-9]{6}\.[a-z0-9]{16}/<redacted: bootstrap token>/g' \
    -e 's/(certificate-key:? +)[0-9a-f]{64}/\1<redacted: certificate key>/Ig'
}

kubeadm_run() {
  kubeadm "$@" 2>&1 | redact
}

if [ -f "$done_marker" ]; then
  log "already bootstrapped"
  exit 0
fi
mkdir -p "$state_dir"
chmod 0700 "$state_dir"
if [ ! -f "$attempt_marker" ] && [ -f "$kube_dir/kubelet.conf" ]; then
  log "kubelet.conf exists and no kubeadm run is unfinished: this node is already a cluster member"
  touch "$done_marker"
  exit 0
fi

# The PKI nkd wrote, as Ignition wrote it: copied once, before kubeadm ever runs on this node.
if [ ! -d "$pki_copy" ]; then
  rm -rf "$pki_copy.tmp"
  mkdir -m 0700 "$pki_copy.tmp"
  if [ -d "$kube_dir/pki" ]; then
    cp -a "$kube_dir/pki/." "$pki_copy.tmp/"
  fi
  mv "$pki_copy.tmp" "$pki_copy"
fi

if [ -f "$attempt_marker" ]; then
  log "the previous kubeadm run did not finish: undoing it with kubeadm reset, keeping the PKI nkd wrote"
  kubeadm_run reset --force --cri-socket "$cri_socket" || log "kubeadm reset failed; retrying anyway"
  mkdir -p "$kube_dir/pki"
  cp -a "$pki_copy/." "$kube_dir/pki/"
  rm -f "$attempt_marker"
fi

# SELinux is disabled from the next boot on (/etc/selinux/config); this boot runs permissive.
if command -v getenforce >/dev/null 2>&1 && [ "$(getenforce)" = Enforcing ]; then
  setenforce 0
fi

# The token id is the public half of the bootstrap token.
token_id=$(sed -n -E 's/^ *token: "([a-z0-9]{6})\.[a-z0-9]{16}"$/\1/p' "$etc_nkd/kubeadm-join.yaml" | head -n 1)
join_config=$etc_nkd/kubeadm-join.yaml

# A machine nkd created on a running cluster carries a fresh, short-lived bootstrap token in its own node config
# (/etc/nkd/join-token): the pool's token is the cluster's first, made for `kubeadm init`, and expires a day later.
# kubeadm joins with a copy of the join configuration that names the fresh token (0600, under /var/lib/nkd), and
# the wait below looks for the fresh token's signature, which is the one cluster-info carries months later.
if [ -s "$etc_nkd/join-token" ]; then
  fresh_token=$(tr -d '[:space:]' <"$etc_nkd/join-token")
  if [[ $fresh_token =~ ^[a-z0-9]{6}\.[a-z0-9]{16}$ ]]; then
    join_config=$state_dir/kubeadm-join.yaml
    (umask 077 && sed -E "s/^( *token: )\"[a-z0-9]{6}\.[a-z0-9]{16}\"$/\1\"${fresh_token}\"/" \
      "$etc_nkd/kubeadm-join.yaml" >"$join_config.tmp" && mv "$join_config.tmp" "$join_config")
    token_id=${fresh_token%%.*}
    log "joining with the fresh bootstrap token ${token_id} from $etc_nkd/join-token"
  else
    log "$etc_nkd/join-token does not hold a bootstrap token ([a-z0-9]{6}.[a-z0-9]{16}); using the pool's token"
  fi
fi

# Whether `kubeadm init` has got far enough for joins: the cluster-info ConfigMap (kube-public, readable without
# credentials) carries a signature for this cluster's bootstrap token. That needs the kubeadm-config upload, the
# bootstrap-token phase and a running controller manager (its bootstrap signer signs), and it is exactly what
# `kubeadm join` discovery verifies. The API server's health endpoint answers long before.
cluster_initialised() {
  curl --silent --insecure --fail --max-time 5 \
    "https://${ENDPOINT}/api/v1/namespaces/kube-public/configmaps/cluster-info" 2>/dev/null \
    | grep -q "jws-kubeconfig-${token_id}"
}

if [ "$ROLE" = "control-plane" ] && [ "$(hostname)" = "$INIT_NODE" ] && ! cluster_initialised; then
  log "initialising the control plane at $ENDPOINT"
  touch "$attempt_marker"
  kubeadm_run init --config "$etc_nkd/kubeadm-init.yaml"
else
  waited=0
  until cluster_initialised; do
    if [ $((waited % 6)) -eq 0 ]; then
      log "waiting for kubeadm init to finish at $ENDPOINT"
    fi
    waited=$((waited + 1))
    sleep 10
  done
  log "joining the cluster at $ENDPOINT as $ROLE"
  touch "$attempt_marker"
  kubeadm_run join --config "$join_config"
fi
rm -f "$attempt_marker"
touch "$done_marker"
log "done"
