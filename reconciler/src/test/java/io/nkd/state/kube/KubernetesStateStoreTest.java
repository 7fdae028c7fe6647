package io.nkd.state.kube;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.nkd.state.ClusterLock;
import io.nkd.state.ClusterState;
import io.nkd.state.CorruptStateException;
import io.nkd.state.Recovery;
import io.nkd.state.Sensitivity;
import io.nkd.state.StateIOException;
import io.nkd.state.StateLockedException;
import io.nkd.testkit.KubeApiServerExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** What is particular to the Kubernetes store: its objects, conflicts, Leases and errors, on the real API server. */
@ExtendWith(KubeApiServerExtension.class)
class KubernetesStateStoreTest {
    KubernetesClient client;
    private KubeStateTesting kube;

    @BeforeEach
    void setUp() {
        kube = new KubeStateTesting(client, "t-kstore");
    }

    @AfterEach
    void tearDown() {
        kube.close();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void secretsGoToSecretsTheRestToConfigMapsLabelledAndAnnotated() {
        KubernetesStateStore store = kube.store();
        byte[] binary = {0, (byte) 0xff, (byte) 0xc3, 0x28, 10};
        try (ClusterState state = store.open("demo")) {
            state.write("kubernetes/pki/ca.key", utf8("KEY"), Sensitivity.SECRET);
            state.write("status.json", utf8("{}\n"), Sensitivity.PUBLIC);
            state.write("ignition/served/blobs/X_1.ign", binary, Sensitivity.PUBLIC);
        }
        Secret key = client.secrets().inNamespace(kube.namespace)
                .withName(StateObjects.objectName("demo", "kubernetes/pki/ca.key")).get();
        assertTrue(key.getMetadata().getName().startsWith("nkd-demo-kubernetes-pki-ca-key-"), key.getMetadata().getName());
        assertEquals(Map.of("app.kubernetes.io/managed-by", "nkd", "nkd.io/cluster", "demo"), key.getMetadata().getLabels());
        assertEquals("kubernetes/pki/ca.key", key.getMetadata().getAnnotations().get("nkd.io/path"));
        assertEquals(Map.of("ca.key", Base64.getEncoder().encodeToString(utf8("KEY"))), key.getData());
        assertNull(client.configMaps().inNamespace(kube.namespace).withName(key.getMetadata().getName()).get());

        ConfigMap status = client.configMaps().inNamespace(kube.namespace)
                .withName(StateObjects.objectName("demo", "status.json")).get();
        assertEquals(Map.of("status.json", "{}\n"), status.getData(), "text is readable with kubectl");
        ConfigMap blob = client.configMaps().inNamespace(kube.namespace)
                .withName(StateObjects.objectName("demo", "ignition/served/blobs/X_1.ign")).get();
        assertArrayEquals(binary, Base64.getDecoder().decode(blob.getBinaryData().get("X_1.ign")));
        // Another process reads the same bytes (from its own informers).
        assertArrayEquals(binary, kube.store().view("demo").read("ignition/served/blobs/X_1.ign").orElseThrow());
    }

    @Test
    void aWriteByAnotherHolderIsNeverOverwrittenAndCounted() throws Exception {
        SimpleMeterRegistry metrics = new SimpleMeterRegistry();
        KubernetesStateStore store = kube.store(metrics, KubeStateTesting.FAST);
        try (ClusterState state = store.open("demo")) {
            state.write("tokens.json", utf8("[\"mine\"]"), Sensitivity.SECRET);
            // Another nkd writes the same object in a later lock term (it took the Lease from us, say).
            String name = StateObjects.objectName("demo", "tokens.json");
            Secret theirs = new SecretBuilder(client.secrets().inNamespace(kube.namespace).withName(name).get())
                    .editMetadata().addToAnnotations(StateObjects.TERM_ANNOTATION, "99")
                    .addToAnnotations(StateObjects.WRITER_ANNOTATION, "7@elsewhere/abcd").endMetadata()
                    .withData(Map.of("tokens.json", Base64.getEncoder().encodeToString(utf8("[\"theirs\"]")))).build();
            client.secrets().inNamespace(kube.namespace).resource(theirs).update();
            StateIOException e = assertThrows(StateIOException.class,
                    () -> writeUntilConflict(state, "tokens.json", utf8("[\"mine, again\"]")));
            assertTrue(e.getMessage().contains("it was changed by 7@elsewhere/abcd in lock term 99"), e.getMessage());
            assertTrue(e.getMessage().contains("nkd does not overwrite it"), e.getMessage());
            assertFalse(e.getMessage().contains("theirs"), e.getMessage());
            Secret now = client.secrets().inNamespace(kube.namespace).withName(name).get();
            assertEquals("[\"theirs\"]", new String(Base64.getDecoder().decode(now.getData().get("tokens.json")),
                    StandardCharsets.UTF_8));
        }
        assertTrue(metrics.counter(KubeApi.CONFLICTS).count() >= 1);
        assertTrue(metrics.get(KubeApi.DURATION).tag("operation", "create").timer().count() >= 1);
    }

    private static void writeUntilConflict(ClusterState state, String path, byte[] content) {
        state.write(path, content, Sensitivity.SECRET);
    }

    /**
     * A version written in an earlier lock term (a previous holder's write this process had not seen yet) is replaced by
     * the lock holder's whole-file write: a 409 on it is retried with the new resourceVersion.
     */
    @Test
    void aVersionFromAnEarlierTermIsReplacedByTheHolder() {
        KubernetesStateStore store = kube.store();
        try (ClusterState state = store.open("demo")) {
            state.write("status.json", utf8("1"), Sensitivity.PUBLIC);
        }
        try (ClusterState state = store.open("demo")) {
            String name = StateObjects.objectName("demo", "status.json");
            ConfigMap cm = client.configMaps().inNamespace(kube.namespace).withName(name).get();
            client.configMaps().inNamespace(kube.namespace).resource(new ConfigMapBuilder(cm).editMetadata()
                    .addToAnnotations(StateObjects.TERM_ANNOTATION, "0")
                    .addToAnnotations(StateObjects.WRITER_ANNOTATION, "9@earlier/00000000").endMetadata()
                    .withData(Map.of("status.json", "earlier")).build()).update();
            state.write("status.json", utf8("2"), Sensitivity.PUBLIC);
            assertEquals(Map.of("status.json", "2"),
                    client.configMaps().inNamespace(kube.namespace).withName(name).get().getData());
        }
    }

    @Test
    void aCrashedHoldersLeaseStopsBlockingAfterItsDurationAndSaysWhoHeldIt() throws Exception {
        Instant since = Instant.now().minusSeconds(30).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        Lease crashed = new LeaseBuilder().withNewMetadata().withName(StateObjects.leaseName("demo"))
                .withNamespace(kube.namespace).endMetadata().withNewSpec().withHolderIdentity("4242@node-a/1234abcd")
                .withAcquireTime(since.atZone(ZoneOffset.UTC)).withRenewTime(Instant.now().atZone(ZoneOffset.UTC))
                .withLeaseDurationSeconds(3).withLeaseTransitions(4).endSpec().build();
        client.leases().inNamespace(kube.namespace).resource(crashed).create();
        KubernetesStateStore store = kube.store();

        StateLockedException e = assertThrows(StateLockedException.class, () -> store.open("demo"));
        assertEquals(4242, e.holder().orElseThrow().pid());
        assertEquals("node-a", e.holder().orElseThrow().host());
        assertTrue(e.getMessage().startsWith("cluster demo is locked by nkd pid 4242 on host node-a since "
                + since), e.getMessage());
        assertTrue(e.getMessage().contains("Lease nkd-lock-demo in namespace " + kube.namespace), e.getMessage());

        long start = System.nanoTime();
        try (ClusterState state = store.open("demo", Duration.ofSeconds(20))) {
            assertTrue(System.nanoTime() - start < 10_000_000_000L);
            state.write("x", utf8("1"), Sensitivity.PUBLIC);
            Lease taken = client.leases().inNamespace(kube.namespace).withName("nkd-lock-demo").get();
            assertEquals(5, taken.getSpec().getLeaseTransitions());
            assertTrue(taken.getSpec().getHolderIdentity().startsWith(ProcessHandle.current().pid() + "@"));
        }
        assertNull(client.leases().inNamespace(kube.namespace).withName("nkd-lock-demo").get().getSpec()
                .getHolderIdentity(), "released on close");
    }

    @Test
    void aHeldLockIsRenewedBeyondItsDuration() throws Exception {
        KubernetesStateStore store = kube.store();
        KubernetesStateStore other = kube.store();
        try (ClusterLock lock = store.lock("demo")) {
            Thread.sleep(4_500); // longer than the 3 s lease
            assertTrue(lock.isValid());
            assertThrows(StateLockedException.class, () -> other.lock("demo"));
        }
        other.lock("demo").close();
    }

    @Test
    void aLockTakenAwayIsNoticedAndTheHandleStopsWriting() throws Exception {
        KubernetesStateStore store = kube.store();
        try (ClusterState state = store.open("demo")) {
            state.write("x", utf8("1"), Sensitivity.PUBLIC);
            Lease lease = client.leases().inNamespace(kube.namespace).withName("nkd-lock-demo").get();
            client.leases().inNamespace(kube.namespace).resource(new LeaseBuilder(lease).editSpec()
                    .withHolderIdentity("1@thief/00000000").endSpec().build()).update();
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (System.nanoTime() < deadline) {
                try {
                    state.write("x", utf8("2"), Sensitivity.PUBLIC);
                    Thread.sleep(100);
                } catch (IllegalStateException stopped) {
                    break;
                }
            }
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> state.write("x", utf8("3"), Sensitivity.PUBLIC));
            assertEquals("the state lock of cluster demo is lost (Lease nkd-lock-demo in namespace " + kube.namespace
                    + " was not renewed within 2 s, or another nkd took it): this handle no longer reads or writes;"
                    + " open the cluster again", e.getMessage());
        }
        // Closing a lost lock leaves the new holder's Lease alone.
        assertEquals("1@thief/00000000", client.leases().inNamespace(kube.namespace).withName("nkd-lock-demo").get()
                .getSpec().getHolderIdentity());
    }

