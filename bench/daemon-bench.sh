#!/usr/bin/env bash
# Daemon benchmarks (issue: the GitOps daemon), all on loopback:
#   1. memory (RSS) of nkd serve with a 100-cluster repository (sandbox provider: 1,000 simulated machines
#      that fetch their Ignition over HTTPS);
#   2. push-to-applied time through the webhook for one changed cluster of those 100;
#   3. the cost of a poll when nothing changed (RepoFollower against a real git daemon);
#   4. Ignition server throughput and latency percentiles at 256 concurrent connections (wrk).
# Usage: bash bench/daemon-bench.sh     (needs git and wrk: apt-get install -y git wrk)
#        PARTS="1 2" runs only those parts (default: all four).
#        nkd serve runs through the ./nkd launcher, with the JVM settings it gives serve (capped heap, Serial GC,
#        bounded native memory); NKD_JAVA_OPTS adds flags, NKD_JAVA picks the JVM. NMT=1 adds Native Memory
#        Tracking and prints its summary after part 1 (where the memory goes).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
./mvnw -q -pl bench -am package -DskipTests
jar="$root/reconciler/target/nkd.jar"
bench="$root/bench/target/benchmarks.jar"
work="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
api=19390; ign=19443; gitport=19418

repo="$work/repo"
java -cp "$bench" io.nkd.bench.ScaleRepository "$repo" 100 >/dev/null
git -C "$repo" init -q -b main && git -C "$repo" add -A
git -C "$repo" -c user.name=bench -c user.email=b@x commit -qm "100 clusters"
mkdir -m 700 "$work/state"
printf 's3cret' > "$work/secret"

parts="${PARTS:-1 2 3 4}"
want() { [[ " $parts " == *" $1 "* ]]; }
[ "${NMT:-}" = 1 ] && export NKD_JAVA_OPTS="${NKD_JAVA_OPTS:-} -XX:NativeMemoryTracking=summary"
# the launcher execs java, so $! is the JVM
"$root/nkd" serve --repo "$repo" --state-dir "$work/state" --interval 1h --listen 127.0.0.1:$api \
  --ignition-listen 127.0.0.1:$ign --webhook-secret-file "$work/secret" --parallelism 4 > "$work/nkd.log" 2>&1 &
nkd=$!
sleep 1
echo "nkd serve: $(tr '\0' ' ' </proc/$nkd/cmdline | sed 's/ -jar .*//')"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), load average $(cut -d' ' -f1-3 /proc/loadavg)"

ready() {  # number of clusters READY
  curl -s "http://127.0.0.1:$api/api/v1/clusters" | python3 -c 'import json,sys; print(sum(1 for c in json.load(sys.stdin) if c["phase"]=="READY"))' 2>/dev/null || echo 0
}
start=$(date +%s)
until [ "$(ready)" = 100 ]; do
  sleep 2
  [ $(( $(date +%s) - start )) -lt 900 ] || { echo "not all clusters became READY in 15 minutes"; tail -20 "$work/nkd.log"; exit 1; }
done
echo "1. all 100 clusters READY (1,000 sandbox machines booted through HTTPS) after $(( $(date +%s) - start )) s"
sleep 5
rss=$(awk '/VmRSS/ {printf "%.0f", $2/1024}' /proc/$nkd/status)
echo "   nkd serve RSS with 100 clusters: $rss MiB (peak $(awk '/VmHWM/ {printf "%.0f MiB", $2/1024}' /proc/$nkd/status)," \
  "$(awk '/Threads/ {print $2}' /proc/$nkd/status) threads); goal: under 300 MiB: $([ "$rss" -lt 300 ] && echo met || echo MISSED)"
echo "   of which anonymous $(awk '/RssAnon/ {printf "%.0f", $2/1024}' /proc/$nkd/status) MiB (heap, native, malloc)," \
  "file-backed $(awk '/RssFile/ {printf "%.0f", $2/1024}' /proc/$nkd/status) MiB (JDK, jars, shared archive, native libraries)"
if [ "${NMT:-}" = 1 ]; then
  jcmd $nkd VM.native_memory summary | grep -E '^(Total|-)' | sed 's/^/   /'
fi

want 2 || want 3 || want 4 || exit 0
sign() { printf '%s' "$1" | openssl dgst -sha256 -hmac s3cret -hex | sed 's/.*= //'; }
body='{"ref":"refs/heads/main"}'
for i in $(want 2 && echo 1 2 3 4 5); do
  sed -i "s/audit-log-maxage: \"[0-9]*\"/audit-log-maxage: \"$((30 + i))\"/" "$repo/clusters/cluster-042/cluster.yaml"
  git -C "$repo" -c user.name=bench -c user.email=b@x commit -qam "change cluster-042 ($i)"
  head=$(git -C "$repo" rev-parse HEAD)
  t0=$(date +%s%N)
  curl -s -o /dev/null -X POST -H "X-Nkd-Signature: sha256=$(sign "$body")" -d "$body" "http://127.0.0.1:$api/hooks/generic"
  until curl -s "http://127.0.0.1:$api/api/v1/clusters/cluster-042" | grep -q "\"appliedRevision\" : \"$head\""; do sleep 0.02; done
  echo "2. push-to-applied via webhook (cluster-042 of 100), run $i: $(( ($(date +%s%N) - t0) / 1000000 )) ms"
done

want 3 || want 4 || exit 0
mkdir -p "$work/served"
git clone -q --bare "$repo" "$work/served/clusters.git"
git daemon --reuseaddr --base-path="$work/served" --export-all --port=$gitport --listen=127.0.0.1 "$work/served" &
sleep 1
echo "3. $(java -cp "$bench" io.nkd.bench.PollCost "git://127.0.0.1:$gitport/clusters.git" "$work/follow" 200)"

read -r url token < <(python3 - "$work/state/sandbox/cluster-000.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))[0]
p = json.loads(m["userData"])["ignition"]["config"]["merge"][0]
print(p["source"], p["httpHeaders"][0]["value"].split(" ", 1)[1])
PY
)
echo "4. wrk against $(echo "$url" | sed 's#https://[^/]*##'), 256 connections, 2 threads, 20 s:"
wrk -t2 -c256 -d20s --latency -H "Authorization: Bearer $token" "$url" | sed 's/^/   /'
