package io.nkd.infra.openstack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.nkd.config.Infrastructure;
import io.nkd.config.NodePool;
import io.nkd.infra.MachineRequest;
import io.nkd.infra.OwnedResource;
import io.nkd.infra.ProviderException;
import io.nkd.infra.ProvisionedMachine;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;

/**
 * The OpenStack provider against the real single-node OpenStack of testenv/openstack.sh (Nova's fake driver, real
 * Keystone, Glance, Placement and Neutron): what a user sees in Nova and Neutron after each call.
 */
class OpenStackProviderLiveTest {

    @Test
    void createsMachinesWithMetadataPortsAndGroupsIdempotentlyFindsThemAfterARestartAndDestroysOnlyItsCluster() {
        TestCloud cloud = TestCloud.require();
        String cluster = TestCloud.clusterName("nkdt");
        String other = TestCloud.clusterName("nkdo");
        String project = "nkdt-" + cluster;
        String projectId = createProject(cloud, project, true);
        Infrastructure.OpenStack settings = cloud.settings(List.of("192.0.2.0/24"), null);
        OpenStackProvider provider = new OpenStackProvider(settings, () -> cloud.access(project), TestCloud.fast(), Clock.systemUTC());
        OpenStackProvider otherProvider = new OpenStackProvider(settings, () -> cloud.access(project), TestCloud.fast(), Clock.systemUTC());
        try {
            MachineRequest bystander = cloud.request(other, "workers", 1, NodePool.Role.WORKER, null, null);
            otherProvider.create(bystander);

            String fixedIp = "10.99." + ThreadLocalRandom.current().nextInt(1, 127) + "." + ThreadLocalRandom.current().nextInt(2, 250);
            MachineRequest cp = cloud.request(cluster, "control-plane", 1, NodePool.Role.CONTROL_PLANE, null, null);
            MachineRequest w1 = cloud.request(cluster, "workers", 1, NodePool.Role.WORKER, fixedIp, null);
            MachineRequest w2 = cloud.request(cluster, "workers", 2, NodePool.Role.WORKER, null, null);
            for (MachineRequest r : List.of(cp, w1, w2)) {
                ProvisionedMachine m = provider.create(r);
                assertEquals(r.name(), m.name());
                assertNotEquals(ProvisionedMachine.State.FAILED, m.state(), m::toString);
            }
            List<ProvisionedMachine> machines = awaitActive(provider, cluster, 3);
            assertEquals(List.of(cp.name(), w1.name(), w2.name()), names(machines));
            for (ProvisionedMachine m : machines) {
                assertEquals(cluster, m.cluster());
                assertEquals(cp.revision(), m.revision());
                assertEquals(cloud.env.get("NKD_OS_IMAGE"), m.spec().image());
                assertNotNull(m.createdAt());
            }
            assertEquals("control-plane", machines.get(0).pool());
            assertEquals("rendered-control-plane-abc123", machines.get(0).configVersion());
            assertEquals(fixedIp, machines.get(1).address());
            assertEquals(fixedIp, machines.get(1).spec().ip());

            // Nova: metadata and user_data as stored, read back as an admin
            List<JsonNode> servers = serversOf(cloud, cluster);
            assertEquals(3, servers.size());
            for (JsonNode s : servers) {
                JsonNode full = cloud.serverAsAdmin(s.path("id").asText());
                String node = full.path("name").asText();
                assertEquals("true", full.path("metadata").path("nkd.io:managed").asText());
                assertEquals(cluster, full.path("metadata").path("nkd.io:cluster").asText());
                assertEquals(node, full.path("metadata").path("nkd.io:node").asText());
                String userData = new String(Base64.getDecoder().decode(full.path("OS-EXT-SRV-ATTR:user_data").asText()), StandardCharsets.UTF_8);
                MachineRequest asked = List.of(cp, w1, w2).stream().filter(r -> r.name().equals(node)).findFirst().orElseThrow();
                assertEquals(asked.userData(), userData, "user_data of " + node + " read back from Nova");
            }

            // Neutron: one marked port per node (the fixed IP where asked), in the cluster's security group
            JsonNode group = securityGroup(cloud, cluster);
            assertNotNull(group, "security group nkd-" + cluster);
            List<JsonNode> ports = portsOf(cloud, cluster);
            assertEquals(Set.of(cp.name(), w1.name(), w2.name()), ports.stream().map(p -> p.path("name").asText()).collect(Collectors.toSet()));
            for (JsonNode p : ports) {
                assertTrue(p.path("security_groups").toString().contains(group.path("id").asText()), p::toString);
                assertFalse(p.path("device_id").asText().isEmpty(), "port bound to its server: " + p);
            }
            JsonNode w1Port = ports.stream().filter(p -> p.path("name").asText().equals(w1.name())).findFirst().orElseThrow();
            assertEquals(fixedIp, w1Port.path("fixed_ips").get(0).path("ip_address").asText());
            Set<String> sources = new java.util.TreeSet<>();
            group.path("security_group_rules").forEach(r -> {
                if (r.path("direction").asText().equals("ingress") && r.path("remote_ip_prefix").isTextual()) {
                    sources.add(r.path("remote_ip_prefix").asText() + " " + r.path("port_range_min").asText());
                }
            });
            assertEquals(Set.of("192.0.2.0/24 6443", "192.0.2.0/24 22"), sources);
            assertFalse(group.toString().contains("0.0.0.0/0") || group.toString().contains("\"::/0\""), group::toString);

            // Nova: the control plane in an anti-affinity server group
            JsonNode serverGroup = serverGroup(cloud, cluster);
            assertNotNull(serverGroup, "server group nkd-" + cluster + "-control-plane");
            assertTrue(serverGroup.path("policies").toString().contains("anti-affinity"), serverGroup::toString);
            String cpId = servers.stream().filter(s -> s.path("name").asText().equals(cp.name())).findFirst().orElseThrow().path("id").asText();
            assertTrue(serverGroup.path("members").toString().contains(cpId), serverGroup::toString);

            // idempotent: creating again returns the same machine and makes nothing new
            assertEquals(w2.name(), provider.create(w2).name());
            assertEquals(3, serversOf(cloud, cluster).size());
            assertEquals(3, portsOf(cloud, cluster).size());

            // a restarted nkd (a new provider) finds the same machines
            OpenStackProvider restarted = new OpenStackProvider(settings, () -> cloud.access(project), TestCloud.fast(), Clock.systemUTC());
            assertEquals(machines.stream().map(m -> m.name() + " " + m.state() + " " + m.address()).toList(),
                    restarted.list(cluster).stream().map(m -> m.name() + " " + m.state() + " " + m.address()).toList());
            assertEquals(List.of("server", "server", "server", "port", "port", "port", "server-group", "security-group"),
                    restarted.owned(cluster).stream().map(OwnedResource::kind).toList());

            // deleting a worker removes its server and port; deleting it again succeeds
            restarted.delete(cluster, w2.name());
            restarted.delete(cluster, w2.name());
            assertEquals(List.of(cp.name(), w1.name()), names(restarted.list(cluster)));
            assertEquals(2, portsOf(cloud, cluster).size());

            // destroy: nothing of the cluster is left, the other cluster is untouched
            List<String> destroyed = restarted.destroy(cluster).stream().map(OwnedResource::kind).toList();
            assertTrue(destroyed.containsAll(List.of("server", "port", "server-group", "security-group")), destroyed::toString);
            assertEquals(List.of(), serversOf(cloud, cluster));
            assertEquals(List.of(), portsOf(cloud, cluster));
            assertNull(securityGroup(cloud, cluster));
            assertNull(serverGroup(cloud, cluster));
            assertEquals(List.of(), restarted.owned(cluster));
            assertEquals(List.of(), restarted.destroy(cluster));
            assertEquals(List.of(bystander.name()), names(otherProvider.list(other)));
            assertEquals(1, portsOf(cloud, other).size());
            assertNotNull(securityGroup(cloud, other));
        } finally {
            try {
                provider.destroy(cluster);
                otherProvider.destroy(other);
            } finally {
                cloud.admin("DELETE", "identity", "/projects/" + projectId, null);
            }
        }
        assertEquals(List.of(), serversOf(cloud, other));
    }