    @Test
    void aDamagedObjectIsReportedByNameWithoutItsContentAndHarmsNoOtherCluster() {
        KubernetesStateStore store = kube.store();
        try (ClusterState a = store.open("a"); ClusterState b = store.open("b")) {
            a.write("status.json", utf8("{\"revision\": \"r\"}"), Sensitivity.PUBLIC);
            b.write("status.json", utf8("{\"revision\": \"r\"}"), Sensitivity.PUBLIC);
        }
        String name = StateObjects.objectName("a", "status.json");
        ConfigMap cm = client.configMaps().inNamespace(kube.namespace).withName(name).get();
        client.configMaps().inNamespace(kube.namespace).resource(new ConfigMapBuilder(cm)
                .addToData("extra", "hunter2").build()).update();
        KubernetesStateStore fresh = kube.store();
        CorruptStateException e = assertThrows(CorruptStateException.class,
                () -> fresh.view("a").readJson("status.json", Map.class, Recovery.REGENERATED));
        assertEquals("state file namespaces/" + kube.namespace + "/configmaps/" + name + "/status.json is corrupt: it"
                + " should hold exactly one key, \"status.json\", and holds 2. Restore it from a backup of namespace "
                + kube.namespace + " (kubectl apply the saved object), or delete the object and nkd will regenerate it"
                + " on the next reconcile.", e.getMessage());
        assertFalse(e.getMessage().contains("hunter2"));
        assertEquals(Map.of("revision", "r"), fresh.view("b").readJson("status.json", Map.class).orElseThrow());
    }

