#!/usr/bin/env bash
# The state store on Kubernetes (issue 11), against the real kube-apiserver of testenv/kube-apiserver.sh:
#   1. latency of the store's operations: writes, reads from the informers' copy, another replica seeing a write,
#      a lock's open/close, one reconcile's state I/O (io.nkd.bench.StateStoreBench);
#   2. one leader's ceiling: for each N in SWEEP, nkd serve --state kubernetes:NS with the sandbox provider on an
#      N-cluster repository (10 machines each); once all are READY, a push that changes every cluster, announced by
#      the webhook; the time until every cluster has applied it. The ceiling is the largest N under 5 s.
# Usage: bash bench/state-bench.sh          (needs git, kubectl, curl, python3 and the test API server: it runs
#        sudo testenv/kube-apiserver.sh up if needed)
#        PARTS="1" or PARTS="2" runs one part; SWEEP="10 25 50 100" (default) the cluster counts of part 2;
#        SKIP_BUILD=1 uses the jars already built;
#        STATE=local runs part 2 with the state in the local --state-dir instead (the baseline: what the store costs).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
testenv/kube-apiserver.sh up >/dev/null
eval "$(testenv/kube-apiserver.sh env)"
[ "${SKIP_BUILD:-}" = 1 ] || ./mvnw -q -pl bench -am package -DskipTests
bench="$root/bench/target/benchmarks.jar"
work="$(mktemp -d)"
ns=""
cleanup() {
  kill $(jobs -p) 2>/dev/null || true
  [ -n "$ns" ] && kubectl delete namespace "$ns" --wait=false >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
parts="${PARTS:-1 2}"
want() { [[ " $parts " == *" $1 "* ]]; }
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); API server $NKD_KUBE_APISERVER"

if want 1; then
  echo "1. state store operations (StateStoreBench, 200 samples):"
  java -cp "$bench" io.nkd.bench.StateStoreBench "$KUBECONFIG" 200 2>/dev/null | sed 's/^/   /'
fi
want 2 || exit 0

api=19490; ign=19543
printf 's3cret' > "$work/secret"
head -c 24 /dev/urandom | base64 > "$work/api-token"  # replicas of --state kubernetes share one API token
auth="Authorization: Bearer $(cat "$work/api-token")"
sign() { printf '%s' "$1" | openssl dgst -sha256 -hmac s3cret -hex | sed 's/.*= //'; }
body='{"ref":"refs/heads/main"}'
clusters() {  # prints "READY-count applied-count" for revision $1
  curl -s -H "$auth" "http://127.0.0.1:$api/api/v1/clusters" | python3 -c '
import json, sys
cs = json.load(sys.stdin); head = sys.argv[1]
print(sum(1 for c in cs if c.get("phase") == "READY"), sum(1 for c in cs if c.get("appliedRevision") == head))' "$1" \
    2>/dev/null || echo "0 0"
}
state="${STATE:-kubernetes}"
echo "2. one leader's ceiling (state: $state, sandbox provider, 10 machines per cluster, --parallelism 4):"
for n in ${SWEEP:-10 25 50 100}; do
  flags=()
  if [ "$state" = kubernetes ]; then
    ns="nkd-bench-ceiling-$n-$RANDOM"
    kubectl create namespace "$ns" >/dev/null
    flags=(--state "kubernetes:$ns" --kubeconfig "$KUBECONFIG")
  fi
  repo="$work/repo-$n"
  java -cp "$bench" io.nkd.bench.ScaleRepository "$repo" "$n" >/dev/null
  git -C "$repo" init -q -b main && git -C "$repo" add -A
  git -C "$repo" -c user.name=bench -c user.email=b@x commit -qm "$n clusters"
  rm -rf "$work/scratch" && mkdir -m 700 "$work/scratch"
  "$root/nkd" serve --repo "$repo" --state-dir "$work/scratch" "${flags[@]}" \
    --interval 1h --listen 127.0.0.1:$api --ignition-listen 127.0.0.1:$ign --webhook-secret-file "$work/secret" \
    --api-token-file "$work/api-token" --parallelism 4 > "$work/nkd-$n.log" 2>&1 &
  nkd=$!
  start=$(date +%s)
  until [ "$(clusters none | cut -d' ' -f1)" = "$n" ]; do
    sleep 2
    if [ $(( $(date +%s) - start )) -ge 900 ] || ! kill -0 $nkd 2>/dev/null; then
      echo "   N=$n: not all clusters READY in 15 minutes (or nkd exited); last log lines:"; tail -5 "$work/nkd-$n.log"; exit 1
    fi
  done
  ready=$(( $(date +%s) - start ))
  for i in 1 2 3; do
    for f in "$repo"/clusters/*/cluster.yaml; do
      sed -i "s/audit-log-maxage: \"[0-9]*\"/audit-log-maxage: \"$((30 + i))\"/" "$f"
    done
    git -C "$repo" -c user.name=bench -c user.email=b@x commit -qam "change all $n clusters ($i)"
    head=$(git -C "$repo" rev-parse HEAD)
    t0=$(date +%s%N)
    curl -s -o /dev/null -X POST -H "X-Nkd-Signature: sha256=$(sign "$body")" -d "$body" "http://127.0.0.1:$api/hooks/generic"
    until [ "$(clusters "$head" | cut -d' ' -f2)" = "$n" ]; do sleep 0.05; done
    echo "   N=$n clusters ($((n * 10)) machines): all READY after ${ready} s; push changing every cluster → all applied, run $i:" \
      "$(( ($(date +%s%N) - t0) / 1000000 )) ms"
  done
  for i in 1 2 3; do
    sed -i "s/audit-log-maxage: \"[0-9]*\"/audit-log-maxage: \"$((40 + i))\"/" "$repo/clusters/cluster-000/cluster.yaml"
    git -C "$repo" -c user.name=bench -c user.email=b@x commit -qam "change cluster-000 ($i)"
    head=$(git -C "$repo" rev-parse HEAD)
    t0=$(date +%s%N)
    curl -s -o /dev/null -X POST -H "X-Nkd-Signature: sha256=$(sign "$body")" -d "$body" "http://127.0.0.1:$api/hooks/generic"
    until curl -s -H "$auth" "http://127.0.0.1:$api/api/v1/clusters/cluster-000" | grep -Eq "\"appliedRevision\" *: *\"$head\""; do
      sleep 0.02
    done
    echo "   N=$n: push changing one cluster → applied, run $i: $(( ($(date +%s%N) - t0) / 1000000 )) ms"
  done
  if [ "$state" = kubernetes ]; then
    objects=$(kubectl -n "$ns" get configmaps,secrets -l app.kubernetes.io/managed-by=nkd --no-headers 2>/dev/null | wc -l)
    echo "   N=$n: $objects state objects in $ns"
  fi
  echo "   N=$n: nkd serve RSS $(awk '/VmRSS/ {printf "%.0f MiB", $2/1024}' /proc/$nkd/status)"
  kill $nkd; wait $nkd 2>/dev/null || true
  if [ "$state" = kubernetes ]; then kubectl delete namespace "$ns" --wait=false >/dev/null; ns=""; fi
done
