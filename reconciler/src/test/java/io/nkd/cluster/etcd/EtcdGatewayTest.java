package io.nkd.cluster.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nkd.cluster.EtcdMembers;
import io.nkd.config.Endpoint;
import io.nkd.config.KeyAlgorithm;
import io.nkd.pki.Authority;
import io.nkd.pki.CertKeyPair;
import io.nkd.pki.ClusterPki;
import io.nkd.pki.Leaf;
import io.nkd.pki.LeafProfile;
import io.nkd.pki.Pem;
import io.nkd.pki.PkiGenerator;
import io.nkd.pki.PkiSpec;
import io.nkd.testkit.Ci;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real 3-member etcd cluster (/usr/bin/etcd) on loopback, over TLS with the etcd certificates of a PKI nkd generated;
 * nkd removes members through the v3 JSON gateway with a client certificate it issued itself from the etcd CA.
 */
class EtcdGatewayTest {
    private static final Path ETCD = Path.of("/usr/bin/etcd");
    @TempDir
    Path tmp;
    private final Map<String, Process> members = new LinkedHashMap<>();
    private final Map<String, String> clientUrls = new LinkedHashMap<>();
    private EtcdGateway gateway;

    @BeforeEach
    void start() throws Exception {
        Ci.require(Files.isExecutable(ETCD), "/usr/bin/etcd is missing: apt-get install etcd-server");
        PkiGenerator generator = new PkiGenerator(new SecureRandom(), Clock.systemUTC());
        ClusterPki pki = generator.generate(PkiSpec.of("lab", Endpoint.parse("127.0.0.1:6443"), "cp-1", "127.0.0.1", "10.96.0.0/12"));
        CertKeyPair ca = pki.ca(Authority.ETCD);
        write("ca.crt", Pem.encodeCertificate(ca.certificate()));
        write("server.crt", Pem.encodeCertificate(pki.leaf(Leaf.ETCD_SERVER).certificate()));
        write("server.key", Pem.encodePrivateKey(pki.leaf(Leaf.ETCD_SERVER).privateKey()));
        write("peer.crt", Pem.encodeCertificate(pki.leaf(Leaf.ETCD_PEER).certificate()));
        write("peer.key", Pem.encodePrivateKey(pki.leaf(Leaf.ETCD_PEER).privateKey()));
        CertKeyPair client = generator.issue(ca, LeafProfile.client("nkd-etcd-client", List.of()), KeyAlgorithm.ECDSA_P256,
                Duration.ofHours(1));
        gateway = new EtcdGateway(ca.certificate(), client);

        Map<String, String> peers = new LinkedHashMap<>();
        for (String name : List.of("cp-1", "cp-2", "cp-3")) {
            clientUrls.put(name, "https://127.0.0.1:" + freePort());
            peers.put(name, "https://127.0.0.1:" + freePort());
        }
        String initial = String.join(",", peers.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList());
        for (String name : peers.keySet()) {
            List<String> cmd = new ArrayList<>(List.of(ETCD.toString(), "--name", name, "--data-dir", tmp.resolve(name).toString(),
                    "--listen-client-urls", clientUrls.get(name), "--advertise-client-urls", clientUrls.get(name),
                    "--listen-peer-urls", peers.get(name), "--initial-advertise-peer-urls", peers.get(name),
                    "--initial-cluster", initial, "--initial-cluster-state", "new", "--initial-cluster-token", "nkd-test",
                    "--client-cert-auth", "--trusted-ca-file", file("ca.crt"), "--cert-file", file("server.crt"),
                    "--key-file", file("server.key"), "--peer-client-cert-auth", "--peer-trusted-ca-file", file("ca.crt"),
                    "--peer-cert-file", file("peer.crt"), "--peer-key-file", file("peer.key")));
            members.put(name, new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve(name + ".log").toFile()).start());
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            try {
                if (gateway.list(clientUrls.get("cp-1")).size() == 3 && allAnswer()) {
                    break;
                }
            } catch (IOException notYet) {
                // starting
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("etcd did not start in 30 s:\n" + Files.readString(tmp.resolve("cp-1.log")));
            }
            Thread.sleep(200);
        }
    }

    private boolean allAnswer() {
        for (String url : clientUrls.values()) {
            try {
                gateway.list(url);
            } catch (IOException e) {
                return false;
            }
        }
        return true;
    }

    @AfterEach
    void stop() throws InterruptedException {
        for (Process p : members.values()) {
            p.destroy();
        }
        for (Process p : members.values()) {
            p.waitFor();
        }
    }

    /** The members another member lists once it has applied the change (a member answers from its own copy). */
    private List<String> applied(String endpoint, List<String> expected) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        List<String> seen = names(endpoint);
        while (!seen.equals(expected) && System.nanoTime() < deadline) {
            Thread.sleep(100);
            seen = names(endpoint);
        }
        return seen;
    }

    private List<String> names(String endpoint) throws IOException {
        return gateway.list(endpoint).stream().map(EtcdGateway.Member::name).sorted().toList();
    }

    @Test
    void theNodesMemberGoesAndTheOthersStay() throws Exception {
        // etcd refuses reconfiguration ("unhealthy cluster") until the members have been connected for its health
        // interval (5 s): a fresh cluster is not the case nkd meets, a control plane that ran for days is
        Thread.sleep(6_000);
        EtcdMembers.Removal r = gateway.remove("cp-3", List.of(clientUrls.get("cp-1"), clientUrls.get("cp-2")));
        assertInstanceOf(EtcdMembers.Removal.Removed.class, r, r::toString);
        assertEquals(List.of("cp-1", "cp-2"), names(clientUrls.get("cp-1")));
        assertEquals(List.of("cp-1", "cp-2"), applied(clientUrls.get("cp-2"), List.of("cp-1", "cp-2")));
        assertInstanceOf(EtcdMembers.Removal.Absent.class, gateway.remove("cp-3", List.of(clientUrls.get("cp-2"))),
                "a member already gone is nothing to do");
    }

    @Test
    void aRemovalThatWouldLoseQuorumIsRefusedAndTheDeadMemberCanGo() throws Exception {
        Thread.sleep(6_000); // etcd's health interval, as above
        members.get("cp-3").destroy();
        members.get("cp-3").waitFor();
        // removing a healthy member while cp-3 is down leaves cp-2 alone of 2: no quorum
        EtcdMembers.Removal refused = gateway.remove("cp-1", List.of(clientUrls.get("cp-2"), clientUrls.get("cp-1")));
        assertInstanceOf(EtcdMembers.Removal.Refused.class, refused, refused::toString);
        String why = ((EtcdMembers.Removal.Refused) refused).why();
        assertTrue(why.contains("below the quorum of 2"), why);
        assertEquals(List.of("cp-1", "cp-2", "cp-3"), names(clientUrls.get("cp-1")), "nothing was removed");

        // the dead member itself can go: the two left answer
        EtcdMembers.Removal removed = gateway.remove("cp-3", List.of(clientUrls.get("cp-1")));
        assertInstanceOf(EtcdMembers.Removal.Removed.class, removed, removed::toString);
        assertEquals(List.of("cp-1", "cp-2"), applied(clientUrls.get("cp-2"), List.of("cp-1", "cp-2")));
    }

    @Test
    void noEndpointThatAnswersIsARefusalThatSaysSo() {
        EtcdMembers.Removal r = gateway.remove("cp-2", List.of("https://127.0.0.1:1"));
        assertInstanceOf(EtcdMembers.Removal.Refused.class, r);
        assertTrue(((EtcdMembers.Removal.Refused) r).why().startsWith("no etcd member answered: https://127.0.0.1:1"), r::toString);
    }

    private void write(String name, String text) throws IOException {
        Files.writeString(tmp.resolve(name), text);
    }

    private String file(String name) {
        return tmp.resolve(name).toString();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
