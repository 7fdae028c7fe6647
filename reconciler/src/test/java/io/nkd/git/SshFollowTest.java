package io.nkd.git;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyEncryptionContext;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyPairResourceWriter;
import org.eclipse.jgit.lib.ObjectId;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Follows a repository over SSH from an in-process Apache MINA SSHD server on loopback: key
 * authentication, passphrase-protected keys, and host-key checking against a known_hosts file.
 */
class SshFollowTest {
    @TempDir
    static Path tmp;
    static SshGitServer server;
    static Path key;
    static Path encryptedKey;
    static Path strangerKey;
    static String head;

    @BeforeAll
    static void start() throws Exception {
        key = sshKeygen("id_ecdsa", "");
        encryptedKey = sshKeygen("id_encrypted", "correct horse");
        strangerKey = sshKeygen("id_stranger", "");
        Path repos = tmp.resolve("repos");
        Files.createDirectories(repos);
        GitDaemon.git(repos, "init", "-q", "--bare", "--initial-branch=main", "config.git");
        GitDaemon.Work w = new GitDaemon.Work(tmp.resolve("work"), repos.resolve("config.git").toString());
        head = w.commit("clusters/a/cluster.yaml", "name: a\n");
        w.push("main");
        server = SshGitServer.start(repos, tmp.resolve("hostkey.ser"), List.of(
                SshGitServer.readPublicKey(Path.of(key + ".pub")),
                SshGitServer.readPublicKey(Path.of(encryptedKey + ".pub"))));
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    /**
     * An ECDSA P-256 key pair in OpenSSH's private-key format (what {@code ssh-keygen} writes), encrypted
     * when a passphrase is given, and its {@code .pub} line. Written in-process: CI has no ssh-keygen.
     */
    private static Path sshKeygen(String name, String passphrase) throws Exception {
        Path file = tmp.resolve("keys").resolve(name);
        Files.createDirectories(file.getParent());
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(256);
        KeyPair pair = g.generateKeyPair();
        OpenSSHKeyEncryptionContext encryption = null;
        if (!passphrase.isEmpty()) {
            encryption = new OpenSSHKeyEncryptionContext();
            encryption.setPassword(passphrase);
            encryption.setCipherName("AES");
            encryption.setCipherMode("CTR");
            encryption.setCipherType("256");
            encryption.setKdfRounds(4);
        }
        try (OutputStream out = Files.newOutputStream(file)) {
            OpenSSHKeyPairResourceWriter.INSTANCE.writePrivateKey(pair, name, encryption, out);
        }
        Files.writeString(Path.of(file + ".pub"), PublicKeyEntry.toString(pair.getPublic()) + " " + name + "\n");
        return file;
    }

    private static Path knownHosts(String name, String... lines) throws Exception {
        Path file = tmp.resolve(name);
        Files.write(file, List.of(lines));
        return file;
    }

    private static RepoFollower follow(String state, GitAuth auth, Map<String, String> env) throws GitException {
        RepoSource source = new RepoSource(server.url("config"), RefSelector.defaultBranch(), auth);
        return RepoFollower.open(source, tmp.resolve(state), Duration.ofSeconds(20), env::get);
    }

    @Test
    void aKnownHostAndAnAuthorizedKeyFollow() throws Exception {
        Path hosts = knownHosts("known_hosts_ok", "# pinned by the operator", server.knownHostsLine());
        try (RepoFollower f = follow("state-ok", new GitAuth.SshKey(key, hosts), Map.of())) {
            assertEquals(Optional.of(ObjectId.fromString(head)), f.remoteHead());
            assertEquals(new FetchOutcome.Initial(ObjectId.fromString(head), "refs/heads/main"), f.fetch());
            assertEquals("name: a\n", f.snapshot(ObjectId.fromString(head)).text("clusters/a/cluster.yaml").orElseThrow());
        }
    }

    @Test
    void anEncryptedKeyIsUnlockedWithThePassphraseFromItsSource() throws Exception {
        Path hosts = knownHosts("known_hosts_enc", server.knownHostsLine());
        GitAuth auth = new GitAuth.SshKey(encryptedKey, hosts, Optional.of(new SecretSource.FromEnv("KEY_PASS")));
        try (RepoFollower f = follow("state-enc", auth, Map.of("KEY_PASS", "correct horse\n"))) {
            assertEquals(Optional.of(ObjectId.fromString(head)), f.remoteHead());
        }
        try (RepoFollower f = follow("state-enc-wrong", auth, Map.of("KEY_PASS", "wrong"))) {
            GitException e = assertThrows(GitException.AuthenticationFailed.class, f::remoteHead);
            assertFalse(e.getMessage().contains("wrong"), e.getMessage());
            assertFalse(e.getMessage().contains("correct horse"), e.getMessage());
        }
    }

    @Test
    void anUnknownHostIsRefusedNamingTheHostAndTheFile() throws Exception {
        Path hosts = knownHosts("known_hosts_other", "github.com " + server.knownHostsLine().split(" ", 2)[1]);
        try (RepoFollower f = follow("state-unknown", new GitAuth.SshKey(key, hosts), Map.of())) {
            GitException.HostKeyRejected e = assertThrows(GitException.HostKeyRejected.class, f::remoteHead);
            String host = "[127.0.0.1]:" + server.port();
            assertEquals(host, e.host());
            assertEquals(hosts.toString(), e.knownHostsFile());
            assertEquals(KeyUtils.getFingerPrint(server.hostKey()), e.fingerprint());
            assertTrue(e.getMessage().contains("host " + host + " is not listed in known_hosts file " + hosts),
                    e.getMessage());
            assertTrue(e.needsOperator());
            assertEquals(List.of("github.com " + server.knownHostsLine().split(" ", 2)[1]), Files.readAllLines(hosts),
                    "known_hosts is never written");
        }
    }

    @Test
    void aChangedHostKeyIsRefused() throws Exception {
        String otherKey = Files.readString(Path.of(strangerKey + ".pub")).trim().split(" ")[0] + " "
                + Files.readString(Path.of(strangerKey + ".pub")).trim().split(" ")[1];
        Path hosts = knownHosts("known_hosts_changed", "[127.0.0.1]:" + server.port() + " " + otherKey);
        try (RepoFollower f = follow("state-changed", new GitAuth.SshKey(key, hosts), Map.of())) {
            GitException.HostKeyRejected e = assertThrows(GitException.HostKeyRejected.class, f::fetch);
            assertTrue(e.getMessage().contains("is not the one listed in known_hosts file " + hosts), e.getMessage());
        }
    }

    @Test
    void aMissingKnownHostsFileIsRefused() throws Exception {
        Path hosts = tmp.resolve("no-such-known-hosts");
        try (RepoFollower f = follow("state-nofile", new GitAuth.SshKey(key, hosts), Map.of())) {
            GitException.HostKeyRejected e = assertThrows(GitException.HostKeyRejected.class, f::remoteHead);
            assertTrue(e.getMessage().contains("cannot read known_hosts file " + hosts), e.getMessage());
        }
    }

    @Test
    void anUnauthorizedKeyIsAnAuthenticationFailure() throws Exception {
        Path hosts = knownHosts("known_hosts_auth", server.knownHostsLine());
        try (RepoFollower f = follow("state-stranger", new GitAuth.SshKey(strangerKey, hosts), Map.of())) {
            GitException e = assertThrows(GitException.AuthenticationFailed.class, f::remoteHead);
            assertTrue(e.getMessage().contains(server.url("config")), e.getMessage());
            assertTrue(e.needsOperator());
        }
        try (RepoFollower f = follow("state-nokey", new GitAuth.SshKey(tmp.resolve("no-key"), hosts), Map.of())) {
            GitException e = assertThrows(GitException.AuthenticationFailed.class, f::remoteHead);
            assertEquals("SSH private key file " + tmp.resolve("no-key") + " does not exist", e.getMessage());
        }
    }
}