    @Test
    void aLowQuotaFailsWithNovasMessageLeavesNoPortAndWorksOnceRaised() {
        TestCloud cloud = TestCloud.require();
        String cluster = TestCloud.clusterName("nkdq");
        String project = "nkdt-" + cluster;
        String projectId = createProject(cloud, project, false);
        Infrastructure.OpenStack settings = cloud.settings(List.of(), null);
        OpenStackProvider provider = new OpenStackProvider(settings, () -> cloud.access(project), TestCloud.fast(), Clock.systemUTC());
        try {
            cloud.admin("PUT", "compute", "/os-quota-sets/" + projectId, Map.of("quota_set", Map.of("instances", 0)));
            MachineRequest w1 = cloud.request(cluster, "workers", 1, NodePool.Role.WORKER, null, null);
            ProviderException e = assertThrows(ProviderException.class, () -> provider.create(w1));
            assertEquals(ProviderException.Kind.QUOTA_EXCEEDED, e.kind(), e::getMessage);
            assertTrue(e.providerMessage().contains("Quota exceeded for instances"), e::providerMessage);
            assertTrue(e.getMessage().contains(w1.name()), e::getMessage);
            assertFalse(e.getMessage().contains("secret-token"), e::getMessage);
            List<String> left = provider.owned(cluster).stream().map(OwnedResource::kind).toList();
            assertFalse(left.contains("port") || left.contains("server"), left::toString);
            assertEquals(List.of(), portsOf(cloud, cluster));

            cloud.admin("PUT", "compute", "/os-quota-sets/" + projectId, Map.of("quota_set", Map.of("instances", 10)));
            provider.create(w1);
            assertEquals(List.of(w1.name()), names(awaitActive(provider, cluster, 1)));
            assertEquals(1, portsOf(cloud, cluster).size());
        } finally {
            provider.destroy(cluster);
            cloud.admin("DELETE", "identity", "/projects/" + projectId, null);
        }
    }

