#!/bin/bash
# Written by nkd. Joins this node to cluster {{cluster.name}}: the designated first control-plane node runs
# `kubeadm init` unless the cluster is already initialised; every other node waits until it is, then runs
# `kubeadm join`.
#
# Retries (systemd restarts the unit on failure; a reboot starts it again) resume, they never regenerate:
# - `kubeadm init` runs one `kubeadm init phase …` at a time, and each phase that finished is recorded under
#   /var/lib/nkd/init-phases. A retry resumes with the first phase not recorded and never resets: once the
#   bootstrap-token phase has run, other nodes may have joined (cluster-info is signed), and a reset would empty the
#   etcd they are members of. Every phase kubeadm re-runs keeps what exists (certificates, kubeconfigs, the same
#   bootstrap token from the same configuration), so the cluster keeps its CAs, token and members.
# - before kubeadm first runs, the PKI nkd wrote through Ignition (the cluster CAs and service-account keys) is
#   copied aside. A resumed init checks the CAs on disk against that copy (and puts back a missing one); a join that
#   did not finish is undone with `kubeadm reset`, which empties the cert directory, and the copy is put back byte
#   for byte before kubeadm runs again. kubeadm uses a CA whose files exist and creates only the missing leaf
#   certificates, so every retry keeps the CAs every other node, caCertHashes and nkd's admin kubeconfig trust.
# - the join attempt marker is set just before kubeadm runs, never while waiting: a node stopped while it waits for
#   the control plane starts waiting again, with nothing to reset.
# - kubeadm's output goes to the journal with the bootstrap token and any certificate key redacted.
set -euo pipefail
etc_nkd=/etc/nkd
kube_dir=/etc/kubernetes
state_dir=/var/lib/nkd
source "$etc_nkd/cluster"
done_marker=$etc_nkd/bootstrap.done
attempt_marker=$state_dir/bootstrap.attempted
init_phases_done=$state_dir/init-phases
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
# (an init that stopped midway has a kubelet.conf from its kubeconfig phase: it is resumed below, not taken as done)
if [ ! -f "$attempt_marker" ] && [ ! -d "$init_phases_done" ] && [ -f "$kube_dir/kubelet.conf" ]; then
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

if [ -f "$attempt_marker" ] && [ ! -d "$init_phases_done" ]; then
  log "the previous kubeadm join did not finish: undoing it with kubeadm reset, keeping the PKI nkd wrote"
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

# The phases of `kubeadm init`, in its order (kubeadm init --help). upload-certs is left out: nkd ships the CAs to
# every control-plane node itself. wait-control-plane is a hidden phase of older kubeadm releases nkd supports (not in
# their `kubeadm init phase` reference), so the script waits for the API server's /healthz itself, as that phase
# does. show-join-command would print the token.
init_phases=(preflight "certs all" "kubeconfig all" "etcd local" "control-plane all" kubelet-start wait-control-plane
  "upload-config all" mark-control-plane bootstrap-token "kubelet-finalize all" "addon all")

# The API server this node's kubelet started from the control-plane phase's manifests answers; bounded, so a control
# plane that does not come up fails the unit (systemd retries, and the retry waits again).
wait_control_plane() {
  local tries=0
  until curl --silent --insecure --fail --max-time 5 "https://${ENDPOINT}/healthz" >/dev/null 2>&1; do
    tries=$((tries + 1))
    if [ "$tries" -ge 48 ]; then
      log "the API server at $ENDPOINT did not answer /healthz within 4 minutes; see crictl ps -a and the kubelet's journal"
      return 1
    fi
    sleep 5
  done
}

# Before a resumed init goes on: the CAs on disk must be the ones nkd wrote (every other node, caCertHashes and nkd's
# admin kubeconfig trust them). A missing one is put back from the copy; a different one stops the bootstrap.
check_pki() {
  local f
  while IFS= read -r f; do
    if [ ! -e "$kube_dir/pki/$f" ]; then
      mkdir -p "$(dirname "$kube_dir/pki/$f")"
      cp -a "$pki_copy/$f" "$kube_dir/pki/$f"
      log "put back $kube_dir/pki/$f as nkd wrote it"
    elif [ "$(sha256sum <"$pki_copy/$f")" != "$(sha256sum <"$kube_dir/pki/$f")" ]; then
      log "$kube_dir/pki/$f is not the file nkd wrote: refusing to resume kubeadm init with another CA; re-create this machine"
      return 1
    fi
  done < <(cd "$pki_copy" && find . -type f | sed 's|^\./||' | sort)
}

init_control_plane() {
  local p name last=""
  mkdir -p "$init_phases_done"
  for p in "${init_phases[@]}"; do
    name=${p%% *}
    if [ -f "$init_phases_done/$name" ]; then
      last=$name
      continue
    fi
    if [ -n "$last" ]; then
      log "resuming kubeadm init after its phase $last (the control plane, the PKI nkd wrote and the bootstrap token are kept)"
      check_pki
      last=""
    fi
    log "kubeadm init phase $p"
    if [ "$name" = wait-control-plane ]; then
      wait_control_plane
    else
      # shellcheck disable=SC2086 # "certs all": the phase and its sub-phase are two arguments
      kubeadm_run init phase $p --config "$etc_nkd/kubeadm-init.yaml"
    fi
    touch "$init_phases_done/$name"
  done
}

if [ "$ROLE" = "control-plane" ] && [ "$(hostname)" = "$INIT_NODE" ] && { [ -d "$init_phases_done" ] || ! cluster_initialised; }; then
  log "initialising the control plane at $ENDPOINT"
  init_control_plane
  rm -rf "$init_phases_done"
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
