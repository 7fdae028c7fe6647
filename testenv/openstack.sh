#!/usr/bin/env bash
# A single-node OpenStack (Debian 12's Zed packages) on 127.0.0.1 for nkd's integration tests:
# Keystone, Placement, Glance, Nova with the fake virt driver, Neutron ML2 (flat), RabbitMQ.
#
#   testenv/openstack.sh up       install once, configure once, start what is not running, wait until a server boots
#   testenv/openstack.sh down     stop everything this script started (Neutron before RabbitMQ, epmd last)
#   testenv/openstack.sh env      print `export OS_…=` lines (openrc style) for nkd's project, plus NKD_OS_* for tests
#   testenv/openstack.sh status   what runs, with PIDs and memory
#
# All state (configuration, SQLite databases, logs, PIDs, images, generated passwords) lives in one directory,
# NKD_OPENSTACK_DIR (default /var/lib/nkd-testenv/openstack): it outlives a checkout, so CI's fresh clone and a
# developer's worktree share one installation, and a second `up` only starts what is missing.
# Needs root (apt-get, binding the services); see testenv/README.md.
set -euo pipefail

readonly DIR="${NKD_OPENSTACK_DIR:-/var/lib/nkd-testenv/openstack}"
readonly PY=/usr/bin/python3 # Debian's modules; another python3 may come first on PATH
readonly HOST=127.0.0.1
readonly REGION=RegionOne
readonly KEYSTONE_URL="http://${HOST}:5000/v3"
readonly TRANSPORT_URL="rabbit://guest:guest@${HOST}:5672/"
readonly PACKAGES=(keystone placement-api glance-api nova-api nova-conductor nova-scheduler neutron-server
  rabbitmq-server sqlite3 curl uwsgi-plugin-python3)
# (ML2 is in neutron-server's dependencies: neutron-plugin-ml2 is only a virtual package of neutron-common.)
# What the tests use; `env` prints these names.
readonly NET_NAME=nkd-test-net SUBNET_NAME=nkd-test-subnet SUBNET_CIDR=10.99.0.0/16 PHYSNET=physnet1
readonly IMAGE_NAME=nkd-tiny-raw PROJECT=nkd USER_NAME=nkd
# Services in start order; `down` stops them in reverse (Neutron hangs on SIGTERM once RabbitMQ is gone).
# Written by the rabbitmq user (Debian's wrapper su's to it), so not under run/.
readonly RABBIT_PID_FILE=/var/lib/rabbitmq/nkd-testenv-rabbit.pid
readonly SERVICES=(keystone placement glance nova-api nova-conductor nova-scheduler nova-compute neutron)