    /**
     * The test cloud has one compute host, so a second control-plane node in the cluster's anti-affinity server group
     * has nowhere to go: Nova's scheduler puts it in ERROR with "No valid host was found".
     */
    @Test
    void aServerWithNoValidHostFailsTheCreateWithNovasFaultAndLeavesNothingOfTheNode() {
        TestCloud cloud = TestCloud.require();
        String cluster = TestCloud.clusterName("nkdh");
        OpenStackProvider provider = new OpenStackProvider(cloud.settings(List.of(), null), () -> cloud.access(null), TestCloud.fast(),
                Clock.systemUTC());
        try {
            MachineRequest cp1 = cloud.request(cluster, "control-plane", 1, NodePool.Role.CONTROL_PLANE, null, null);
            MachineRequest cp2 = cloud.request(cluster, "control-plane", 2, NodePool.Role.CONTROL_PLANE, null, null);
            provider.create(cp1);
            ProviderException e = assertThrows(ProviderException.class, () -> provider.create(cp2));
            assertEquals(ProviderException.Kind.NO_VALID_HOST, e.kind(), e::getMessage);
            assertTrue(e.providerMessage().contains("No valid host"), e::providerMessage);
            assertTrue(e.getMessage().contains(cp2.name()), e::getMessage);
            assertEquals(List.of(cp1.name()), serversOf(cloud, cluster).stream().map(s -> s.path("name").asText()).toList());
            assertEquals(List.of(cp1.name()), portsOf(cloud, cluster).stream().map(p -> p.path("name").asText()).toList());
            assertEquals(List.of(cp1.name()), names(provider.list(cluster)));
        } finally {
            provider.destroy(cluster);
        }
    }

