package io.nkd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.nkd.testsupport.IgnitionTools;
import io.nkd.testsupport.RealOpenStack;
import io.nkd.testsupport.RealOpenStack.Server;
import io.nkd.testsupport.RepoPaths;
import io.nkd.testsupport.TestFiles;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.revwalk.RevCommit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * nkd serve, as a real process following a config repository, against the real single-node OpenStack of
 * testenv/openstack.sh (Nova's fake driver: servers go ACTIVE without virtual machines; Neutron with real ports). What
 * the test checks it reads from Nova and Neutron itself, as an admin, with plain REST ({@link RealOpenStack}).
 *
 * <p>One cluster of 1 control-plane node (fixed IP) and 2 workers appears as servers with nkd's metadata, one port each
 * and nkd's security group (no rule open to 0.0.0.0/0); commits scale the workers 2 → 4 → 1 (the newest go first); a
 * SIGKILL while a machine is being created and a restart leave no duplicate server and no orphan port; a quota set low
 * through Nova's API shows as a condition with Nova's own message and clears once raised; the real Ignition, given
 * the user_data Nova holds for the control-plane server, fetches the node's full config from nkd's Ignition server;
 * {@code nkd destroy} removes the cluster from Nova and Neutron and leaves a second cluster alone.
 *
 * <p>Everything runs in a project made for the run (so the quota change and the objects are the test's own), and the
 * clean-up removes anything a failure left.
 */
class OpenStackServeProcessTest {
    private static final Duration CONVERGE = Duration.ofMinutes(5);

    @TempDir
    Path tmp;

    private RealOpenStack cloud;
    private String projectId;
    private final List<String> clusters = new ArrayList<>();
    private Process nkd;
    private int apiPort;
    private int ignitionPort;
    private int logs;

    @AfterEach
    void cleanUp() throws Exception {
        if (nkd != null) {
            nkd.destroyForcibly().waitFor();
        }
        if (cloud != null) {
            try {
                for (String c : clusters) {
                    int left = cloud.sweep(c);
                    if (left > 0) {
                        System.out.println("clean-up removed " + left + " OpenStack objects of " + c + " that the test left");
                    }
                }
            } finally {
                if (projectId != null) {
                    cloud.deleteProject(projectId);
                }
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private Process start(Path repo, Path state) throws IOException {
        // the same ports after a restart: the servers' pointer configs name the Ignition server's address
        if (apiPort == 0) {
            apiPort = freePort();
            ignitionPort = freePort();
        }
        return new ProcessBuilder(nkdCommand("serve", "--repo", repo.toString(), "--state-dir", state.toString(),
                "--interval", "2s", "--listen", "127.0.0.1:" + apiPort, "--ignition-listen", "127.0.0.1:" + ignitionPort,
                "--advertise", "127.0.0.1"))
                .redirectErrorStream(true).redirectOutput(tmp.resolve("nkd-" + (++logs) + ".log").toFile()).start();
    }

    private static List<String> nkdCommand(String... args) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "io.nkd.cli.Main"));
        command.addAll(List.of(args));
        return command;
    }

    private IgnitionTools.Run nkdCli(String... args) {
        return IgnitionTools.run(nkdCommand(args), java.util.Map.of(), 300);
    }

    /** Polls {@code what} until {@code done}; fails with the last value after {@code timeout}. */
    private static <T> T await(String description, Supplier<T> what, Predicate<T> done, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        T last = null;
        while (System.nanoTime() < deadline) {
            last = what.get();
            if (done.test(last)) {
                return last;
            }
            Thread.sleep(500);
        }
        throw new AssertionError("timed out after " + timeout + " waiting for " + description + "; last seen: " + last);
    }

    /** Waits until Nova holds exactly these nodes of the cluster, all ACTIVE; returns their servers. */
    private List<Server> awaitServers(String cluster, List<String> nodes) throws InterruptedException {
        try {
            return await(cluster + " to be servers " + nodes + ", all ACTIVE", () -> cloud.servers(cluster).stream()
                            .map(x -> x.node() + ":" + x.status()).sorted().toList(),
                    s -> s.equals(nodes.stream().map(n -> n + ":ACTIVE").sorted().toList()), CONVERGE)
                    .isEmpty() ? List.of() : cloud.servers(cluster);
        } catch (AssertionError e) {
            // what nkd says about it is what a reader of the failure needs next
            throw new AssertionError(e.getMessage() + "\nnkd's status of " + cluster + ": " + DaemonStatus.cluster(apiPort, cluster), e);
        }
    }

    private static String clusterYaml(String name, String ip, int workers, String authURL) {
        return """
                apiVersion: nkd.io/v1alpha1
                kind: Cluster
                metadata:
                  name: %1$s
                spec:
                  kubernetes:
                    version: v1.31.4
                    controlPlaneEndpoint: %2$s:6443
                    runtime: containerd
                    # the test network is 10.99.0.0/16, inside Kubernetes' default service subnet 10.96.0.0/12
                    serviceSubnet: 172.31.0.0/16
                  os:
                    image: nestos-24.09-k8s-1.31
                  infrastructure:
                    provider: openstack
                    openstack:
                      authURL: %4$s
                      credentials: {name: openstack-e2e}
                      region: RegionOne
                      network: nkd-test-net
                      bootImage: nkd-tiny-raw
                      allowedCIDRs: [10.99.0.0/16]
                  pools:
                    - name: control-plane
                      role: control-plane
                      machines:
                        - hostname: %1$s-cp-1
                          ip: %2$s
                      network: {prefixLength: 16, gateway: 10.99.0.1}
                      machine: {flavor: m1.tiny}
                    - name: workers
                      role: worker
                      replicas: %3$d
                      machine: {flavor: m1.tiny}
                  access:
                    users:
                      - name: core
                        sshAuthorizedKeys:
                          - ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGtGZ8bJk2VZ3bDPa2z9U9wK1mBn0Tq6o2V5YH2bq0xR e2e@example
                """.formatted(name, ip, workers, authURL);
    }

    private static List<String> workers(String cluster, int... numbers) {
        List<String> out = new ArrayList<>(List.of(cluster + "-cp-1"));
        for (int n : numbers) {
            out.add(cluster + "-workers-" + n);
        }
        return out;
    }

    @Test
    void aClusterOnOpenStackFollowsGitThroughNkdServe() throws Exception {
        cloud = RealOpenStack.require();
        String run = Long.toString(ThreadLocalRandom.current().nextLong(36L * 36 * 36 * 36), 36);
        String a = "e2e-" + run;
        String b = "e2o-" + run;
        clusters.addAll(List.of(a, b));
        // fixed IPs in the part of the subnet Neutron never allocates by itself; a third octet per run
        int octet = 1 + ThreadLocalRandom.current().nextInt(120);
        String ipA = "10.99." + octet + ".10";
        String ipB = "10.99." + octet + ".11";
        String project = "nkd-e2e-" + run;
        projectId = cloud.createProject(project);

        Path state = Files.createDirectories(tmp.resolve("state"));
        Files.setPosixFilePermissions(state, PosixFilePermissions.fromString("rwx------"));
        Path secrets = Files.createDirectories(state.resolve("secrets"));
        Path credentials = secrets.resolve("openstack-e2e");
        Files.writeString(credentials, """
                {"username": "%s", "password": "%s", "user_domain_name": "Default", "project_name": "%s", "project_domain_name": "Default"}
                """.formatted(cloud.get("OS_USERNAME"), cloud.get("OS_PASSWORD"), project));
        Files.setPosixFilePermissions(credentials, PosixFilePermissions.fromString("rw-------"));

        Path repo = tmp.resolve("repo");
        TestFiles.copyTree(RepoPaths.repoRoot().resolve("repo-layout/example/images"), repo.resolve("images"));
        Path yamlA = repo.resolve("clusters/" + a + "/cluster.yaml");
        Path yamlB = repo.resolve("clusters/" + b + "/cluster.yaml");
        Files.createDirectories(yamlA.getParent());
        Files.createDirectories(yamlB.getParent());
        String auth = cloud.get("OS_AUTH_URL");
        Files.writeString(yamlA, clusterYaml(a, ipA, 2, auth));
        Files.writeString(yamlB, clusterYaml(b, ipB, 0, auth));
        Git git = Git.init().setDirectory(repo.toFile()).setInitialBranch("main").call();
        RevCommit first = TestFiles.commitAll(git, "two clusters on OpenStack");

        // 1 + 2: servers with nkd's metadata, one port each on the test network, nkd's security group
        nkd = start(repo, state);
        List<Server> serversA = awaitServers(a, workers(a, 1, 2));
        awaitServers(b, workers(b));
        for (Server s : serversA) {
            assertEquals("true", s.nkd().get("nkd.io/managed"), "nkd's marker on " + s.name() + ": " + s.nkd());
            assertEquals(a, s.nkd().get("nkd.io/cluster"));
            assertEquals(s.node().contains("-cp-") ? "control-plane" : "workers", s.nkd().get("nkd.io/pool"), s.nkd().toString());
            assertEquals(first.name(), s.nkd().get("nkd.io/revision"), "the source commit on " + s.name());
            assertTrue(s.nkd().getOrDefault("nkd.io/config-version", "").length() > 0, "the rendered version on " + s.name());
            List<JsonNode> ports = cloud.ports(s);
            assertEquals(1, ports.size(), "one port for " + s.name() + ": " + ports);
            assertEquals(cloud.networkId(), ports.get(0).path("network_id").asText());
        }
        Server cp = serversA.stream().filter(s -> s.node().equals(a + "-cp-1")).findFirst().orElseThrow();
        JsonNode cpPort = cloud.ports(cp).get(0);
        assertEquals(ipA, cpPort.path("fixed_ips").get(0).path("ip_address").asText(), "the control plane's fixed IP: " + cpPort);
        List<JsonNode> groups = cloud.securityGroups(a);
        assertEquals(1, groups.size(), "nkd's one security group for " + a + ": " + groups);
        JsonNode group = groups.get(0);
        for (JsonNode rule : group.path("security_group_rules")) {
            String prefix = rule.path("remote_ip_prefix").asText("");
            assertFalse(prefix.equals("0.0.0.0/0") || prefix.equals("::/0"),
                    "no rule of nkd's group is open to the world (not written in Git): " + rule);
        }
        assertTrue(group.path("security_group_rules").findValuesAsText("remote_ip_prefix").contains("10.99.0.0/16"),
                "the CIDR written in Git (allowedCIDRs) is let in: " + group);
        for (Server s : serversA) {
            assertTrue(textValues(cloud.ports(s).get(0).path("security_groups")).contains(group.path("id").asText()),
                    s.name() + "'s port is in nkd's group: " + cloud.ports(s).get(0));
        }

        // the real Ignition, given the user_data Nova holds, fetches the node's full config from nkd's Ignition server
        IgnitionTools.assumeIgnition();
        String pointer = new String(Base64.getDecoder().decode(cp.userData()), StandardCharsets.UTF_8);
        assertFalse(pointer.contains("kubeadm"), "user_data is the small pointer config, not the full config");
        IgnitionTools.Fetched fetched = IgnitionTools.fetchStage(Files.writeString(tmp.resolve("user-data.ign"), pointer),
                Files.createDirectories(tmp.resolve("ignition")), 120);
        assertEquals(0, fetched.exit(), fetched.output());
        String full = fetched.cachedConfig().orElseThrow(() -> new AssertionError("Ignition cached no config: " + fetched.output()));
        assertTrue(full.contains("/etc/nkd/kubeadm-init.yaml"), "the control plane's kubeadm init config: " + full.length() + " bytes");
        assertTrue(full.contains("/etc/kubernetes/pki/ca.crt"), "the cluster CA");
        assertTrue(full.contains(a + "-cp-1"), "the node's own host name");
        DaemonStatus.await(apiPort, a, st -> phase(st, a + "-cp-1").equals("FETCHED"), Duration.ofSeconds(60));
        // a control-plane machine exists but runs no Kubernetes (Nova's fake driver): nkd asks its endpoint and says it
        // waits for the API server there; the cluster is provisioning, not Ready
        JsonNode noApi = DaemonStatus.await(apiPort, a, st -> conditionMentions(st, "waiting for the API server at https://" + ipA + ":6443"),
                CONVERGE);
        assertEquals("PROVISIONING", noApi.path("phase").asText(), noApi.toString());

        // scale 2 → 4 → 1 by commits; scaling down removes the newest workers first
        TestFiles.edit(yamlA, "replicas: 2", "replicas: 4");
        TestFiles.commitAll(git, "4 workers");
        awaitServers(a, workers(a, 1, 2, 3, 4));
        TestFiles.edit(yamlA, "replicas: 4", "replicas: 1");
        TestFiles.commitAll(git, "1 worker");
        awaitServers(a, workers(a, 1));
        assertNoOrphanPorts(a);

        // SIGKILL while a machine is being created (its port or server exists, it is not ACTIVE), then a restart
        TestFiles.edit(yamlA, "replicas: 1", "replicas: 3");
        RevCommit three = TestFiles.commitAll(git, "3 workers");
        await("nkd to start creating " + a + "-workers-2", () -> creating(a, a + "-workers-2"), Boolean::booleanValue, CONVERGE);
        nkd.destroyForcibly().waitFor();
        String atKill = "servers " + cloud.servers(a).stream().map(s -> s.node() + ":" + s.status()).toList()
                + ", ports " + cloud.clusterPorts(a).stream().map(p -> p.path("description").asText()).toList();
        System.out.println("at the kill: " + atKill);
        nkd = start(repo, state);
        List<Server> converged = awaitServers(a, workers(a, 1, 2, 3));
        assertEquals(4, converged.stream().map(Server::node).distinct().count(), "no server twice after the restart: " + converged);
        assertEquals(three.name(), converged.stream().filter(s -> s.node().endsWith("-workers-3")).findFirst().orElseThrow()
                .nkd().get("nkd.io/revision"));
        assertNoOrphanPorts(a);

        // a quota set low through Nova's API: the cluster shows Nova's message in a condition, and recovers when raised
        cloud.setInstanceQuota(projectId, 5); // a has 4 servers, b 1
        TestFiles.edit(yamlA, "replicas: 3", "replicas: 4");
        RevCommit four = TestFiles.commitAll(git, "4 workers again, over the quota");
        JsonNode refused = DaemonStatus.await(apiPort, a, st -> conditionMentions(st, "Quota exceeded"), CONVERGE);
        System.out.println("over the quota: " + refused.path("conditions"));
        assertTrue(conditionMentions(refused, "Quota exceeded for instances"), "Nova's own message: " + refused);
        assertEquals(4, cloud.servers(a).size(), "nothing was created over the quota");
        assertNoOrphanPorts(a);
        cloud.setInstanceQuota(projectId, 50);
        awaitServers(a, workers(a, 1, 2, 3, 4));
        JsonNode recovered = DaemonStatus.await(apiPort, a, st -> four.name().equals(st.path("appliedRevision").asText())
                && !conditionMentions(st, "Quota exceeded"), CONVERGE);
        assertEquals(four.name(), recovered.path("appliedRevision").asText());

        // a removed from Git: the daemon stops managing it and deletes nothing
        Files.delete(yamlA);
        RevCommit removed = TestFiles.commitAll(git, "remove " + a + " from Git");
        DaemonStatus.await(apiPort, a, st -> "UNMANAGED".equals(st.path("phase").asText()), CONVERGE);
        assertEquals(5, cloud.servers(a).size(), "a cluster removed from Git keeps its servers until nkd destroy: " + removed.name());

        // nkd destroy: a dry run by default, then everything of a and nothing of b
        nkd.destroyForcibly().waitFor();
        IgnitionTools.Run dry = nkdCli("destroy", a, "--state-dir", state.toString());
        assertEquals(0, dry.exit(), dry.output());
        assertTrue(dry.output().contains(a + "-workers-4"), "the dry run lists what it would delete: " + dry.output());
        assertEquals(5, cloud.servers(a).size(), "a dry run deletes nothing");
        IgnitionTools.Run destroyed = nkdCli("destroy", a, "--state-dir", state.toString(), "--confirm", a);
        assertEquals(0, destroyed.exit(), destroyed.output());
        await("nothing of " + a + " in Nova", () -> cloud.servers(a), List::isEmpty, CONVERGE);
        assertEquals(List.of(), cloud.clusterPorts(a), "no port of " + a + " is left");
        assertEquals(List.of(), cloud.securityGroups(a), "no security group of " + a + " is left");
        assertEquals(List.of(), cloud.serverGroups(a), "no server group of " + a + " is left");
        List<Server> other = cloud.servers(b);
        assertEquals(List.of(b + "-cp-1"), other.stream().map(Server::node).toList(), "the other cluster is untouched");
        assertEquals("ACTIVE", other.get(0).status());
        assertEquals(1, cloud.ports(other.get(0)).size());
        assertEquals(1, cloud.securityGroups(b).size());
        git.close();
    }

    private static List<String> textValues(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    private static String phase(JsonNode status, String node) {
        for (JsonNode n : status.path("nodes")) {
            if (node.equals(n.path("name").asText())) {
                return n.path("phase").asText("");
            }
        }
        return "";
    }

    private static boolean conditionMentions(JsonNode status, String text) {
        for (JsonNode c : status.path("conditions")) {
            if (c.path("message").asText("").contains(text)) {
                return true;
            }
        }
        return false;
    }

    /** Whether nkd has begun creating the node: its port or server exists and the server is not ACTIVE yet. */
    private boolean creating(String cluster, String node) {
        boolean port = cloud.clusterPorts(cluster).stream().anyMatch(p -> p.path("description").asText("").contains("nkd.io/node=" + node)
                || p.path("name").asText("").equals(node));
        List<Server> servers = cloud.servers(cluster).stream().filter(s -> node.equals(s.node())).toList();
        return (port || !servers.isEmpty()) && servers.stream().noneMatch(s -> "ACTIVE".equals(s.status()));
    }

    /**
     * Every port nkd made for the cluster belongs to one of its servers, and each server has exactly one, within a short
     * wait: nkd deletes a machine's port right after Nova stops listing its server, so the test, which watches the same
     * list, may look in between.
     */
    private void assertNoOrphanPorts(String cluster) throws InterruptedException {
        await("every port of " + cluster + " to belong to one of its servers, one each", () -> portProblems(cluster),
                List::isEmpty, Duration.ofSeconds(30));
    }

    private List<String> portProblems(String cluster) {
        List<Server> servers = cloud.servers(cluster);
        List<String> ids = servers.stream().map(Server::id).toList();
        List<JsonNode> ports = cloud.clusterPorts(cluster);
        List<String> problems = new ArrayList<>();
        for (JsonNode p : ports) {
            if (!ids.contains(p.path("device_id").asText())) {
                problems.add("an orphan port: " + p);
            }
        }
        if (servers.size() != ports.size()) {
            problems.add(servers.size() + " server(s) but " + ports.size() + " port(s): " + ports);
        }
        return problems;
    }
}
