#!/usr/bin/env bash
# nkd's Ignition server against nginx, in one run, on loopback, on the same machine and bytes:
#   - nkd serve follows a one-cluster repository (sandbox-demo: its simulated machines boot through the
#     Ignition server), and the benchmark fetches a real pool config with a real node token, taken from a
#     machine's pointer config, so the token is checked on every request;
#   - nginx (one worker) serves the same bytes, saved from nkd, under the same path, over TLS 1.3 with an
#     ECDSA P-256 certificate like nkd's, and compares the same Authorization header on every request;
#   - wrk -t2 -c256 -d15s against each (nginx first, then nkd, then nginx again to expose drift).
# Neither logs each request: nginx has access_log off, nkd's per-request INFO line is set to WARN.
# Usage: bash bench/ignition-vs-nginx.sh [seconds]     (needs nginx, wrk, curl, openssl, python3, git)
set -euo pipefail
secs="${1:-15}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
for tool in nginx wrk curl openssl python3 git; do
  command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install -y nginx wrk curl openssl python3 git" >&2; exit 1; }
done
./mvnw -q -pl reconciler -am package -DskipTests
work="$(mktemp -d)"
nkd_pid=""; nginx_pid=""
cleanup() {
  [ -n "$nkd_pid" ] && kill "$nkd_pid" 2>/dev/null || true
  [ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  [ -n "${KEEP_WORK:-}" ] && echo "kept $work" || rm -rf "$work"
}
trap cleanup EXIT
# three free loopback ports (fixed numbers would collide with other benchmarks running on the machine)
read -r api ign ngx < <(python3 -c 'import socket
ss = [socket.socket() for _ in range(3)]
for s in ss: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in ss])')

repo="$work/repo"
mkdir -p "$repo/clusters" "$repo/images"
cp -r repo-layout/example/clusters/sandbox-demo "$repo/clusters/"
cp repo-layout/example/images/nestos.yaml "$repo/images/"
git -C "$repo" init -q -b main && git -C "$repo" add -A
git -C "$repo" -c user.name=bench -c user.email=b@x commit -qm "sandbox-demo"
mkdir -m 700 "$work/state"

# through the launcher, with the JVM settings users and the systemd unit get (capped heap, Serial GC);
# --log-level warn: no per-request line, as nginx's access log is off
./nkd --log-level warn serve \
  --repo "$repo" --state-dir "$work/state" --interval 1h --listen 127.0.0.1:$api --ignition-listen 127.0.0.1:$ign \
  --ignition-rate-limit 0 > "$work/nkd.log" 2>&1 &
nkd_pid=$!
start=$(date +%s)
until curl -s "http://127.0.0.1:$api/api/v1/clusters/sandbox-demo" | grep -q '"phase": "READY"'; do
  sleep 1
  kill -0 "$nkd_pid" 2>/dev/null || { echo "nkd serve exited:"; tail -20 "$work/nkd.log"; exit 1; }
  [ $(( $(date +%s) - start )) -lt 120 ] || { echo "sandbox-demo not READY in 120 s"; tail -20 "$work/nkd.log"; exit 1; }
done

# a worker's pointer config: the pool config's URL and the node's token
read -r url token < <(python3 - "$work/state/sandbox/sandbox-demo.json" <<'PY'
import json, sys
machines = json.load(open(sys.argv[1]))
m = next(m for m in machines if "worker" in m["name"])
p = json.loads(m["userData"])["ignition"]["config"]["merge"][0]
print(p["source"], p["httpHeaders"][0]["value"].split(" ", 1)[1])
PY
)
path="${url#https://*/}"; path="/$path"
curl -sk -o "$work/config.ign" -H "Authorization: Bearer $token" "https://127.0.0.1:$ign$path"
bytes=$(stat -c %s "$work/config.ign")
[ "$bytes" -gt 1000 ] || { echo "could not fetch the config from nkd ($bytes bytes)"; exit 1; }

# nginx: one worker, the same bytes under the same path, TLS 1.2/1.3, an ECDSA P-256 certificate
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=127.0.0.1 \
  -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
mkdir -p "$work/www$(dirname "$path")" "$work/nginx"
cp "$work/config.ign" "$work/www$path"
chmod 755 "$work" && chmod -R a+rX "$work/www"   # nginx workers run as another user when started by root
cat > "$work/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $work/nginx; proxy_temp_path $work/nginx; fastcgi_temp_path $work/nginx;
  uwsgi_temp_path $work/nginx; scgi_temp_path $work/nginx;
  server {
    listen 127.0.0.1:$ngx ssl;
    ssl_certificate $work/cert.pem;
    ssl_certificate_key $work/key.pem;
    ssl_protocols TLSv1.2 TLSv1.3;
    root $work/www;
    default_type application/vnd.coreos.ignition+json;
    location /ignition/ {
      if (\$http_authorization != "Bearer $token") { return 403; }
    }
  }
}
CONF
nginx -c "$work/nginx.conf" &
nginx_pid=$!
sleep 1
[ "$(curl -sk -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" "https://127.0.0.1:$ngx$path")" = 200 ] \
  || { echo "nginx does not serve the config"; cat "$work/nginx/error.log"; exit 1; }
