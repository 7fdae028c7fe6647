package io.nkd.secrets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nkd.config.ConfigLoader;
import io.nkd.config.LoadedCluster;
import io.nkd.config.RepositoryConfig;
import io.nkd.git.Snapshots;
import io.nkd.pki.Authority;
import io.nkd.pki.ClusterPki;
import io.nkd.pki.DiscoveryHash;
import io.nkd.pki.Pem;
import io.nkd.render.BootstrapSecrets;
import io.nkd.state.ClusterState;
import io.nkd.state.LocalStateStore;
import io.nkd.state.StateLockedException;
import io.nkd.testsupport.RepoPaths;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterSecretsTest {
    @TempDir
    Path tmp;

    private static LoadedCluster cluster(String name) {
        RepositoryConfig config = ConfigLoader.load(Snapshots.fromDirectory(RepoPaths.repoRoot().resolve("repo-layout/example")));
        return config.cluster(name).orElseThrow();
    }

    private ClusterSecrets secrets(Path state) {
        return new ClusterSecrets(new LocalStateStore(state), new io.nkd.secrets.SecretResolver(tmp, java.util.Map.of()), new SecureRandom(), Clock.systemUTC());
    }

    @Test
    void generatedOnceIntoTheStateStoreAndReusedAfterwards() throws Exception {
        Path state = tmp.resolve("state");
        BootstrapSecrets first = secrets(state).ensure(cluster("libvirt-lab"));
        BootstrapSecrets second = secrets(state).ensure(cluster("libvirt-lab"));
        assertEquals(first, second, "a second render must reuse, never regenerate");
        assertTrue(first.bootstrapToken().matches("[a-z0-9]{6}\\.[a-z0-9]{16}"));
        assertTrue(first.certificateKey().matches("[0-9a-f]{64}"));
        Path dir = state.resolve("clusters/libvirt-lab");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("kubernetes/pki/ca.key"))));
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("kubernetes/pki/ca.crt"))));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("bootstrap/token"))));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
        var ca = Pem.decodeCertificate(Files.readString(dir.resolve("kubernetes/pki/ca.crt")));
        assertEquals(DiscoveryHash.of(ca), first.discoveryHash());
        assertEquals(Files.readString(dir.resolve("kubernetes/pki/ca.key")), first.controlPlaneFiles().get("pki/ca.key").contents());
        assertEquals(BootstrapSecrets.SHARED_CONTROL_PLANE_FILES.keySet(), first.controlPlaneFiles().keySet());
        assertTrue(!first.toString().contains(first.bootstrapToken()), "secrets never print");
    }

    @Test
    void loginPasswordHashesComeFromTheSecretsDirectoryNeverFromGit() throws Exception {
        LoadedCluster lab = ConfigLoader.load(editedLab()).cluster("libvirt-lab").orElseThrow();
        assertTrue(lab.valid(), lab.report()::toString);
        Path state = tmp.resolve("state");
        var missing = assertThrows(SecretResolver.MissingSecretException.class, () -> secrets(state).ensure(lab));
        assertTrue(missing.getMessage().contains("core-password"), missing.getMessage());
        Files.createDirectories(state.resolve("secrets"));
        Files.writeString(state.resolve("secrets/core-password"), "$6$salt$hash\n");
        BootstrapSecrets s = new ClusterSecrets(new LocalStateStore(state), new SecretResolver(state, java.util.Map.of()),
                new SecureRandom(), Clock.systemUTC()).ensure(lab);
        assertEquals("$6$salt$hash", s.passwordHash("core"));
        var rendered = io.nkd.render.ClusterRenderer.render(lab, ConfigLoader.load(Snapshots.fromDirectory(
                RepoPaths.repoRoot().resolve("repo-layout/example"))).images(), s);
        assertTrue(rendered.ok(), rendered.report()::toString);
        assertEquals("$6$salt$hash", rendered.pools().get(0).config().at("/passwd/users/0/passwordHash").asText());
        var review = io.nkd.render.ClusterRenderer.render(lab, ConfigLoader.load(Snapshots.fromDirectory(
                RepoPaths.repoRoot().resolve("repo-layout/example"))).images(), BootstrapSecrets.placeholders());
        assertEquals("<nkd-secret:password-hash:core>", review.pools().get(0).config().at("/passwd/users/0/passwordHash").asText());
    }

    private static io.nkd.config.Snapshot editedLab() {
        var base = Snapshots.fromDirectory(RepoPaths.repoRoot().resolve("repo-layout/example"));
        var files = new java.util.TreeMap<>(base.files());
        String file = "clusters/libvirt-lab/cluster.yaml";
        files.put(file, base.text(file).orElseThrow().replace("      - name: core\n", "      - name: core\n        passwordHash: {name: core-password}\n")
                .getBytes(StandardCharsets.UTF_8));
        return new io.nkd.config.Snapshot("edited", files);
    }

    @Test
    void theKeyAlgorithmWrittenInClusterYamlIsTheOneGenerated() throws Exception {
        var base = Snapshots.fromDirectory(RepoPaths.repoRoot().resolve("repo-layout/example"));
        var files = new java.util.TreeMap<>(base.files());
        String file = "clusters/sandbox-demo/cluster.yaml";
        files.put(file, (base.text(file).orElseThrow() + "  pki:\n    keyAlgorithm: rsa-3072\n").getBytes(StandardCharsets.UTF_8));
        LoadedCluster demo = ConfigLoader.load(new io.nkd.config.Snapshot("rsa", files)).cluster("sandbox-demo").orElseThrow();
        assertTrue(demo.valid(), demo.report()::toString);

        Path state = tmp.resolve("state");
        secrets(state).ensure(demo);

        var ca = Pem.decodeCertificate(Files.readString(state.resolve("clusters/sandbox-demo/kubernetes/pki/ca.crt")));
        assertEquals(3072, ((java.security.interfaces.RSAPublicKey) ca.getPublicKey()).getModulus().bitLength());
    }

    @Test
    void clustersHaveTheirOwnPki() {
        Path state = tmp.resolve("state");
        assertNotEquals(secrets(state).ensure(cluster("libvirt-lab")).discoveryHash(),
                secrets(state).ensure(cluster("sandbox-demo")).discoveryHash());
    }

    @Test
    void anImportedCaIsKeptAndTheRestIsGeneratedAroundIt() throws Exception {
        Path other = tmp.resolve("other");
        secrets(other).ensure(cluster("sandbox-demo"));
        byte[] caCrt = Files.readAllBytes(other.resolve("clusters/sandbox-demo/kubernetes/pki/ca.crt"));
        byte[] caKey = Files.readAllBytes(other.resolve("clusters/sandbox-demo/kubernetes/pki/ca.key"));
        Path state = tmp.resolve("state");
        LocalStateStore store = new LocalStateStore(state);
        try (ClusterState s = store.open("libvirt-lab")) {
            s.write("kubernetes/" + Authority.CLUSTER.certPath(), caCrt, io.nkd.state.Sensitivity.PUBLIC);
            s.write("kubernetes/" + Authority.CLUSTER.keyPath(), caKey, io.nkd.state.Sensitivity.SECRET);
        }
        BootstrapSecrets result = secrets(state).ensure(cluster("libvirt-lab"));
        assertEquals(new String(caCrt, StandardCharsets.UTF_8), result.controlPlaneFiles().get("pki/ca.crt").contents());
        ClusterPki pki = ClusterPki.fromFiles(ClusterSecrets.pkiFiles(store.view("libvirt-lab")));
        assertArrayEquals(Pem.decodeCertificate(new String(caCrt, StandardCharsets.UTF_8)).getEncoded(),
                pki.ca(Authority.CLUSTER).certificate().getEncoded());
        // the apiserver certificate was issued by the imported CA
        pki.leaf(io.nkd.pki.Leaf.APISERVER).certificate().verify(pki.ca(Authority.CLUSTER).certificate().getPublicKey());
    }

    @Test
    void aClusterLockedByAnotherWriterIsAClearError() {
        Path state = tmp.resolve("state");
        LocalStateStore store = new LocalStateStore(state);
        try (ClusterState held = store.open("libvirt-lab")) {
            StateLockedException e = assertThrows(StateLockedException.class, () -> secrets(state).ensure(cluster("libvirt-lab")));
            assertTrue(e.getMessage().contains("libvirt-lab"), e.getMessage());
        }
    }
}
