#!/usr/bin/env bash
# nkd against the real single-node OpenStack of testenv/openstack.sh (Nova's fake driver, real Neutron ports):
#   1. `nkd plan` of the commit that scales a pool from 0 to N machines (default 100): wall time, actions planned;
#   2. apply: `nkd serve` following the repository, from that commit to N servers ACTIVE in Nova: wall time, and
#      nkd's OpenStack API calls per machine, counted in the services' own request logs (every request nkd's project
#      made to Nova, Neutron, Glance, plus its Keystone sign-ins), so nkd's code does not count itself;
#   3. the reference: the same N servers with one port each created by plain REST (a Python script with
#      keystoneauth, one port and one server request per machine, one server list every 2 s until all are ACTIVE),
#      counted the same way, in the same run;
#   4. `nkd destroy --confirm`: wall time until Nova and Neutron hold nothing of the cluster.
# Usage: bash bench/openstack-bench.sh [N]        (as root: testenv/openstack.sh up needs it)
# Each part runs in a project of its own, made for the run and deleted afterwards.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
n="${1:-100}"
py=/usr/bin/python3
testenv/openstack.sh up
eval "$(testenv/openstack.sh env)"
osdir="${NKD_OPENSTACK_DIR:-/var/lib/nkd-testenv/openstack}"
./mvnw -q -o -pl reconciler package -DskipTests
work="$(mktemp -d)"
api=19490; ign=19543
run="b$(date +%s | tail -c 6)"
cluster="bench-$run"
trap 'kill $(jobs -p) 2>/dev/null || true; "$py" "$work/os.py" cleanup "$cluster" "$run" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

cat >"$work/os.py" <<'EOF'
"""The bench's view of OpenStack as an admin (plain REST, keystoneauth), and the plain-REST reference."""
import os, sys, time
from keystoneauth1 import session
from keystoneauth1.identity import v3

def sess(user, password, project):
    return session.Session(auth=v3.Password(auth_url=os.environ["OS_AUTH_URL"], username=user, password=password,
                                            project_name=project, user_domain_name="Default", project_domain_name="Default"))

admin = sess(os.environ["NKD_OS_ADMIN_USERNAME"], os.environ["NKD_OS_ADMIN_PASSWORD"], os.environ["NKD_OS_ADMIN_PROJECT_NAME"])
K, N, Q = "http://127.0.0.1:5000/v3", "http://127.0.0.1:8774/v2.1", "http://127.0.0.1:9696/v2.0"

def servers(cluster):
    out = []
    for s in admin.get(N + "/servers/detail?all_tenants=1").json()["servers"]:
        md = s.get("metadata", {})
        if md.get("nkd.io:cluster", md.get("nkd.io/cluster")) == cluster or s["name"].startswith(cluster + "-"):
            out.append(s)
    return out

def project_id(name):
    p = admin.get(K + "/projects?name=" + name).json()["projects"]
    return p[0]["id"] if p else None

cmd = sys.argv[1]
if cmd == "project":  # project NAME: a project with nkd's user as member; prints its ID
    name = sys.argv[2]
    pid = project_id(name) or admin.post(K + "/projects", json={"project": {"name": name, "domain_id": "default"}}).json()["project"]["id"]
    user = admin.get(K + "/users?name=" + os.environ["OS_USERNAME"]).json()["users"][0]["id"]
    member = admin.get(K + "/roles?name=member").json()["roles"][0]["id"]
    admin.put(K + "/projects/%s/users/%s/roles/%s" % (pid, user, member))
    admin.put(N + "/os-quota-sets/" + pid, json={"quota_set": {"instances": 500, "cores": 1000, "ram": 2048000}})
    admin.put(Q + "/quotas/" + pid, json={"quota": {"port": 2000}})
    print(pid)
elif cmd == "active":  # active CLUSTER: "<active> <total>" of the cluster's servers
    s = servers(sys.argv[2])
    print(sum(1 for x in s if x["status"] == "ACTIVE"), len(s), sum(1 for x in s if x["status"] == "ERROR"))
elif cmd == "left":  # left CLUSTER: servers and ports of the cluster still there
    c = sys.argv[2]
    ports = [p for p in admin.get(Q + "/ports").json()["ports"]
             if ("nkd.io/cluster=" + c) in (p.get("description") or "") or p["name"].startswith(c + "-")]
    print(len(servers(c)), len(ports))