[ "$(curl -sk -o /dev/null -w '%{http_code}' "https://127.0.0.1:$ngx$path")" = 403 ] || { echo "nginx does not check the token"; exit 1; }
[ "$(curl -sk -o /dev/null -w '%{http_code}' "https://127.0.0.1:$ign$path")" = 401 ] || { echo "nkd does not check the token"; exit 1; }

# which transport and TLS nkd really runs: the native libraries mapped into the process (the start-up line
# that names them is INFO, below --log-level warn)
transport=$(grep -q netty_transport_native_epoll "/proc/$nkd_pid/maps" && echo epoll || echo NIO)
tls=$(grep -q netty_tcnative "/proc/$nkd_pid/maps" && echo OpenSSL || echo JDK)
echo "config: $bytes bytes at $path; nkd ($transport, TLS: $tls; $(tr '\0' ' ' < "/proc/$nkd_pid/cmdline" | grep -o -- '-Xmx[^ ]*\|-XX:+Use[A-Za-z]*GC' | tr '\n' ' ')); $(nproc) cores"
# nkd is a long-running JVM: let the JIT compile the request path before measuring (nginx needs no warm-up)
wrk -t2 -c256 -d"${WARMUP:-20}s" -H "Authorization: Bearer $token" "https://127.0.0.1:$ign$path" >/dev/null

cpu_ticks() {  # user+system clock ticks of a process and its children (nginx's worker)
  local total=0 p
  for p in "$@" $(pgrep -P "$1" || true); do
    total=$(( total + $(awk '{print $14 + $15}' "/proc/$p/stat") ))
  done
  echo "$total"
}
run() {  # name port pid -> "rps p50_ms p99_ms errors non2xx cpu_us_per_request"
  local out before after
  before=$(cpu_ticks "$3")
  out=$(wrk -t2 -c256 -d"${secs}s" --latency -H "Authorization: Bearer $token" "https://127.0.0.1:$2$path")
  after=$(cpu_ticks "$3")
  echo "$out" > "$work/wrk-$1-$RANDOM.txt"
  python3 - "$out" "$(( after - before ))" "$(getconf CLK_TCK)" <<'PY'
import re, sys
out = sys.argv[1]
def ms(label):
    m = re.search(r"^\s*" + label + r"\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
    v, unit = float(m.group(1)), m.group(2)
    return v / 1000 if unit == "us" else v * 1000 if unit == "s" else v
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
errors = sum(int(x) for x in m.groups()) if m else 0
n = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
total = int(re.search(r"(\d+) requests in", out).group(1))
cpu_us = int(sys.argv[2]) / int(sys.argv[3]) * 1e6 / max(total, 1)
print(f"{rps:.0f} {ms('50%'):.2f} {ms('99%'):.2f} {errors} {int(n.group(1)) if n else 0} {cpu_us:.0f}")
PY
}
fmt='%-8s %12s %9s %9s %14s %8s %14s\n'
printf "$fmt" server requests/s p50_ms p99_ms socket_errors non-2xx cpu_us/request
read -r n1 n1p50 n1p99 n1e n1x n1c < <(run nginx $ngx $nginx_pid);  printf "$fmt" nginx "$n1" "$n1p50" "$n1p99" "$n1e" "$n1x" "$n1c"
read -r k k50 k99 ke kx kc < <(run nkd $ign $nkd_pid);              printf "$fmt" nkd "$k" "$k50" "$k99" "$ke" "$kx" "$kc"
read -r n2 n2p50 n2p99 n2e n2x n2c < <(run nginx $ngx $nginx_pid);  printf "$fmt" nginx "$n2" "$n2p50" "$n2p99" "$n2e" "$n2x" "$n2c"
echo "load average during the run: $(cut -d' ' -f1-3 /proc/loadavg) (on $(nproc) cores; other processes skew every figure)"
python3 - "$n1" "$n2" "$k" "$n1p99" "$n2p99" "$k99" "$ke" "$kx" "$n1c" "$n2c" "$kc" <<'PY'
import sys
n1, n2, k, p1, p2, kp, ke, kx, c1, c2, kc = map(float, sys.argv[1:])
print(f"CPU per request: nkd {kc:.0f} us, nginx {(c1 + c2) / 2:.0f} us (nkd at {100 * (c1 + c2) / 2 / kc:.0f}% of nginx's efficiency)")
nginx, nginx_p99 = (n1 + n2) / 2, (p1 + p2) / 2
share, ratio = 100 * k / nginx, kp / nginx_p99
print(f"nkd: {share:.0f}% of nginx's requests/s (mean of both nginx runs); p99 {ratio:.1f}x nginx's; "
      f"{int(ke)} socket errors, {int(kx)} non-2xx")
goal = share >= 70 and ratio <= 2 and ke == 0 and kx == 0
minimum = share >= 50 and ratio <= 10 and ke == 0 and kx == 0
print("goal (>=70%, p99 <=2x, no errors): " + ("met" if goal else "NOT met") + "; minimum (>=50%, p99 <=10x, no errors): "
      + ("met" if minimum else "NOT met"))
PY