    @Test
    void anotherReplicaSeesAWriteWithinTwoSeconds() throws Exception {
        KubernetesStateStore writer = kube.store();
        KubernetesStateStore reader = kube.store();
        try (ClusterState state = writer.open("demo")) {
            state.write("ignition/node-tokens.json", utf8("[1]"), Sensitivity.SECRET);
            Object before = null;
            long start = System.nanoTime();
            while (reader.view("demo").read("ignition/node-tokens.json").isEmpty()
                    && System.nanoTime() - start < 2_000_000_000L) {
                Thread.sleep(5);
            }
            assertArrayEquals(utf8("[1]"), reader.view("demo").read("ignition/node-tokens.json").orElseThrow());
            before = reader.view("demo").version("ignition/node-tokens.json").orElseThrow();
            state.write("ignition/node-tokens.json", utf8("[1,2]"), Sensitivity.SECRET);
            start = System.nanoTime();
            while (before.equals(reader.view("demo").version("ignition/node-tokens.json").orElse(null))
                    && System.nanoTime() - start < 2_000_000_000L) {
                Thread.sleep(5);
            }
            assertArrayEquals(utf8("[1,2]"), reader.view("demo").read("ignition/node-tokens.json").orElseThrow());
        }
    }

    @Test
    void aFileTooLargeForAnObjectIsRefusedNamingIt() {
        KubernetesStateStore store = kube.store();
        try (ClusterState state = store.open("demo")) {
            byte[] big = new byte[KubeClusterState.MAX_FILE];
            java.util.Arrays.fill(big, (byte) '"'); // JSON doubles it as text: still under the request limit
            state.write("big", big, Sensitivity.PUBLIC);
            state.write("big-binary", new byte[KubeClusterState.MAX_FILE], Sensitivity.SECRET);
            StateIOException e = assertThrows(StateIOException.class,
                    () -> state.write("bigger", new byte[KubeClusterState.MAX_FILE + 1], Sensitivity.PUBLIC));
            assertTrue(e.getMessage().startsWith("cannot write state file bigger of cluster demo (ConfigMap "
                    + kube.namespace + "/nkd-demo-bigger-"), e.getMessage());
            assertEquals(KubeClusterState.MAX_FILE, state.read("big").orElseThrow().length);
        }
    }