elif cmd == "reference":  # reference N PROJECT CLUSTER: N servers with a port each, by plain REST as nkd's user
    count, project, c = int(sys.argv[2]), sys.argv[3], sys.argv[4]
    s = sess(os.environ["OS_USERNAME"], os.environ["OS_PASSWORD"], project)
    net = s.get(Q + "/networks?name=" + os.environ["NKD_OS_NETWORK"]).json()["networks"][0]["id"]
    image = s.get("http://127.0.0.1:9292/v2/images?name=" + os.environ["NKD_OS_IMAGE"]).json()["images"][0]["id"]
    flavor = [f for f in s.get(N + "/flavors").json()["flavors"] if f["name"] == os.environ["NKD_OS_FLAVOR"]][0]["id"]
    t0 = time.time()
    for i in range(1, count + 1):
        name = "%s-workers-%d" % (c, i)
        port = s.post(Q + "/ports", json={"port": {"network_id": net, "name": name}}).json()["port"]["id"]
        s.post(N + "/servers", json={"server": {"name": name, "imageRef": image, "flavorRef": flavor,
                                                "networks": [{"port": port}], "metadata": {"nkd.io:cluster": c}}})
    while True:
        time.sleep(2)
        st = [x["status"] for x in s.get(N + "/servers/detail?name=^%s-" % c).json()["servers"]]
        if len(st) == count and all(x in ("ACTIVE", "ERROR") for x in st):
            break
    print("%.1f %d" % (time.time() - t0, st.count("ERROR")))
elif cmd == "cleanup":  # cleanup CLUSTER RUN: deletes what is left of the bench's clusters and its projects
    c, run = sys.argv[2], sys.argv[3]
    for name in (c, "ref-" + run):
        for x in servers(name):
            admin.delete(N + "/servers/" + x["id"], raise_exc=False)
    for _ in range(180):
        if not servers(c) and not servers("ref-" + run):
            break
        time.sleep(1)
    for p in admin.get(Q + "/ports").json()["ports"]:
        d = (p.get("description") or "") + " " + p["name"]
        if ("nkd.io/cluster=" + c) in d or p["name"].startswith(c + "-") or p["name"].startswith("ref-" + run + "-"):
            admin.delete(Q + "/ports/" + p["id"], raise_exc=False)
    for g in admin.get(Q + "/security-groups").json()["security_groups"]:
        if ("nkd.io/cluster=" + c) in (g.get("description") or "") or g["name"] == "nkd-" + c:
            admin.delete(Q + "/security-groups/" + g["id"], raise_exc=False)
    for name in ("nkd-bench-" + run, "nkd-ref-" + run):
        pid = project_id(name)
        if pid:
            admin.delete(K + "/projects/" + pid)
EOF

# Requests a project made, per service, in the log lines the services wrote since the marks (line numbers).
mark() { for f in nova-api neutron glance keystone; do wc -l <"$osdir/log/$f.$([ $f = keystone ] && echo out || echo log)"; done | paste -sd' '; }
count() { # count PROJECT_ID "MARKS": nova neutron glance keystone-sign-ins total
  local pid=$1 i=0 f file total=0 out=""
  read -r -a from <<<"$2"
  for f in nova-api neutron glance; do
    file="$osdir/log/$f.log"
    # a client's own requests have no global request ID ("[None req-…"); those Nova makes on its behalf (with its
    # token, to Neutron and Glance) carry Nova's, and are not nkd's
    c=$(tail -n +"$((from[i] + 1))" "$file" | grep 'wsgi' | grep '\[None req-' | grep -c " $pid " || true)
    out="$out $f=$c"; total=$((total + c)); i=$((i + 1))
  done
  # Keystone's access log names no project: count sign-ins (POST /v3/auth/tokens) in the window; the bench's own
  # admin signs in once, before the window.
  c=$(tail -n +"$((from[3] + 1))" "$osdir/log/keystone.out" | grep -c 'POST /v3/auth/tokens' || true)
  out="$out keystone-sign-ins=$c"; total=$((total + c))
  echo "$total$out"
}

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), load average $(cut -d' ' -f1-3 /proc/loadavg) at the start"
pid_bench=$("$py" "$work/os.py" project "nkd-bench-$run")
pid_ref=$("$py" "$work/os.py" project "nkd-ref-$run")

# the repository: the cluster with one control-plane node, then the commit that adds N workers
repo="$work/repo"
mkdir -p "$repo/clusters/$cluster" "$work/state/secrets"
chmod 700 "$work/state"
mkdir -p "$repo/images" && cp repo-layout/example/images/nestos.yaml "$repo/images/"
(umask 077 && printf '{"username": "%s", "password": "%s", "user_domain_name": "Default", "project_name": "%s", "project_domain_name": "Default"}\n' \
  "$OS_USERNAME" "$OS_PASSWORD" "nkd-bench-$run" >"$work/state/secrets/openstack-bench")
