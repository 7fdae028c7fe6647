package io.nkd.infra.openstack;

import com.fasterxml.jackson.databind.JsonNode;
import io.nkd.config.Infrastructure;
import io.nkd.infra.MachineMetadata;
import io.nkd.infra.MachineRequest;
import io.nkd.infra.OwnedResource;
import io.nkd.infra.Provider;
import io.nkd.infra.ProviderException;
import io.nkd.infra.ProvisionedMachine;
import io.nkd.secrets.SecretResolver;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;
import org.openstack4j.api.Builders;
import org.openstack4j.api.OSClient;
import org.openstack4j.api.exceptions.ResponseException;
import org.openstack4j.model.common.ActionResponse;
import org.openstack4j.model.compute.BDMDestType;
import org.openstack4j.model.compute.BDMSourceType;
import org.openstack4j.model.compute.Server;
import org.openstack4j.model.compute.ServerGroup;
import org.openstack4j.model.compute.builder.ServerCreateBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Machines on OpenStack: a Nova server per node, booted from the cluster's image and the pool's flavor (or from a new
 * volume), on a port nkd creates on the cluster's network (with the node's fixed IP when Git gives one), in the
 * cluster's security group, the control plane in an anti-affinity server group, optionally with a floating IP.
 * The server's {@code user_data} is the node's pointer config.
 *
 * <p><b>What exists is read from OpenStack, never remembered.</b> Servers carry {@link MachineMetadata} (keys spelled
 * for Nova, see {@link Marks}); ports, security groups and floating IPs carry nkd's marker in their description; the
 * server group is found by its name, {@code nkd-<cluster>-control-plane}. Boot volumes are made by Nova and deleted
 * with their server ({@code delete_on_termination}). A restarted nkd therefore finds every object, and
 * {@link #owned}/{@link #destroy} touch nothing without nkd's marker for the cluster.
 *
 * <p><b>Failures.</b> A create that fails (Nova's quota, a fixed IP in use, a server that goes to ERROR such as "No
 * valid host was found") removes the port and floating IP it made for the node, and the server, before it throws, so
 * nothing is left behind; the exception carries OpenStack's own message. A create interrupted by a crash leaves a
 * marked port (reused by the next create) or a marked server (returned by the next create).
 *
 * <p>Nova and Glance are spoken through openstack4j; Neutron through {@link Neutron}, because openstack4j's port and
 * floating-IP models cannot carry a description. Keystone sign-in is nkd's own ({@link Keystone}): openstack4j 3.12
 * knows no application credentials. Credentials are read when signing in, never logged.
 */
public final class OpenStackProvider implements Provider {
    private static final Logger LOG = LoggerFactory.getLogger(OpenStackProvider.class);
    private static final java.util.regex.Pattern UUID =
            java.util.regex.Pattern.compile("[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}");

    /**
     * How long nkd waits on OpenStack.
     *
     * @param settle     how long {@link #create} waits for a new server to leave BUILD, so that an ERROR (no valid host)
     *                   is cleaned up and reported by the create itself; a server still building then is returned as
     *                   BUILDING (an ERROR later shows in {@link #list} as FAILED with Nova's fault). Zero: no wait.
     * @param deleteWait how long a delete waits for Nova to remove a server before removing its port
     * @param poll       the interval of those waits
     */
    public record Options(Duration settle, Duration deleteWait, Duration poll) {
        public static final Options DEFAULT = new Options(Duration.ofSeconds(60), Duration.ofSeconds(180), Duration.ofSeconds(1));
    }

    private final Infrastructure.OpenStack settings;
    private final Keystone keystone;
    private final Neutron neutron;
    private final Options options;
    private final Clock clock;
    private final AtomicLong novaCalls = new AtomicLong();
    /** IDs of what cluster.yaml names (network, image, flavors): they do not change under a name in practice. */
    private final Map<String, String> ids = new ConcurrentHashMap<>();

    /**
     * A provider for one cluster's {@code spec.infrastructure.openstack}.
     *
     * @param access read at each Keystone sign-in (a rotated secret takes effect with the next token)
     */
    public OpenStackProvider(Infrastructure.OpenStack settings, Supplier<CloudAccess> access, Options options, Clock clock) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.options = options;
        this.clock = clock;
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(15)).build();
        this.keystone = new Keystone(access, http, clock);
        this.neutron = new Neutron(keystone, http);
    }

    public OpenStackProvider(Infrastructure.OpenStack settings, CloudAccess access) {
        this(settings, () -> access, Options.DEFAULT, Clock.systemUTC());
    }

    /**
     * The provider nkd's daemon uses: credentials from the cluster's secret (resolved by {@code secrets}) or from
     * clouds.yaml (found through {@code env}'s OS_CLIENT_CONFIG_FILE or HOME, or in the working directory).
     */
    public static OpenStackProvider of(Infrastructure.OpenStack settings, SecretResolver secrets, Map<String, String> env) {
        if (settings == null) {
            throw new ProviderException(ProviderException.Kind.NOT_FOUND, "spec.infrastructure.openstack is missing: provider"
                    + " openstack needs its network, bootImage and credentials or cloud", null);
        }
        Path cwd = Path.of("").toAbsolutePath();
        return new OpenStackProvider(settings, () -> CloudAccess.resolve(settings, secrets, env, cwd), Options.DEFAULT,
                Clock.systemUTC());
    }

    @Override
    public Infrastructure.ProviderType type() {
        return Infrastructure.ProviderType.OPENSTACK;
    }

    /** OpenStack API calls this provider made: Keystone sign-ins, Nova and Glance (openstack4j) and Neutron. */
    public long apiCalls() {
        return keystone.signIns() + novaCalls.get() + neutron.calls();
    }

    // ------------------------------------------------------------------------------------------------ list

    @Override
    public List<ProvisionedMachine> list(String cluster) {
        List<ProvisionedMachine> out = new ArrayList<>();
        for (Server s : servers(cluster)) {
            machine(s, cluster).ifPresent(out::add);
        }
        out.sort(Comparator.comparing(ProvisionedMachine::name));
        return out;
    }

    /** The cluster's servers (nkd's marker), detailed. */
    private List<Server> servers(String cluster) {
        List<? extends Server> all = nova("listing servers of cluster " + cluster, c -> c.compute().servers().list(true));
        List<Server> mine = new ArrayList<>();
        for (Server s : all) {
            if (MachineMetadata.owns(Marks.fromNova(s.getMetadata()), cluster)) {
                mine.add(s);
            }
        }
        return mine;
    }

    private Optional<ProvisionedMachine> machine(Server s, String cluster) {
        Map<String, String> md = Marks.fromNova(s.getMetadata());
        ProvisionedMachine.State state = state(s);
        String message = message(s, state);
        return MachineMetadata.machine(md, cluster, state, address(s, md), message);
    }

    /** Nova's status in the SPI's words; see docs/providers.md for the table. */
    static ProvisionedMachine.State state(Server s) {
        if ("deleting".equals(s.getTaskState())) {
            return ProvisionedMachine.State.DELETING;
        }
        Server.Status status = s.getStatus();
        if (status == null) {
            return ProvisionedMachine.State.BUILDING;
        }
        return switch (status) {
            case BUILD, REBUILD -> ProvisionedMachine.State.BUILDING;
            case ACTIVE, REBOOT, HARD_REBOOT, PASSWORD, RESIZE, VERIFY_RESIZE, REVERT_RESIZE, MIGRATING -> ProvisionedMachine.State.ACTIVE;
            case DELETED -> ProvisionedMachine.State.DELETING;
            case UNRECOGNIZED, UNKNOWN -> "soft-delete".equals(s.getVmState()) || "deleted".equals(s.getVmState())
                    ? ProvisionedMachine.State.DELETING : ProvisionedMachine.State.FAILED;
            default -> ProvisionedMachine.State.FAILED; // ERROR, and SHUTOFF, PAUSED, SHELVED… (not running)
        };
    }

    private static String message(Server s, ProvisionedMachine.State state) {
        if (state != ProvisionedMachine.State.FAILED) {
            return null;
        }
        if (s.getStatus() == Server.Status.ERROR) {
            return s.getFault() != null && s.getFault().getMessage() != null ? s.getFault().getMessage()
                    : "Nova status ERROR (Nova recorded no fault)";
        }
        return "Nova status " + (s.getStatus() == null ? "unknown" : s.getStatus().value())
                + (s.getVmState() == null ? "" : " (vm_state " + s.getVmState() + ")") + ": the server is not running; nkd did not stop it";
    }

    private static String address(Server s, Map<String, String> md) {
        if (s.getAddresses() != null && s.getAddresses().getAddresses() != null) {
            for (var list : s.getAddresses().getAddresses().values()) {
                for (var a : list) {
                    if (a.getAddr() != null && !"floating".equals(a.getType())) {
                        return a.getAddr();
                    }
                }
            }
        }
        String ip = md.get(MachineMetadata.IP);
        return ip == null || ip.isEmpty() ? null : ip;
    }

    // ------------------------------------------------------------------------------------------------ create

    @Override
    public ProvisionedMachine create(MachineRequest r) {
        String node = r.name();
        String userData = UserData.encode(r.userData(), node); // refused before anything is made
        Optional<Server> existing = findServer(r.cluster(), node);
        if (existing.isPresent()) {
            return machine(existing.get(), r.cluster()).orElseThrow();
        }
        String flavor = flavor(r);
        String image = image();
        String network = network(settings.network(), "spec.infrastructure.openstack.network");
        String securityGroup = ensureSecurityGroup(r.cluster());
        String serverGroup = r.controlPlane() && settings.controlPlanePolicy() != Infrastructure.ServerGroupPolicy.NONE
                ? ensureServerGroup(r.cluster()) : null;
        String port = ensurePort(r, network, securityGroup);
        String server = null;
        try {
            if (settings.floatingIPNetwork() != null) {
                ensureFloatingIp(r.cluster(), node, port);
            }
            ServerCreateBuilder b = Builders.server()
                    .name(node)
                    .flavor(flavor)
                    .addNetworkPort(port)
                    .userData(userData)
                    .addMetadata(Marks.toNova(MachineMetadata.of(r, clock.instant())));
            if (settings.bootVolumeGiB() != null) {
                b.blockDevice(Builders.blockDeviceMapping().uuid(image).sourceType(BDMSourceType.IMAGE)
                        .destinationType(BDMDestType.VOLUME).volumeSize(settings.bootVolumeGiB()).bootIndex(0)
                        .deleteOnTermination(true).build());
            } else {
                b.image(image);
            }
            if (serverGroup != null) {
                b.addSchedulerHint("group", serverGroup);
            }
            if (settings.availabilityZone() != null) {
                b.availabilityZone(settings.availabilityZone());
            }
            Server booted = novaCreate("creating server " + node, c -> c.compute().servers().boot(b.build()));
            if (booted == null || booted.getId() == null) {
                throw new ProviderException(ProviderException.Kind.SERVER_ERROR, "Nova accepted server " + node
                        + " but returned no server ID", null);
            }
            server = booted.getId();
            LOG.info("openstack server created cluster={} node={} server={} port={}", r.cluster(), node, server, port);
            Server settled = settle(server, node);
            if (settled != null && settled.getStatus() == Server.Status.ERROR) {
                String fault = message(settled, ProvisionedMachine.State.FAILED);
                throw new ProviderException(Failures.kind(settled.getFault() == null ? 500 : settled.getFault().getCode(), fault),
                        "server " + node + " went to ERROR: " + fault, fault);
            }
            Server shown = settled != null ? settled : booted;
            return machine(shown, r.cluster()).orElseGet(() -> new ProvisionedMachine(r.cluster(), r.pool(), node,
                    ProvisionedMachine.State.BUILDING, r.revision(), null, null, r.configVersion(), r.spec(), clock.instant(), r.ip()));
        } catch (RuntimeException e) {
            undo(r.cluster(), node, server, e);
            throw e;
        }
    }

    /** Removes what a failed create made for the node (server, floating IP, port), keeping the create's error. */
    private void undo(String cluster, String node, String server, RuntimeException cause) {
        try {
            if (server != null) {
                deleteServer(server, node);
                awaitGone(List.of(server));
            }
            deleteNodeNetwork(cluster, node);
            LOG.info("openstack create of node {} failed; removed what it made cluster={} node={}", node, cluster, node);
        } catch (RuntimeException e) {
            cause.addSuppressed(e);
            LOG.warn("openstack create of node {} failed and its cleanup failed too cluster={}: {} (nkd removes the rest on its"
                    + " next delete or destroy)", node, cluster, e.getMessage());
        }
    }

    /** The cluster's server for a node, if any; a server of that name nkd did not make for the cluster is a conflict. */
    private Optional<Server> findServer(String cluster, String node) {
        List<? extends Server> named = nova("looking up server " + node,
                c -> c.compute().servers().list(Map.of("name", "^" + node + "$")));
        Server mine = null;
        boolean foreign = false;
        for (Server s : named) {
            if (!node.equals(s.getName())) {
                continue;
            }
            Map<String, String> md = Marks.fromNova(s.getMetadata());
            if (MachineMetadata.owns(md, cluster) && node.equals(md.get(MachineMetadata.NODE))) {
                mine = mine == null ? s : mine;
            } else {
                foreign = true;
            }
        }
        if (mine == null && foreign) {
            throw new ProviderException(ProviderException.Kind.CONFLICT, "a server named " + node + " exists in the project but nkd"
                    + " did not create it for cluster " + cluster + " (no nkd.io:managed/nkd.io:cluster metadata); rename or delete"
                    + " it, nkd never adopts servers", null);
        }
        return Optional.ofNullable(mine);
    }

    /** Waits until the server leaves BUILD, at most {@link Options#settle}; null when there is no wait. */
    private Server settle(String id, String node) {
        if (options.settle().isZero()) {
            return null;
        }
        Instant end = clock.instant().plus(options.settle());
        Server s;
        do {
            sleep(options.poll());
            s = nova("watching server " + node, c -> c.compute().servers().get(id));
        } while (s != null && s.getStatus() == Server.Status.BUILD && clock.instant().isBefore(end));
        return s;
    }

    private String flavor(MachineRequest r) {
        String name = r.size() == null ? null : r.size().flavor();
        if (name == null || name.isBlank()) {
            throw new ProviderException(ProviderException.Kind.NOT_FOUND, "pool " + r.pool() + " has no flavor: OpenStack servers"
                    + " need spec.pools[].machine.flavor", null);
        }
        return ids.computeIfAbsent("flavor:" + name, k -> {
            var flavors = nova("looking up flavor " + name, c -> c.compute().flavors().list());
            List<String> match = flavors.stream().filter(f -> name.equals(f.getId()) || name.equals(f.getName()))
                    .map(f -> f.getId()).distinct().toList();
            if (match.isEmpty()) {
                throw new ProviderException(ProviderException.Kind.NOT_FOUND, "flavor " + name + " of pool " + r.pool()
                        + " (spec.pools[].machine.flavor) does not exist in Nova; available: " + flavors.stream()
                        .map(f -> f.getName()).sorted().limit(20).toList(), null);
            }
            if (match.size() > 1) {
                throw new ProviderException(ProviderException.Kind.CONFLICT, "several flavors are named " + name
                        + "; write the flavor's ID in spec.pools[].machine.flavor", null);
            }
            return match.get(0);
        });
    }

    private String image() {
        String name = settings.bootImage();
        if (name == null || name.isBlank()) {
            throw new ProviderException(ProviderException.Kind.NOT_FOUND, "spec.infrastructure.openstack.bootImage is not set:"
                    + " name the Glance image (name or ID) the servers boot from", null);
        }
        return ids.computeIfAbsent("image:" + name, k -> {
            if (UUID.matcher(name).matches()) {
                var byId = nova("looking up image " + name, c -> c.imagesV2().get(name));
                if (byId != null) {
                    return byId.getId();
                }
            }
            var named = nova("looking up image " + name, c -> c.imagesV2().list(Map.of("name", name)));
            if (named.isEmpty()) {
                throw new ProviderException(ProviderException.Kind.NOT_FOUND, "spec.infrastructure.openstack.bootImage: Glance has"
                        + " no image named or with ID " + name + " visible to this project", null);
            }
            if (named.size() > 1) {
                throw new ProviderException(ProviderException.Kind.CONFLICT, "spec.infrastructure.openstack.bootImage: Glance has "
                        + named.size() + " images named " + name + "; write the image's ID", null);
            }
            return named.get(0).getId();
        });
    }

    /** A network's ID from its name or ID (networks of other projects too: shared and external networks). */
    private String network(String name, String field) {
        return ids.computeIfAbsent("network:" + name, k -> {
            if (UUID.matcher(name).matches()) {
                try {
                    return neutron.get("networks", name, "looking up network " + name).path("network").path("id").asText();
                } catch (ProviderException e) {
                    if (e.kind() != ProviderException.Kind.NOT_FOUND) {
                        throw e;
                    }
                }
            }
            List<JsonNode> named = neutron.list("networks", Map.of("name", name), false, "looking up network " + name);
            if (named.isEmpty()) {
                throw new ProviderException(ProviderException.Kind.NOT_FOUND, field + ": Neutron has no network named or with ID "
                        + name + " visible to this project", null);
            }
            if (named.size() > 1) {
                throw new ProviderException(ProviderException.Kind.CONFLICT, field + ": Neutron has " + named.size()
                        + " networks named " + name + "; write the network's ID", null);
            }
            return named.get(0).path("id").asText();
        });
    }

    /** The cluster's security group, made if missing, its ingress rules brought to what cluster.yaml says. */
    private String ensureSecurityGroup(String cluster) {
        String name = Marks.securityGroup(cluster);
        List<JsonNode> named = neutron.list("security-groups", Map.of("name", name), "looking up security group " + name);
        JsonNode group = named.stream().filter(g -> Marks.owns(g.path("description").asText(null), cluster)).findFirst().orElse(null);
        if (group == null && !named.isEmpty()) {
            throw new ProviderException(ProviderException.Kind.CONFLICT, "security group " + name + " exists but nkd did not create"
                    + " it (its description has no nkd marker for cluster " + cluster + "); rename or delete it", null);
        }
        if (group == null) {
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("name", name);
            fields.put("description", Marks.description(cluster, null));
            group = neutron.create("security-groups", "security_group", fields, "creating security group " + name);
            LOG.info("openstack security group created cluster={} group={}", cluster, group.path("id").asText());
        }
        String id = group.path("id").asText();
        Set<SecurityRules.Rule> want = new LinkedHashSet<>(SecurityRules.desired(settings));
        for (JsonNode rule : group.path("security_group_rules")) {
            SecurityRules.Rule have = SecurityRules.of(rule, id);
            if (have != null && !want.remove(have)) {
                neutron.delete("security-group-rules", rule.path("id").asText(), "removing rule " + have.describe() + " from " + name);
                LOG.info("openstack security group rule removed cluster={} group={} rule={}", cluster, id, have.describe());
            }
        }
        for (SecurityRules.Rule rule : want) {
            neutron.create("security-group-rules", "security_group_rule", rule.neutron(id), "adding rule " + rule.describe() + " to " + name);
        }
        return id;
    }

    private String ensureServerGroup(String cluster) {
        String name = Marks.serverGroup(cluster);
        String policy = settings.controlPlanePolicy().wire();
        List<? extends ServerGroup> groups = nova("listing server groups", c -> c.compute().serverGroups().list());
        for (ServerGroup g : groups) {
            if (name.equals(g.getName())) {
                if (g.getPolicies() != null && !g.getPolicies().contains(policy)) {
                    LOG.warn("openstack server group {} has policy {}, cluster.yaml asks for {}: Nova cannot change a group's"
                            + " policy; it applies to a new group after nkd destroy", name, g.getPolicies(), policy);
                }
                return g.getId();
            }
        }
        ServerGroup g = novaCreate("creating server group " + name, c -> c.compute().serverGroups().create(name, policy));
        LOG.info("openstack server group created cluster={} group={} policy={}", cluster, g.getId(), policy);
        return g.getId();
    }

    /** The node's port: one nkd made earlier and no server uses (a create interrupted by a crash), or a new one. */
    private String ensurePort(MachineRequest r, String network, String securityGroup) {
        String node = r.name();
        for (JsonNode p : neutron.list("ports", Map.of("name", node, "network_id", network), "looking up the port of " + node)) {
            String description = p.path("description").asText(null);
            if (Marks.owns(description, r.cluster()) && node.equals(Marks.node(description))) {
                String device = p.path("device_id").asText("");
                if (!device.isEmpty()) {
                    throw new ProviderException(ProviderException.Kind.CONFLICT, "port " + p.path("id").asText() + " of node " + node
                            + " is still attached to server " + device + "; nkd retries once Nova releases it", null);
                }
                LOG.info("openstack port reused cluster={} node={} port={}", r.cluster(), node, p.path("id").asText());
                return p.path("id").asText();
            }
        }
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("network_id", network);
        fields.put("name", node);
        fields.put("description", Marks.description(r.cluster(), node));
        List<String> groups = new ArrayList<>();
        groups.add(securityGroup);
        for (String extra : settings.securityGroups()) {
            groups.add(securityGroupId(extra));
        }
        fields.put("security_groups", groups);
        if (r.ip() != null) {
            fields.put("fixed_ips", List.of(Map.of("ip_address", r.ip())));
        }
        JsonNode port = neutron.create("ports", "port", fields, "creating the port of node " + node);
        return port.path("id").asText();
    }

    private String securityGroupId(String nameOrId) {
        return ids.computeIfAbsent("sg:" + nameOrId, k -> {
            List<JsonNode> found = neutron.list("security-groups", Map.of(UUID.matcher(nameOrId).matches() ? "id" : "name", nameOrId),
                    "looking up security group " + nameOrId);
            if (found.size() != 1) {
                throw new ProviderException(found.isEmpty() ? ProviderException.Kind.NOT_FOUND : ProviderException.Kind.CONFLICT,
                        "spec.infrastructure.openstack.securityGroups: " + (found.isEmpty() ? "no" : found.size())
                                + " security group(s) named or with ID " + nameOrId + " in the project", null);
            }
            return found.get(0).path("id").asText();
        });
    }

    private void ensureFloatingIp(String cluster, String node, String port) {
        String external = network(settings.floatingIPNetwork(), "spec.infrastructure.openstack.floatingIPNetwork");
        for (JsonNode fip : floatingIps()) {
            String description = fip.path("description").asText(null);
            if (Marks.owns(description, cluster) && node.equals(Marks.node(description))) {
                if (!port.equals(fip.path("port_id").asText(""))) {
                    Map<String, Object> fields = new LinkedHashMap<>();
                    fields.put("port_id", port);
                    neutron.update("floatingips", "floatingip", fip.path("id").asText(), fields, "attaching floating IP to " + node);
                }
                return;
            }
        }
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("floating_network_id", external);
        fields.put("port_id", port);
        fields.put("description", Marks.description(cluster, node));
        JsonNode fip = neutron.create("floatingips", "floatingip", fields, "allocating a floating IP for " + node);
        LOG.info("openstack floating IP allocated cluster={} node={} address={}", cluster, node, fip.path("floating_ip_address").asText());
    }

    /** The project's floating IPs; none when the cloud has no L3 service (the collection is then 404). */
    private List<JsonNode> floatingIps() {
        try {
            return neutron.list("floatingips", Map.of(), "listing floating IPs");
        } catch (ProviderException e) {
            if (e.kind() == ProviderException.Kind.NOT_FOUND) {
                return List.of();
            }
            throw e;
        }
    }

    // ------------------------------------------------------------------------------------------------ delete

    @Override
    public void delete(String cluster, String machine) {
        List<String> gone = new ArrayList<>();
        for (Server s : servers(cluster)) {
            if (machine.equals(Marks.fromNova(s.getMetadata()).get(MachineMetadata.NODE))) {
                deleteServer(s.getId(), machine);
                gone.add(s.getId());
            }
        }
        awaitGone(gone);
        deleteNodeNetwork(cluster, machine);
        LOG.info("openstack machine deleted cluster={} node={} servers={}", cluster, machine, gone.size());
    }

    private void deleteServer(String id, String node) {
        nova("deleting server " + node, c -> {
            ActionResponse r = c.compute().servers().delete(id);
            if (r != null && !r.isSuccess() && r.getCode() != 404) {
                throw Failures.of("deleting server " + node, r);
            }
            return r;
        });
    }

    /** Waits until Nova no longer shows the servers (their ports are released then), at most {@link Options#deleteWait}. */
    private void awaitGone(List<String> servers) {
        Instant end = clock.instant().plus(options.deleteWait());
        List<String> left = new ArrayList<>(servers);
        while (!left.isEmpty()) {
            left.removeIf(id -> {
                Server s = nova("watching server " + id + " being deleted", c -> c.compute().servers().get(id));
                return s == null || s.getStatus() == Server.Status.DELETED;
            });
            if (left.isEmpty()) {
                return;
            }
            if (!clock.instant().isBefore(end)) {
                throw new ProviderException(ProviderException.Kind.SERVER_ERROR, "Nova has not deleted server(s) " + left + " after "
                        + options.deleteWait().toSeconds() + " s; nkd removes their ports once they are gone (next reconcile)", null);
            }
            sleep(options.poll());
        }
    }

    /** The node's floating IPs and ports (nkd's marker for the cluster and node). */
    private void deleteNodeNetwork(String cluster, String node) {
        for (JsonNode fip : floatingIps()) {
            String d = fip.path("description").asText(null);
            if (Marks.owns(d, cluster) && node.equals(Marks.node(d))) {
                neutron.delete("floatingips", fip.path("id").asText(), "releasing the floating IP of " + node);
            }
        }
        for (JsonNode p : neutron.list("ports", Map.of("name", node), "looking up the port of " + node)) {
            String d = p.path("description").asText(null);
            if (Marks.owns(d, cluster) && node.equals(Marks.node(d))) {
                neutron.delete("ports", p.path("id").asText(), "deleting the port of " + node);
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ owned, destroy

    @Override
    public List<OwnedResource> owned(String cluster) {
        List<OwnedResource> out = new ArrayList<>();
        // security groups first: on a fresh Neutron the first port listing can fail (see docs/providers.md)
        List<JsonNode> groups = neutron.list("security-groups", Map.of("name", Marks.securityGroup(cluster)),
                "listing security groups of " + cluster).stream()
                .filter(g -> Marks.owns(g.path("description").asText(null), cluster)).toList();
        List<Server> servers = servers(cluster);
        servers.sort(Comparator.comparing(Server::getName));
        for (Server s : servers) {
            out.add(new OwnedResource("server", s.getName(), s.getId()));
        }
        for (Server s : servers) {
            List<String> volumes = s.getOsExtendedVolumesAttached();
            if (volumes != null) {
                volumes.forEach(v -> out.add(new OwnedResource("volume", "boot volume of " + s.getName(), v)));
            }
        }
        for (JsonNode fip : floatingIps()) {
            if (Marks.owns(fip.path("description").asText(null), cluster)) {
                out.add(new OwnedResource("floating-ip", fip.path("floating_ip_address").asText(), fip.path("id").asText()));
            }
        }
        neutron.list("ports", Map.of(), "listing ports of " + cluster).stream()
                .filter(p -> Marks.owns(p.path("description").asText(null), cluster))
                .sorted(Comparator.comparing(p -> p.path("name").asText()))
                .forEach(p -> out.add(new OwnedResource("port", p.path("name").asText(), p.path("id").asText())));
        String serverGroup = Marks.serverGroup(cluster);
        for (ServerGroup g : nova("listing server groups", c -> c.compute().serverGroups().list())) {
            if (serverGroup.equals(g.getName())) {
                out.add(new OwnedResource("server-group", g.getName(), g.getId()));
            }
        }
        groups.forEach(g -> out.add(new OwnedResource("security-group", g.path("name").asText(), g.path("id").asText())));
        return out;
    }

    @Override
    public List<OwnedResource> destroy(String cluster) {
        List<OwnedResource> all = owned(cluster);
        List<String> servers = new ArrayList<>();
        for (OwnedResource r : all) {
            if (r.kind().equals("server")) {
                deleteServer(r.id(), r.name());
                servers.add(r.id());
            }
        }
        awaitGone(servers); // their boot volumes go with them (delete_on_termination)
        for (OwnedResource r : all) {
            switch (r.kind()) {
                case "floating-ip" -> neutron.delete("floatingips", r.id(), "releasing floating IP " + r.name());
                case "port" -> neutron.delete("ports", r.id(), "deleting port " + r.name());
                default -> { }
            }
        }
        for (OwnedResource r : all) {
            if (r.kind().equals("server-group")) {
                nova("deleting server group " + r.name(), c -> {
                    ActionResponse a = c.compute().serverGroups().delete(r.id());
                    if (a != null && !a.isSuccess() && a.getCode() != 404) {
                        throw Failures.of("deleting server group " + r.name(), a);
                    }
                    return a;
                });
            } else if (r.kind().equals("security-group")) {
                neutron.delete("security-groups", r.id(), "deleting security group " + r.name());
            }
        }
        LOG.info("openstack cluster destroyed cluster={} objects={}", cluster, all.size());
        return all;
    }

    // ------------------------------------------------------------------------------------------------ plumbing

    /** Attempts of a call that is safe to repeat (a read, a delete) when OpenStack answers 5xx or cannot be reached. */
    static final int ATTEMPTS = 3;

    /**
     * One Nova or Glance call through openstack4j on this thread, its failure as a {@link ProviderException}. Reads and
     * deletes ({@code idempotent}) are tried again after a 5xx or a lost connection (a database briefly locked, an API
     * worker restarting behind a load balancer); a create never is, as it might have happened.
     */
    private <T> T call(String doing, boolean idempotent, Function<OSClient.OSClientV3, T> call) {
        for (int attempt = 1; ; attempt++) {
            OSClient.OSClientV3 client = keystone.client();
            novaCalls.incrementAndGet();
            try {
                return call.apply(client);
            } catch (RuntimeException e) {
                if (e instanceof ResponseException r && r.getStatus() == 401) {
                    keystone.invalidate();
                }
                ProviderException p = Failures.of(doing, e);
                if (!idempotent || attempt >= ATTEMPTS || !transientFailure(p)) {
                    throw p;
                }
                LOG.info("openstack call failed, trying again (attempt {} of {}) while {}: {}", attempt, ATTEMPTS, doing, p.getMessage());
                sleep(Duration.ofMillis(500L << attempt));
            }
        }
    }

    /** A read or a delete: repeated on transient failures. */
    private <T> T nova(String doing, Function<OSClient.OSClientV3, T> call) {
        return call(doing, true, call);
    }

    /** A create: never repeated. */
    private <T> T novaCreate(String doing, Function<OSClient.OSClientV3, T> call) {
        return call(doing, false, call);
    }

    static boolean transientFailure(ProviderException p) {
        return p.kind() == ProviderException.Kind.SERVER_ERROR || p.kind() == ProviderException.Kind.UNREACHABLE;
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProviderException(ProviderException.Kind.OTHER, "interrupted while waiting for OpenStack", null, e);
        }
    }
}