    @Test
    void wrongPasswordIsUnauthorizedWithKeystonesMessageAndNoSecret() {
        TestCloud cloud = TestCloud.require();
        Map<String, Object> auth = new java.util.LinkedHashMap<>();
        auth.put("auth_url", cloud.env.get("OS_AUTH_URL"));
        auth.put("username", cloud.env.get("OS_USERNAME"));
        auth.put("password", "not-the-password-x9");
        auth.put("project_name", cloud.env.get("OS_PROJECT_NAME"));
        auth.put("user_domain_name", "Default");
        auth.put("project_domain_name", "Default");
        CloudAccess wrong = new CloudAccess(Credentials.of(auth, null, "test"), null, "public");
        OpenStackProvider provider = new OpenStackProvider(cloud.settings(List.of(), null), () -> wrong, TestCloud.fast(), Clock.systemUTC());
        ProviderException e = assertThrows(ProviderException.class, () -> provider.list("nkdt-nothing"));
        assertEquals(ProviderException.Kind.UNAUTHORIZED, e.kind(), e::getMessage);
        assertFalse(e.providerMessage() == null || e.providerMessage().isBlank());
        assertTrue(e.getMessage().contains("user " + cloud.env.get("OS_USERNAME")), e::getMessage);
        assertFalse(e.getMessage().contains("not-the-password-x9"), e::getMessage);
    }

    private static List<String> names(List<ProvisionedMachine> machines) {
        return machines.stream().map(ProvisionedMachine::name).toList();
    }

    // ------------------------------------------------------------------------------------------------ helpers

    private static List<ProvisionedMachine> awaitActive(OpenStackProvider provider, String cluster, int count) {
        Instant end = Instant.now().plus(Duration.ofSeconds(90));
        List<ProvisionedMachine> machines;
        do {
            machines = provider.list(cluster);
            if (machines.size() == count && machines.stream().allMatch(ProvisionedMachine::isRunning)) {
                return machines;
            }
            sleep();
        } while (Instant.now().isBefore(end));
        throw new AssertionError("not " + count + " ACTIVE machines after 90 s: " + machines);
    }

    /** The cluster's servers as an admin lists them in every project, by their metadata. */
    private static List<JsonNode> serversOf(TestCloud cloud, String cluster) {
        List<JsonNode> out = new ArrayList<>();
        cloud.admin("GET", "compute", "/servers/detail?all_tenants=1", null).path("servers").forEach(s -> {
            if (cluster.equals(s.path("metadata").path("nkd.io:cluster").asText())) {
                out.add(s);
            }
        });
        return out;
    }

    private static List<JsonNode> portsOf(TestCloud cloud, String cluster) {
        List<JsonNode> out = new ArrayList<>();
        cloud.admin("GET", "network", "/v2.0/ports", null).path("ports").forEach(p -> {
            if (Marks.owns(p.path("description").asText(null), cluster)) {
                out.add(p);
            }
        });
        return out;
    }

    private static JsonNode securityGroup(TestCloud cloud, String cluster) {
        JsonNode groups = cloud.admin("GET", "network", "/v2.0/security-groups?name=nkd-" + cluster, null).path("security_groups");
        return groups.size() == 0 ? null : groups.get(0);
    }

    private static JsonNode serverGroup(TestCloud cloud, String cluster) {
        for (JsonNode g : cloud.admin("GET", "compute", "/os-server-groups?all_projects=true", null).path("server_groups")) {
            if (g.path("name").asText().equals("nkd-" + cluster + "-control-plane")) {
                return g;
            }
        }
        return null;
    }

    /**
     * A project of the test's own (quotas are per project; other tests may use nkd's project meanwhile), with nkd's
     * test user as a member, and as an admin when {@code admin}: the test network is a shared network of the admin
     * project, and Neutron's default policy lets only the network's owner or an admin choose a port's fixed IP.
     */
    private static String createProject(TestCloud cloud, String name, boolean admin) {
        String id = cloud.admin("POST", "identity", "/projects", Map.of("project", Map.of("name", name, "domain_id", "default")))
                .path("project").path("id").asText();
        String user = cloud.admin("GET", "identity", "/users?name=" + cloud.env.get("OS_USERNAME"), null).path("users").get(0).path("id").asText();
        for (String role : admin ? List.of("member", "admin") : List.of("member")) {
            JsonNode roles = cloud.admin("GET", "identity", "/roles?name=" + role, null).path("roles");
            cloud.admin("PUT", "identity", "/projects/" + id + "/users/" + user + "/roles/" + roles.get(0).path("id").asText(), null);
        }
        return id;
    }

    private static void sleep() {
        try {
            Thread.sleep(500);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