log() { printf '%s openstack.sh: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }
now() { date +%s; }

pid_file() { printf '%s/run/%s.pid' "$DIR" "$1"; }

# A process's start time (clock ticks since boot): with the PID it names one process, even after a PID is reused.
started_at() {
  local stat fields
  stat=$(<"/proc/$1/stat") || return 1
  read -r -a fields <<<"${stat##*) }" # after "PID (COMM) ": field 3 onwards
  echo "${fields[19]}"
}

# The PID of a service this script started, if that very process still runs (a PID file survives a reboot or a
# kill of everything; its PID may belong to another process by then).
running_pid() {
  local f pid start
  f=$(pid_file "$1")
  [ -s "$f" ] || return 1
  read -r pid start <"$f" || true
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  [ "$(started_at "$pid" 2>/dev/null)" = "$start" ] || return 1
  printf '%s' "$pid"
}

port_open() { (exec 3<>"/dev/tcp/${HOST}/$1") 2>/dev/null; }

wait_for() { # wait_for SECONDS WHAT COMMAND...
  local limit=$1 what=$2 start
  shift 2
  start=$(now)
  until "$@"; do
    if [ $(($(now) - start)) -ge "$limit" ]; then
      die "$what not ready after ${limit}s; logs in $DIR/log/"
    fi
    sleep 1
  done
}

secret() { # a generated password, kept 0600 in the state directory, never printed except by `env`
  local f="$DIR/secrets/$1"
  if [ ! -s "$f" ]; then
    (umask 077 && head -c 18 /dev/urandom | base64 | tr -d '/+=' >"$f")
  fi
  cat "$f"
}

# ---------------------------------------------------------------------------------------------------- install

packages_missing() {
  local p
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || return 0
  done
  return 1
}

install_packages() {
  packages_missing || return 0
  [ "$(id -u)" -eq 0 ] || die "installing the OpenStack packages needs root (apt-get)"
  log "installing ${#PACKAGES[@]} packages and their dependencies (once; a few minutes)"
  # The packages must not start their services (they would listen on all addresses with Debian's configuration):
  # a policy-rc.d that refuses, removed again unless someone else put one there.
  local own_policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    own_policy=1
  fi
  local p
  for p in keystone nova-common glance-common placement-common neutron-common; do
    echo "$p $p/dbconfig-install boolean false"
  done | debconf-set-selections
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  # nova-compute is not installed on purpose: it pulls qemu and libvirt; python3-nova has the compute service.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=600 --no-install-recommends \
    "${PACKAGES[@]}" >"$DIR/log/apt.log" 2>&1 || { tail -20 "$DIR/log/apt.log" >&2; die "apt-get install failed"; }
  [ -z "$own_policy" ] || rm -f /usr/sbin/policy-rc.d
  # Debian's packages started nothing, but a packaged epmd may be socket-activated on other machines: ours runs
  # on loopback only (ERL_EPMD_ADDRESS), started by rabbitmq-server below.
}

# ---------------------------------------------------------------------------------------------------- configure

authtoken() { # authtoken USER: the [keystone_authtoken]-style block for a service user
  cat <<EOF
www_authenticate_uri = http://${HOST}:5000/
auth_url = http://${HOST}:5000/
auth_type = password
project_domain_name = Default
user_domain_name = Default
project_name = service
username = $1
password = $(secret service)
region_name = ${REGION}
EOF
}

write_configs() {
  local d="$DIR"
  mkdir -p "$d"/{keystone,placement,glance,nova,neutron,lock,images,py}
  cat >"$d/keystone/keystone.conf" <<EOF
[DEFAULT]
log_file = $d/log/keystone.log
[database]
connection = sqlite:///$d/keystone.sqlite?timeout=30
[token]
provider = fernet
[fernet_tokens]
key_repository = $d/keystone/fernet-keys
[credential]
key_repository = $d/keystone/credential-keys
[oslo_concurrency]
lock_path = $d/lock
EOF
  cat >"$d/placement/placement.conf" <<EOF
[DEFAULT]
log_file = $d/log/placement.log
[placement_database]
connection = sqlite:///$d/placement.sqlite?timeout=30
[api]
auth_strategy = keystone
[keystone_authtoken]
$(authtoken placement)
EOF
  cat >"$d/glance/glance-api.conf" <<EOF
[DEFAULT]
bind_host = ${HOST}
bind_port = 9292
workers = 1
log_file = $d/log/glance.log
enabled_backends = fs:file
[database]
connection = sqlite:///$d/glance.sqlite?timeout=30
[glance_store]
default_backend = fs
[fs]
filesystem_store_datadir = $d/images/
[os_glance_staging_store]
filesystem_store_datadir = $d/images/staging/
[os_glance_tasks_store]
filesystem_store_datadir = $d/images/tasks/
[keystone_authtoken]
$(authtoken glance)
[paste_deploy]
flavor = keystone
config_file = /etc/glance/glance-api-paste.ini
[oslo_concurrency]
lock_path = $d/lock
EOF
  # The fake driver reports a host far larger than the tests need (1000 vCPUs, 800 GB); quotas are raised for the
  # benchmark's 100 machines; a test lowers them through the API and restores them.
  cat >"$d/nova/nova.conf" <<EOF
[DEFAULT]
transport_url = ${TRANSPORT_URL}
compute_driver = fake.FakeDriver
host = fakehost
my_ip = ${HOST}
enabled_apis = osapi_compute
osapi_compute_listen = ${HOST}
osapi_compute_workers = 1
state_path = $d/nova
instances_path = $d/nova/instances
[api]
auth_strategy = keystone
[wsgi]
api_paste_config = /etc/nova/api-paste.ini
[api_database]
connection = sqlite:///$d/nova_api.sqlite?timeout=30
[database]
# SQLite: wait up to 30 s for another process's write instead of failing with "database is locked" (busy machines)
connection = sqlite:///$d/nova.sqlite?timeout=30
[conductor]
workers = 1
[scheduler]
workers = 1
discover_hosts_in_cells_interval = 5
[quota]
instances = 500
cores = 1000
ram = 2048000
server_group_members = 500
[vnc]
enabled = false
[oslo_messaging_notifications]
driver = noop
[oslo_concurrency]
lock_path = $d/lock
[keystone_authtoken]
$(authtoken nova)
[placement]
$(authtoken placement)
[neutron]
$(authtoken neutron)
[glance]
region_name = ${REGION}
[cinder]
os_region_name = ${REGION}
EOF
  cat >"$d/neutron/neutron.conf" <<EOF
[DEFAULT]
core_plugin = ml2
service_plugins =
bind_host = ${HOST}
bind_port = 9696
auth_strategy = keystone
transport_url = ${TRANSPORT_URL}
api_workers = 1
rpc_workers = 0
rpc_state_report_workers = 0
notify_nova_on_port_status_changes = false
notify_nova_on_port_data_changes = false
state_path = $d/neutron
api_paste_config = /etc/neutron/api-paste.ini
[database]
connection = sqlite:///$d/neutron.sqlite?timeout=30
[quotas]
quota_port = 2000
quota_network = 100
quota_subnet = 100
quota_security_group = 200
quota_security_group_rule = 5000
[keystone_authtoken]
$(authtoken neutron)
[oslo_concurrency]
lock_path = $d/lock
[oslo_policy]
policy_file = $d/neutron/policy.yaml
[ml2]
type_drivers = flat
tenant_network_types =
mechanism_drivers = nkd_bind_all
extension_drivers = port_security
[ml2_type_flat]
flat_networks = ${PHYSNET}
[securitygroup]
firewall_driver = noop
EOF
  # Members of any project may choose a port's fixed IP on the shared test network (Neutron's default allows it only
  # to the network's owner): tests run nkd in projects of their own, as a cloud with one network per project would.
  cat >"$d/neutron/policy.yaml" <<'EOF'
"create_port:fixed_ips:ip_address": "rule:context_is_advsvc or rule:network_owner or rule:admin_only or rule:shared"
"update_port:fixed_ips:ip_address": "rule:context_is_advsvc or rule:network_owner or rule:admin_only or rule:shared"
EOF
  # A fake host has no virtual switch and no agent, so no real mechanism driver binds its ports and Nova would put
  # every server with a port in ERROR (binding_failed). This one-file driver binds every port on the flat network.
  mkdir -p "$d/py/nkd_bind_all-1.0.dist-info"
  cat >"$d/py/nkd_bind_all.py" <<'EOF'
"""ML2 mechanism driver for nkd's test OpenStack: binds every port (there is no virtual switch on a fake host)."""
from neutron_lib.api.definitions import portbindings
from neutron_lib.plugins.ml2 import api


class BindAllMechanismDriver(api.MechanismDriver):
    def initialize(self):
        pass

    @property
    def connectivity(self):
        return portbindings.CONNECTIVITY_L2

    def bind_port(self, context):
        for segment in context.segments_to_bind:
            context.set_binding(segment[api.ID], portbindings.VIF_TYPE_OTHER, {}, status='ACTIVE')
            return
EOF
  # SQLite and concurrent writers: a transaction that read first and then writes fails at once with "database is
  # locked" when another process committed meanwhile (a WAL snapshot cannot be upgraded; no busy timeout helps). Nova's
  # services (several processes writing the same cell database) start their transactions with BEGIN IMMEDIATE instead,
  # so they queue on the busy timeout. Loaded through PYTHONPATH by the services that set NKD_SQLITE_IMMEDIATE=1, and
  # installed when SQLAlchemy's engine module loads (not before: eventlet must patch threading first).
  cat >"$d/py/sitecustomize.py" <<'EOF'
"""nkd's test OpenStack: SQLite transactions BEGIN IMMEDIATE, so concurrent Nova services wait instead of failing."""
import os
import sys


def _install(engine):
    from sqlalchemy import event

    def begin(connection):
        # runs before oslo.db's own listener, which emits a plain BEGIN unless its marker is set
        if connection.dialect.name == "sqlite" and "in_transaction" not in connection.info:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
            connection.info["in_transaction"] = True

    event.listen(engine.Engine, "begin", begin)


class _AfterSqlalchemyEngine:
    def find_spec(self, name, path, target=None):
        if name != "sqlalchemy.engine":
            return None
        sys.meta_path.remove(self)
        import importlib.util
        spec = importlib.util.find_spec(name)
        load = spec.loader.exec_module

        def exec_module(module):
            load(module)
            _install(module)

        spec.loader.exec_module = exec_module
        return spec


if os.environ.get("NKD_SQLITE_IMMEDIATE") == "1":
    sys.meta_path.insert(0, _AfterSqlalchemyEngine())
EOF
  printf 'Metadata-Version: 2.1\nName: nkd-bind-all\nVersion: 1.0\n' >"$d/py/nkd_bind_all-1.0.dist-info/METADATA"
  printf '[neutron.ml2.mechanism_drivers]\nnkd_bind_all = nkd_bind_all:BindAllMechanismDriver\n' \
    >"$d/py/nkd_bind_all-1.0.dist-info/entry_points.txt"
}

# quiet COMMAND...: runs a setup command with its (verbose) output in log/setup.log, shown only when it fails.
quiet() {
  local log="$DIR/log/setup.log"
  printf '\n$ %s\n' "$*" >>"$log"
  "$@" >>"$log" 2>&1 || { tail -30 "$log" >&2; die "failed: $*"; }
}

wal() { sqlite3 "$1" 'PRAGMA journal_mode=WAL;' >/dev/null; }

# One-time database setup per service, each marked done by a file so a half-finished setup resumes.
sync_databases() {
  local d="$DIR" m="$DIR/done"
  mkdir -p "$m"
  if [ ! -e "$m/keystone-db" ]; then
    log "keystone: database, fernet and credential keys"
    local k=(keystone-manage --config-file "$d/keystone/keystone.conf")
    quiet "${k[@]}" db_sync
    quiet "${k[@]}" fernet_setup --keystone-user root --keystone-group root
    quiet "${k[@]}" credential_setup --keystone-user root --keystone-group root
    quiet "${k[@]}" bootstrap --bootstrap-password "$(secret admin)" \
      --bootstrap-admin-url "$KEYSTONE_URL/" --bootstrap-internal-url "$KEYSTONE_URL/" \
      --bootstrap-public-url "$KEYSTONE_URL/" --bootstrap-region-id "$REGION"
    wal "$d/keystone.sqlite"
    touch "$m/keystone-db"
  fi
  if [ ! -e "$m/placement-db" ]; then
    log "placement: database"
    quiet placement-manage --config-file "$d/placement/placement.conf" db sync
    wal "$d/placement.sqlite"
    touch "$m/placement-db"
  fi
  if [ ! -e "$m/glance-db" ]; then
    log "glance: database"
    quiet glance-manage --config-file "$d/glance/glance-api.conf" db_sync
    wal "$d/glance.sqlite"
    touch "$m/glance-db"
  fi
  if [ ! -e "$m/nova-db" ]; then
    log "nova: API, cell0 and cell1 databases"
    local n=(quiet nova-manage --config-file "$d/nova/nova.conf")
    "${n[@]}" api_db sync
    "${n[@]}" cell_v2 map_cell0 --database_connection "sqlite:///$d/nova_cell0.sqlite?timeout=30"
    nova-manage --config-file "$d/nova/nova.conf" cell_v2 list_cells 2>/dev/null | grep -q ' cell1 ' \
      || "${n[@]}" cell_v2 create_cell --name=cell1
    "${n[@]}" db sync
    # the cells' connections are read from the API database: they wait for a lock too (see [database])
    sqlite3 "$d/nova_api.sqlite" "update cell_mappings set database_connection = database_connection || '?timeout=30'
      where database_connection like 'sqlite:%' and database_connection not like '%?%';"
    local db
    for db in nova_api nova nova_cell0; do wal "$d/$db.sqlite"; done
    touch "$m/nova-db"
  fi
  if [ ! -e "$m/neutron-db" ]; then
    log "neutron: database (schema from the models: its migrations do not run on SQLite)"
    rm -f "$d/neutron.sqlite"
    quiet "$PY" - "sqlite:///$d/neutron.sqlite" <<'EOF'
import sys
import sqlalchemy
from neutron.db.migration.models import head
head.get_metadata().create_all(sqlalchemy.create_engine(sys.argv[1]))
EOF
    quiet neutron-db-manage --config-file "$d/neutron/neutron.conf" stamp heads
    wal "$d/neutron.sqlite"
    touch "$m/neutron-db"
  fi
}

# ---------------------------------------------------------------------------------------------------- start/stop

# spawn NAME PORT COMMAND...: starts COMMAND in its own session (so `down` can end its whole process group),
# logging to log/NAME.out, and records its PID.
spawn() {
  local name=$1
  shift
  # $DIR/py: the mechanism driver and sitecustomize.py (see write_configs)
  log "starting $name"
  # (fd 9 is the lock of this script: a service that inherited it would hold it for ever)
  PYTHONPATH="$DIR/py" setsid "$@" </dev/null >>"$DIR/log/$name.out" 2>&1 9>&- &
  echo "$! $(started_at $!)" >"$(pid_file "$name")"
}

start_rabbitmq() {
  if rabbit_ok; then return 0; fi
  log "starting rabbitmq"
  # Loopback only, a fixed node name (the machine's hostname may not resolve), and epmd on loopback too.
  # (Debian's wrapper runs it as the rabbitmq user through su, which keeps these variables.)
  rabbit_env setsid rabbitmq-server -detached </dev/null >>"$DIR/log/rabbitmq.out" 2>&1 9>&-
  wait_for 90 rabbitmq rabbit_ok
}

rabbit_env() {
  env RABBITMQ_NODE_IP_ADDRESS="$HOST" RABBITMQ_NODENAME=rabbit@localhost ERL_EPMD_ADDRESS="$HOST" \
    RABBITMQ_PID_FILE="$RABBIT_PID_FILE" "$@"
}

rabbit_ok() {
  port_open 5672 && rabbit_env rabbitmqctl -q -n rabbit@localhost status >/dev/null 2>&1
}

start_service() {
  local name=$1 d="$DIR"
  if running_pid "$name" >/dev/null; then return 0; fi
  case "$name" in
  keystone)
    spawn keystone env OS_KEYSTONE_CONFIG_FILES="$d/keystone/keystone.conf" uwsgi_python3 \
      --http-socket "$HOST:5000" --wsgi-file /usr/bin/keystone-wsgi-public --master --processes 2 --threads 1 \
      --lazy-apps --add-header "Connection: close" --die-on-term
    ;;
  placement)
    spawn placement env OS_PLACEMENT_CONFIG_DIR="$d/placement" uwsgi_python3 \
      --http-socket "$HOST:8778" --wsgi-file /usr/bin/placement-api --master --processes 1 --threads 1 \
      --lazy-apps --add-header "Connection: close" --die-on-term
    ;;
  glance) spawn glance glance-api --config-file "$d/glance/glance-api.conf" ;;
  nova-api) spawn nova-api env NKD_SQLITE_IMMEDIATE=1 nova-api --config-file "$d/nova/nova.conf" --log-file "$d/log/nova-api.log" ;;
  nova-conductor)
    spawn nova-conductor env NKD_SQLITE_IMMEDIATE=1 nova-conductor --config-file "$d/nova/nova.conf" --log-file "$d/log/nova-conductor.log"
    ;;
  nova-scheduler)
    spawn nova-scheduler env NKD_SQLITE_IMMEDIATE=1 nova-scheduler --config-file "$d/nova/nova.conf" --log-file "$d/log/nova-scheduler.log"
    ;;
  nova-compute)
    spawn nova-compute "$PY" -c \
      'import sys; from nova.cmd.compute import main; sys.argv[0] = "nova-compute"; sys.exit(main())' \
      --config-file "$d/nova/nova.conf" --log-file "$d/log/nova-compute.log"
    ;;
  neutron)
    spawn neutron neutron-server --config-file "$d/neutron/neutron.conf" \
      --log-file "$d/log/neutron.log"
    ;;
  *) die "unknown service $name" ;;
  esac
}

