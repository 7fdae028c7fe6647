package io.nkd.git;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The known_hosts rules, on the {@code ServerKeyDatabase} directly (the SSH tests cover the wiring). */
class KnownHostsDatabaseTest {
    @TempDir
    Path tmp;

    private static PublicKey newKey() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair().getPublic();
    }

    private static String entry(PublicKey key) {
        return PublicKeyEntry.toString(key);
    }

    /** OpenSSH's HashKnownHosts form: |1|salt|HMAC-SHA1(salt, host). */
    private static String hashed(String host) throws Exception {
        byte[] salt = new byte[20];
        new java.security.SecureRandom().nextBytes(salt);
        Mac mac = Mac.getInstance("HmacSHA1");
        mac.init(new SecretKeySpec(salt, "HmacSHA1"));
        byte[] h = mac.doFinal(host.getBytes(StandardCharsets.UTF_8));
        return "|1|" + Base64.getEncoder().encodeToString(salt) + "|" + Base64.getEncoder().encodeToString(h);
    }

    private KnownHostsDatabase db(String... lines) throws Exception {
        Path file = tmp.resolve("known_hosts");
        Files.write(file, List.of(lines));
        return new KnownHostsDatabase(file);
    }

    private static boolean accepts(KnownHostsDatabase db, String host, PublicKey key) {
        return db.accept(host, null, key, null, null);
    }

    @Test
    void plainHashedPortAndWildcardEntriesMatch() throws Exception {
        PublicKey a = newKey();
        PublicKey b = newKey();
        PublicKey c = newKey();
        KnownHostsDatabase db = db(
                "git.example.org,192.0.2.7 " + entry(a),
                hashed("github.com") + " " + entry(b),
                "[127.0.0.1]:2222 " + entry(c),
                "*.corp.example " + entry(c));
        assertTrue(accepts(db, "git.example.org", a));
        assertTrue(accepts(db, "192.0.2.7", a));
        assertTrue(accepts(db, "github.com", b));
        assertTrue(accepts(db, "[127.0.0.1]:2222", c));
        assertTrue(accepts(db, "git.corp.example", c));
        List<PublicKey> found = db.lookup("github.com", null, null);
        assertEquals(1, found.size());
        assertTrue(KeyUtils.compareKeys(b, found.get(0)));
        assertTrue(db.lastRejection().isEmpty());
    }

    @Test
    void aHostOnAnotherPortIsUnknown() throws Exception {
        PublicKey c = newKey();
        KnownHostsDatabase db = db("[127.0.0.1]:2222 " + entry(c), "127.0.0.1 " + entry(newKey()));
        assertFalse(accepts(db, "[127.0.0.1]:2223", c));
        assertEquals(KnownHostsDatabase.Reason.UNKNOWN_HOST, db.lastRejection().orElseThrow().reason());
        assertEquals("[127.0.0.1]:2223", db.lastRejection().orElseThrow().host());
    }

    @Test
    void anotherKeyForAKnownHostIsAMismatch() throws Exception {
        KnownHostsDatabase db = db("git.example.org " + entry(newKey()));
        assertFalse(accepts(db, "git.example.org", newKey()));
        KnownHostsDatabase.Rejection r = db.lastRejection().orElseThrow();
        assertEquals(KnownHostsDatabase.Reason.KEY_MISMATCH, r.reason());
        assertTrue(r.message().contains("the key git.example.org offered (SHA256:"), r.message());
        assertTrue(r.message().contains("known_hosts file " + tmp.resolve("known_hosts")), r.message());
    }

    @Test
    void aRevokedKeyIsRefusedEvenWhenAlsoListed() throws Exception {
        PublicKey a = newKey();
        KnownHostsDatabase db = db("git.example.org " + entry(a), "@revoked * " + entry(a));
        assertFalse(accepts(db, "git.example.org", a));
        assertEquals(KnownHostsDatabase.Reason.REVOKED, db.lastRejection().orElseThrow().reason());
    }

    @Test
    void certAuthorityLinesAreNotTrustedAsHostKeys() throws Exception {
        PublicKey ca = newKey();
        KnownHostsDatabase db = db("@cert-authority *.example.org " + entry(ca));
        assertFalse(accepts(db, "git.example.org", ca));
        assertEquals(KnownHostsDatabase.Reason.UNKNOWN_HOST, db.lastRejection().orElseThrow().reason());
    }

    @Test
    void theFileIsReadAtEachConnection() throws Exception {
        PublicKey a = newKey();
        KnownHostsDatabase db = db("# empty");
        assertFalse(accepts(db, "git.example.org", a));
        Files.writeString(tmp.resolve("known_hosts"), "git.example.org " + entry(a) + "\n");
        db.clearRejection();
        assertTrue(accepts(db, "git.example.org", a));
        assertTrue(db.lastRejection().isEmpty());
    }

    @Test
    void aMissingFileRefusesEverything() throws Exception {
        KnownHostsDatabase db = new KnownHostsDatabase(tmp.resolve("absent"));
        assertFalse(accepts(db, "github.com", newKey()));
        KnownHostsDatabase.Rejection r = db.lastRejection().orElseThrow();
        assertEquals(KnownHostsDatabase.Reason.FILE_UNREADABLE, r.reason());
        assertTrue(r.message().contains("cannot read known_hosts file " + tmp.resolve("absent") + " (no such file)"),
                r.message());
    }
}