    @Test
    void aMissingNamespaceIsNamedWithWhatToDo() {
        StateIOException e = assertThrows(StateIOException.class,
                () -> new KubernetesStateStore(client, kube.namespace + "-missing"));
        assertTrue(e.getMessage().startsWith("namespace " + kube.namespace + "-missing does not exist on "),
                e.getMessage());
        assertTrue(e.getMessage().endsWith("create it (kubectl create namespace " + kube.namespace
                + "-missing) or choose another with --state kubernetes:NAMESPACE"), e.getMessage());
    }

    @Test
    void anRbacDenialNamesTheVerbTheResourceAndTheRole() throws Exception {
        client.serviceAccounts().inNamespace(kube.namespace).resource(new ServiceAccountBuilder().withNewMetadata()
                .withName("no-rights").endMetadata().build()).create();
        String token = null;
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (token == null && System.nanoTime() < deadline) {
            for (Secret s : client.secrets().inNamespace(kube.namespace).list().getItems()) {
                if ("kubernetes.io/service-account-token".equals(s.getType()) && "no-rights".equals(
                        s.getMetadata().getAnnotations().get("kubernetes.io/service-account.name")) && s.getData() != null
                        && s.getData().get("token") != null) {
                    token = new String(Base64.getDecoder().decode(s.getData().get("token")), StandardCharsets.UTF_8);
                }
            }
            Thread.sleep(100);
        }
        assertNotNull(token, "the serviceaccount-token controller made no token for no-rights");
        try (KubernetesClient denied = new KubernetesClientBuilder().withConfig(new ConfigBuilder(client.getConfiguration())
                .withClientCertData(null).withClientKeyData(null).withClientCertFile(null).withClientKeyFile(null)
                .withOauthToken(token).withRequestRetryBackoffLimit(0).build()).build()) {
            StateIOException e = assertThrows(StateIOException.class,
                    () -> new KubernetesStateStore(denied, kube.namespace));
            assertTrue(e.getMessage().startsWith("cannot list the state configmaps (label app.kubernetes.io/managed-by=nkd)"
                    + " in namespace " + kube.namespace + ": the API server denied 'list' on configmaps in namespace "
                    + kube.namespace), e.getMessage());
            assertTrue(e.getMessage().contains("grant it in the Role bound to nkd's ServiceAccount"), e.getMessage());
        }
    }
}