service_port() {
  case "$1" in
  keystone) echo 5000 ;; placement) echo 8778 ;; glance) echo 9292 ;; nova-api) echo 8774 ;; neutron) echo 9696 ;;
  *) echo "" ;;
  esac
}

await_service() {
  local name=$1 port
  port=$(service_port "$name")
  [ -n "$port" ] || return 0
  wait_for 120 "$name (port $port)" alive_and_listening "$name" "$port"
}

alive_and_listening() {
  running_pid "$1" >/dev/null || die "$1 exited; see $DIR/log/$1.out and $DIR/log/$1.log"
  port_open "$2"
}

# stop_group NAME SIGNAL: ends the service's process group, then anything of it still alive after 20 s.
stop_group() {
  local name=$1 sig=$2 pid i
  pid=$(running_pid "$name") || { rm -f "$(pid_file "$name")"; return 0; }
  log "stopping $name (pid $pid)"
  kill "-$sig" -- "-$pid" 2>/dev/null || kill "-$sig" "$pid" 2>/dev/null || true
  for i in $(seq 1 40); do
    kill -0 "$pid" 2>/dev/null || break
    [ "$i" -lt 40 ] || { log "$name did not stop: SIGKILL"; kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" || true; }
    sleep 0.5
  done
  # workers left in the group after the leader went
  kill -KILL -- "-$pid" 2>/dev/null || true
  rm -f "$(pid_file "$name")"
}

stop_rabbitmq() {
  local pid
  if rabbit_ok; then
    log "stopping rabbitmq"
    rabbit_env rabbitmqctl -q -n rabbit@localhost stop "$RABBIT_PID_FILE" >/dev/null 2>&1 || true
  fi
  # leftovers by PID, never by a name across the machine: the node's Erlang VM (its PID file), then epmd (the
  # rabbitmq user's process listening on 4369)
  if [ -s "$RABBIT_PID_FILE" ] && kill -0 "$(<"$RABBIT_PID_FILE")" 2>/dev/null; then
    log "rabbitmq node still running: SIGKILL"
    kill -KILL "$(<"$RABBIT_PID_FILE")" || true
  fi
  rm -f "$RABBIT_PID_FILE"
  if port_open 4369; then
    ERL_EPMD_ADDRESS="$HOST" epmd -kill >/dev/null 2>&1 || true
    sleep 1
    pid=$(pgrep -u rabbitmq -x epmd || true)
    [ -z "$pid" ] || kill -KILL "$pid" || true
  fi
}

# ---------------------------------------------------------------------------------------------------- bootstrap

# bootstrap_objects identity|resources: with Keystone alone, the service users, endpoints and the nkd project and
# user (the other services authenticate with them at start-up); once all run, flavors, image, network and quotas.
# Each object is created only when missing.
bootstrap_objects() {
  local mode=$1
  log "bootstrap ($mode): creating what is missing"
  dd if=/dev/zero of="$DIR/images/tiny.raw" bs=1M count=1 status=none
  NKD_ADMIN_PASSWORD="$(secret admin)" NKD_SERVICE_PASSWORD="$(secret service)" NKD_USER_PASSWORD="$(secret nkd)" \
    "$PY" - "$mode" "$KEYSTONE_URL" "$REGION" "$DIR/images/tiny.raw" "$NET_NAME" "$SUBNET_NAME" "$SUBNET_CIDR" \
    "$PHYSNET" "$IMAGE_NAME" "$PROJECT" "$USER_NAME" <<'EOF'
import os, sys, time
from keystoneauth1 import session
from keystoneauth1.identity import v3

mode, url, region, raw, net_name, subnet_name, cidr, physnet, image_name, project, user_name = sys.argv[1:]
admin = session.Session(auth=v3.Password(auth_url=url, username="admin", password=os.environ["NKD_ADMIN_PASSWORD"],
                                         project_name="admin", user_domain_id="default", project_domain_id="default"))
K = "http://127.0.0.1:5000/v3"

def get(path, key, base=K, **kw):
    return admin.get(base + path, **kw).json()[key]

def post(path, body, base=K, **kw):
    return admin.post(base + path, json=body, **kw).json()

def find(path, key, name, base=K):
    found = [o for o in get(path, key, base) if o.get("name") == name]
    return found[0] if found else None

def ensure(path, key, name, body, base=K):
    o = find(path, key, name, base)
    if o:
        return o
    single = key[:-1] if key.endswith("s") else key
    if key == "policies":
        single = "policy"
    return post(path, {single: body}, base)[single]

# Keystone: a service project, one service user per service (roles admin and service), services and endpoints.
roles = {r["name"]: r["id"] for r in get("/roles", "roles")}
if "service" not in roles:
    roles["service"] = post("/roles", {"role": {"name": "service"}})["role"]["id"]
service_project = ensure("/projects", "projects", "service", {"name": "service", "domain_id": "default"})
for svc in ("nova", "glance", "placement", "neutron"):
    u = ensure("/users", "users", svc, {"name": svc, "domain_id": "default", "password": os.environ["NKD_SERVICE_PASSWORD"]})
    for role in ("admin", "service"):
        admin.put(K + "/projects/%s/users/%s/roles/%s" % (service_project["id"], u["id"], roles[role]))
catalog = {"compute": ("nova", "http://127.0.0.1:8774/v2.1"), "image": ("glance", "http://127.0.0.1:9292"),
           "placement": ("placement", "http://127.0.0.1:8778"), "network": ("neutron", "http://127.0.0.1:9696")}
services = get("/services", "services")
endpoints = get("/endpoints", "endpoints")
for stype, (name, ep_url) in catalog.items():
    s = next((s for s in services if s["type"] == stype), None)
    if s is None:
        s = post("/services", {"service": {"type": stype, "name": name}})["service"]
    have = {e["interface"] for e in endpoints if e["service_id"] == s["id"]}
    for interface in ("public", "internal", "admin"):
        if interface not in have:
            post("/endpoints", {"endpoint": {"service_id": s["id"], "interface": interface, "url": ep_url, "region_id": region}})

# The nkd project and its non-admin user (role member).
p = ensure("/projects", "projects", project, {"name": project, "domain_id": "default"})
u = ensure("/users", "users", user_name, {"name": user_name, "domain_id": "default", "default_project_id": p["id"],
                                          "password": os.environ["NKD_USER_PASSWORD"]})
admin.put(K + "/projects/%s/users/%s/roles/%s" % (p["id"], u["id"], roles["member"]))
if mode == "identity":
    sys.exit(0)

# A new token now that the catalog has the other services.
admin.invalidate()
def wait_up(base):
    for _ in range(120):
        try:
            admin.get(base, authenticated=True, raise_exc=False)
            return
        except Exception:
            time.sleep(1)
    raise SystemExit("not answering: " + base)

N = "http://127.0.0.1:8774/v2.1"
G = "http://127.0.0.1:9292/v2"
Q = "http://127.0.0.1:9696/v2.0"
for base in (N, G, Q):
    wait_up(base)

# Flavors that fit the fake host.
flavors = {f["name"] for f in get("/flavors", "flavors", N)}
for name, ram, vcpus, disk in (("m1.tiny", 512, 1, 1), ("m1.small", 2048, 1, 20), ("m1.medium", 4096, 2, 40)):
    if name not in flavors:
        post("/flavors", {"flavor": {"name": name, "ram": ram, "vcpus": vcpus, "disk": disk}}, N)

# A tiny raw image, public.
images = get("/images?name=" + image_name, "images", G)
if not images or images[0]["status"] != "active":
    for i in images:
        admin.delete(G + "/images/" + i["id"])
    img = admin.post(G + "/images", json={"name": image_name, "disk_format": "raw", "container_format": "bare",
                                          "visibility": "public"}).json()
    with open(raw, "rb") as f:
        admin.put(G + "/images/%s/file" % img["id"], data=f.read(), headers={"Content-Type": "application/octet-stream"})

# A shared flat provider network; fixed IPs come from the subnet (the allocation pool leaves 10.99.0.0/17 to tests
# that pick addresses themselves).
# A fresh neutron-server answers the first GET /v2.0/ports with 500; any other query first avoids it.
nets = get("/networks?name=" + net_name, "networks", Q)
net = nets[0] if nets else post("/networks", {"network": {"name": net_name, "shared": True,
        "provider:network_type": "flat", "provider:physical_network": physnet}}, Q)["network"]
admin.get(Q + "/ports?limit=1")
if not get("/subnets?name=%s&network_id=%s" % (subnet_name, net["id"]), "subnets", Q):
    post("/subnets", {"subnet": {"name": subnet_name, "network_id": net["id"], "ip_version": 4, "cidr": cidr,
                                 "gateway_ip": "10.99.0.1", "enable_dhcp": False,
                                 "allocation_pools": [{"start": "10.99.128.2", "end": "10.99.255.254"}]}}, Q)

# Quotas for the nkd project (tests lower them through the API and restore them).
admin.put(N + "/os-quota-sets/" + p["id"], json={"quota_set": {"instances": 500, "cores": 1000, "ram": 2048000,
                                                               "server_groups": 50, "server_group_members": 500}})
admin.put(Q + "/quotas/" + p["id"], json={"quota": {"port": 2000, "security_group": 200, "security_group_rule": 5000}})
EOF
}

host_mapped() {
  local s
  for s in "${SERVICES[@]}"; do
    running_pid "$s" >/dev/null || die "$s exited; see $DIR/log/$s.log and $DIR/log/$s.out"
  done
  [ "$(sqlite3 "$DIR/nova_api.sqlite" 'select count(*) from host_mappings;' 2>/dev/null)" -gt 0 ] 2>/dev/null
}

# The scheduler only places servers on a compute service whose heartbeat is fresh. On a restart of a stack that
# ran before, the host mapping exists at once while the old heartbeat is stale until the new nova-compute has
# connected to the conductor (20-40 s): a server booted then fails with "No valid host". Wait for a heartbeat
# written after nova-compute was (re)started.
compute_reported() {
  local since=$1
  [ "$(sqlite3 "$DIR/nova.sqlite" "select count(*) from services where binary = 'nova-compute' and deleted = 0
        and updated_at >= '$since';" 2>/dev/null)" -gt 0 ] 2>/dev/null
}

# Boots one server with a port on the test network as nkd's user, waits for ACTIVE, deletes it and its port.
smoke_boot() {
  NKD_USER_PASSWORD="$(secret nkd)" "$PY" - "$KEYSTONE_URL" "$PROJECT" "$USER_NAME" "$NET_NAME" "$IMAGE_NAME" <<'EOF'
import os, sys, time
from keystoneauth1 import session
from keystoneauth1.identity import v3
url, project, user, net_name, image_name = sys.argv[1:]
s = session.Session(auth=v3.Password(auth_url=url, username=user, password=os.environ["NKD_USER_PASSWORD"],
                                     project_name=project, user_domain_id="default", project_domain_id="default"))
N, G, Q = "http://127.0.0.1:8774/v2.1", "http://127.0.0.1:9292/v2", "http://127.0.0.1:9696/v2.0"
net = s.get(Q + "/networks?name=" + net_name).json()["networks"][0]
image = s.get(G + "/images?name=" + image_name).json()["images"][0]
flavor = [f for f in s.get(N + "/flavors").json()["flavors"] if f["name"] == "m1.tiny"][0]
port = s.post(Q + "/ports", json={"port": {"network_id": net["id"], "name": "openstack-sh-smoke"}}).json()["port"]
server = s.post(N + "/servers", json={"server": {"name": "openstack-sh-smoke", "imageRef": image["id"],
                "flavorRef": flavor["id"], "networks": [{"port": port["id"]}]}}).json()["server"]
status, t0 = "BUILD", time.time()
try:
    while time.time() - t0 < 120:
        status = s.get(N + "/servers/" + server["id"]).json()["server"]["status"]
        if status in ("ACTIVE", "ERROR"):
            break
        time.sleep(1)
    if status != "ACTIVE":
        fault = s.get(N + "/servers/" + server["id"]).json()["server"].get("fault", {})
        raise SystemExit("smoke server is %s: %s" % (status, fault.get("message", "")))
finally:
    s.delete(N + "/servers/" + server["id"])
    for _ in range(60):
        if s.get(N + "/servers/" + server["id"], raise_exc=False).status_code == 404:
            break
        time.sleep(1)
    s.delete(Q + "/ports/" + port["id"], raise_exc=False)
print("%.1f" % (time.time() - t0))
EOF
}

keystone_ok() {
  curl -sf -o /dev/null --max-time 5 "$KEYSTONE_URL/" 2>/dev/null
}

all_running() {
  local s
  rabbit_ok || return 1
  for s in "${SERVICES[@]}"; do running_pid "$s" >/dev/null || return 1; done
  [ -e "$DIR/done/bootstrap" ] && keystone_ok
}

# ---------------------------------------------------------------------------------------------------- commands

cmd_up() {
  local t0 t1 t2 t3 s boot compute_since
  t0=$(now)
  mkdir -p "$DIR"/{log,run,secrets}
  chmod 700 "$DIR/secrets"
  exec 9>"$DIR/run/lock"
  flock -w 900 9 || die "another openstack.sh holds $DIR/run/lock"
  if all_running; then
    log "already running (checked in $(($(now) - t0))s)"
    return 0
  fi
  install_packages
  t1=$(now)
  write_configs
  sync_databases
  t2=$(now)
  start_rabbitmq
  # Keystone first, with the users the other services authenticate as; then the others together.
  start_service keystone
  await_service keystone
  if [ ! -e "$DIR/done/identity" ]; then
    wait_for 60 "keystone tokens" keystone_ok
    bootstrap_objects identity
    touch "$DIR/done/identity"
  fi
  compute_since=$(date -u '+%F %T')
  for s in "${SERVICES[@]}"; do start_service "$s"; done
  for s in "${SERVICES[@]}"; do await_service "$s"; done
  if [ ! -e "$DIR/done/bootstrap" ]; then
    bootstrap_objects resources
    touch "$DIR/done/bootstrap"
  fi
  wait_for 180 "nova host mapping of fakehost" host_mapped
  wait_for 180 "a heartbeat of nova-compute" compute_reported "$compute_since"
  t3=$(now)
  # One retry: a scheduler that has just started may not have seen the compute node's first report yet.
  boot=$(smoke_boot) || { log "test server failed once; retrying in 15s"; sleep 15; boot=$(smoke_boot); } ||
    die "a test server did not boot; logs in $DIR/log/"
  log "ready: install $((t1 - t0))s, configure $((t2 - t1))s, start $((t3 - t2))s, test boot ${boot}s; total $(($(now) - t0))s"
  log "use: eval \"\$($0 env)\""
}

cmd_down() {
  local i
  [ -d "$DIR/run" ] || return 0
  exec 9>"$DIR/run/lock"
  flock -w 300 9 || die "another openstack.sh holds $DIR/run/lock"
  for ((i = ${#SERVICES[@]} - 1; i >= 0; i--)); do
    case "${SERVICES[$i]}" in
    keystone | placement) stop_group "${SERVICES[$i]}" INT ;; # uwsgi reloads on SIGTERM without --die-on-term
    *) stop_group "${SERVICES[$i]}" TERM ;;
    esac
  done
  stop_rabbitmq
  log "stopped"
}

cmd_env() {
  [ -s "$DIR/secrets/nkd" ] || die "not set up: run $0 up"
  keystone_ok || die "Keystone does not answer on $KEYSTONE_URL: run $0 up"
  local v
  for v in \
    "OS_AUTH_URL=$KEYSTONE_URL" "OS_USERNAME=$USER_NAME" "OS_PASSWORD=$(secret nkd)" "OS_PROJECT_NAME=$PROJECT" \
    "OS_USER_DOMAIN_NAME=Default" "OS_PROJECT_DOMAIN_NAME=Default" "OS_REGION_NAME=$REGION" \
    "OS_IDENTITY_API_VERSION=3" "OS_INTERFACE=public" \
    "NKD_OS_ADMIN_USERNAME=admin" "NKD_OS_ADMIN_PASSWORD=$(secret admin)" "NKD_OS_ADMIN_PROJECT_NAME=admin" \
    "NKD_OS_NETWORK=$NET_NAME" "NKD_OS_SUBNET=$SUBNET_NAME" "NKD_OS_SUBNET_CIDR=$SUBNET_CIDR" \
    "NKD_OS_FIXED_IP_RANGE=10.99.0.2-10.99.127.254" "NKD_OS_IMAGE=$IMAGE_NAME" "NKD_OS_FLAVOR=m1.tiny" \
    "NKD_OS_FLAVOR_SMALL=m1.small"; do
    printf 'export %s=%q\n' "${v%%=*}" "${v#*=}"
  done
}

cmd_status() {
  local s pid rss total=0 state=0
  if rabbit_ok; then echo "rabbitmq        running"; else echo "rabbitmq        stopped"; state=1; fi
  for s in "${SERVICES[@]}"; do
    if pid=$(running_pid "$s"); then
      rss=$(ps -o rss= --sid "$pid" 2>/dev/null | awk '{t += $1} END {print t + 0}')
      total=$((total + rss))
      printf '%-15s running  pid %-7s %6d MiB\n' "$s" "$pid" $((rss / 1024))
    else
      printf '%-15s stopped\n' "$s"
      state=1
    fi
  done
  rss=$(ps -o rss= -u rabbitmq 2>/dev/null | awk '{t += $1} END {print t + 0}')
  total=$((total + rss))
  printf 'memory: %d MiB (rabbitmq %d MiB)\n' $((total / 1024)) $((rss / 1024))
  return "$state"
}

case "${1:-}" in
up) cmd_up ;;
down) cmd_down ;;
env) cmd_env ;;
status) cmd_status ;;
*)
  echo "usage: $0 up|down|env|status" >&2
  exit 2
  ;;
esac