write_cluster() {
  cat >"$repo/clusters/$cluster/cluster.yaml" <<EOF
apiVersion: nkd.io/v1alpha1
kind: Cluster
metadata:
  name: $cluster
spec:
  kubernetes:
    version: v1.31.4
    controlPlaneEndpoint: 10.99.127.250:6443
    runtime: containerd
    serviceSubnet: 172.31.0.0/16 # the test network is inside the default 10.96.0.0/12
  os:
    image: nestos-24.09-k8s-1.31
  infrastructure:
    provider: openstack
    openstack:
      authURL: $OS_AUTH_URL
      credentials: {name: openstack-bench}
      region: $OS_REGION_NAME
      network: $NKD_OS_NETWORK
      bootImage: $NKD_OS_IMAGE
      allowedCIDRs: [10.99.0.0/16]
  pools:
    - name: control-plane
      role: control-plane
      machines:
        - hostname: $cluster-cp-1
          ip: 10.99.127.250
      network: {prefixLength: 16, gateway: 10.99.0.1}
      machine: {flavor: $NKD_OS_FLAVOR}
    - name: workers
      role: worker
      replicas: $1
      machine: {flavor: $NKD_OS_FLAVOR}
  access:
    users:
      - name: core
        sshAuthorizedKeys:
          - ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGtGZ8bJk2VZ3bDPa2z9U9wK1mBn0Tq6o2V5YH2bq0xR bench@example
EOF
}
write_cluster 0
git -C "$repo" init -q -b main && git -C "$repo" add -A && git -C "$repo" -c user.name=bench -c user.email=b@x commit -qm base
base=$(git -C "$repo" rev-parse HEAD)
write_cluster "$n"
git -C "$repo" add -A && git -C "$repo" -c user.name=bench -c user.email=b@x commit -qm "$n workers"

# 1. plan
t0=$(date +%s.%N)
rc=0
"$root/nkd" plan --repo "$repo" --base "$base" --head HEAD --format json >"$work/plan.json" || rc=$?
t1=$(date +%s.%N)
[ "$rc" = 2 ] || { echo "nkd plan exited $rc (2: changes to review was expected)"; cat "$work/plan.json"; exit 1; }
creates=$(grep -o '"create' "$work/plan.json" | wc -l || true)
printf '1. nkd plan %s..HEAD: %.2f s wall (JVM start-up included), %s create actions in its JSON\n' "${base:0:7}" "$(echo "$t1 - $t0" | bc)" "$creates"

# 2. apply: serve the base commit until its control-plane server is ACTIVE, then move main to the N-worker commit
head=$(git -C "$repo" rev-parse HEAD)
git -C "$repo" branch -q follow "$base"
"$root/nkd" serve --repo "$repo" --ref follow --state-dir "$work/state" --interval 1s --listen 127.0.0.1:$api \
  --ignition-listen 127.0.0.1:$ign >"$work/nkd.log" 2>&1 &
until [ "$("$py" "$work/os.py" active "$cluster" | cut -d' ' -f1)" = 1 ]; do
  sleep 2
  kill -0 $! 2>/dev/null || { tail -20 "$work/nkd.log"; exit 1; }
done
sleep 5
m=$(mark)
t0=$(date +%s.%N)
git -C "$repo" branch -q -f follow "$head"
start=$(date +%s)
while :; do
  read -r active total errors < <("$py" "$work/os.py" active "$cluster")
  [ "$active" -ge $((n + 1)) ] && break
  [ $(($(date +%s) - start)) -lt 1800 ] || { echo "not all $n servers ACTIVE in 30 min ($active of $total, $errors ERROR)"; tail -20 "$work/nkd.log"; exit 1; }
  sleep 2
done
t1=$(date +%s.%N)
calls=$(count "$pid_bench" "$m")
wall=$(echo "$t1 - $t0" | bc)
printf '2. nkd serve, %s workers to ACTIVE: %.1f s wall (%.2f s per machine); nkd'"'"'s API requests: %s (%.1f per machine)\n' \
  "$n" "$wall" "$(echo "$wall / $n" | bc -l)" "$calls" "$(echo "${calls%% *} / $n" | bc -l)"
m=$(mark)
sleep 30
echo "   the next 30 s, nothing to do (--interval 1s): $(count "$pid_bench" "$m") requests"
# nkd destroy refuses a cluster Git still has: remove it, wait until the daemon says it no longer manages it
git -C "$repo" checkout -q follow && git -C "$repo" rm -rq "clusters/$cluster"
git -C "$repo" -c user.name=bench -c user.email=b@x commit -qm "remove $cluster"
until curl -s "http://127.0.0.1:$api/api/v1/clusters/$cluster" | grep -Eq '"phase": *"UNMANAGED"'; do sleep 1; done
kill %1 2>/dev/null || true
wait 2>/dev/null || true

# 3. the plain-REST reference
m=$(mark)
read -r refwall referr < <("$py" "$work/os.py" reference "$n" "nkd-ref-$run" "ref-$run")
calls=$(count "$pid_ref" "$m")
printf '3. plain REST, %s servers with a port each to ACTIVE: %.1f s wall (%s ERROR); requests: %s (%.1f per machine)\n' \
  "$n" "$refwall" "$referr" "$calls" "$(echo "${calls%% *} / $n" | bc -l)"

# 4. destroy
t0=$(date +%s.%N)
"$root/nkd" destroy "$cluster" --state-dir "$work/state" --confirm "$cluster" >"$work/destroy.log" 2>&1 || { cat "$work/destroy.log"; exit 1; }
until [ "$("$py" "$work/os.py" left "$cluster")" = "0 0" ]; do sleep 2; done
t1=$(date +%s.%N)
printf '4. nkd destroy --confirm: %.1f s until Nova and Neutron held nothing of the cluster\n' "$(echo "$t1 - $t0" | bc)"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
