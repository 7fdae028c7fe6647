package io.nkd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nkd.state.ClusterState;
import io.nkd.state.LocalStateStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeTokensTest {
    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");

    @TempDir
    Path tmp;
    private LocalStateStore store;
    private NodeTokens tokens;

    @BeforeEach
    void setUp() {
        store = new LocalStateStore(tmp.resolve("state"));
        tokens = new NodeTokens(store, ServerFixture.seeded(1), Clock.fixed(NOW, ZoneOffset.UTC));
    }

    @Test
    void tokensAre256RandomBitsInUrlSafeBase64() {
        NodeToken a = tokens.issue("lab", "workers", "w-1");
        NodeToken b = tokens.issue("lab", "workers", "w-1");
        assertTrue(a.value().matches("[A-Za-z0-9_-]{43}"), a.value().length() + " characters");
        assertEquals(32, Base64.getUrlDecoder().decode(a.value()).length);
        assertNotEquals(a.value(), b.value());
        assertTrue(a.id().matches("[0-9a-f]{16}"));
        assertNotEquals(a.id(), b.id());
    }

    @Test
    void aTokenAuthenticatesAsItsClusterPoolAndNode() {
        NodeToken t = tokens.issue("lab", "workers", "w-1");
        assertEquals(Optional.of(new TokenGrant("lab", "workers", "w-1", t.id())), tokens.authenticate("lab", t.value()));
        assertEquals(Optional.empty(), tokens.authenticate("other", t.value()), "only in its own cluster");
        assertEquals(Optional.empty(), tokens.authenticate("lab", t.value() + "x"), "unknown");
        assertEquals(Optional.empty(), tokens.authenticate("lab", "short"), "malformed");
        assertEquals(Optional.empty(), tokens.authenticate("lab", null));
        assertEquals(Optional.empty(), tokens.authenticate("../lab", t.value()), "invalid cluster names are no error, just no grant");
        assertEquals(Optional.empty(), tokens.authenticate("ghost", t.value()));
        assertEquals(List.of("lab"), store.listClusters(), "asking about a cluster creates no state for it");
    }

    @Test
    void onlyTheHashIsStoredInASecretFile() throws Exception {
        NodeToken t = tokens.issue("lab", "workers", "w-1");
        Path file = store.root().resolve("clusters/lab/" + NodeTokens.PATH);
        String stored = Files.readString(file);
        assertFalse(stored.contains(t.value()), stored);
        assertTrue(stored.contains(NodeTokens.sha256(t.value())));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        TokenRecord r = tokens.list("lab").get(0);
        assertEquals(new TokenRecord(t.id(), NodeTokens.sha256(t.value()), "workers", "w-1", NOW, null), r);
    }

    @Test
    void theRegistryPersists() {
        NodeToken t = tokens.issue("lab", "workers", "w-1");
        NodeTokens again = new NodeTokens(new LocalStateStore(tmp.resolve("state")), ServerFixture.seeded(2), Clock.systemUTC());
        assertTrue(again.authenticate("lab", t.value()).isPresent());
    }

    @Test
    void revokingANodeRevokesAllItsTokensAndNoOthers() {
        NodeToken a = tokens.issue("lab", "workers", "w-1");
        NodeToken b = tokens.issue("lab", "workers", "w-1");
        NodeToken other = tokens.issue("lab", "workers", "w-2");
        assertEquals(2, tokens.revokeNode("lab", "w-1"));
        assertEquals(0, tokens.revokeNode("lab", "w-1"), "already revoked");
        assertTrue(tokens.authenticate("lab", a.value()).isEmpty());
        assertTrue(tokens.authenticate("lab", b.value()).isEmpty());
        assertTrue(tokens.authenticate("lab", other.value()).isPresent());
        assertEquals(NOW, tokens.list("lab").get(0).revokedAt(), "revocation is recorded, not deleted");
    }

    @Test
    void revokingOneTokenById() {
        NodeToken a = tokens.issue("lab", "workers", "w-1");
        NodeToken b = tokens.issue("lab", "workers", "w-1");
        assertTrue(tokens.revoke("lab", a.id()));
        assertFalse(tokens.revoke("lab", a.id()));
        assertFalse(tokens.revoke("lab", "0000000000000000"));
        assertTrue(tokens.authenticate("lab", a.value()).isEmpty());
        assertTrue(tokens.authenticate("lab", b.value()).isPresent());
    }

    @Test
    void aCallerHoldingTheLockIssuesThroughItsHandle() {
        try (ClusterState state = store.open("lab")) {
            NodeToken t = tokens.issue(state, "workers", "w-1");
            assertTrue(tokens.authenticate("lab", t.value()).isPresent(), "reads need no lock");
        }
    }

    @Test
    void namesAreChecked() {
        assertThrows(IllegalArgumentException.class, () -> tokens.issue("lab", "Workers", "w-1"));
        assertThrows(IllegalArgumentException.class, () -> tokens.issue("lab", "workers", "w_1"));
        assertThrows(IllegalArgumentException.class, () -> tokens.issue("lab", "workers", ""));
    }

    @Test
    void toStringNeverShowsTheToken() {
        NodeToken t = tokens.issue("lab", "workers", "w-1");
        assertFalse(t.toString().contains(t.value()));
        assertTrue(t.toString().contains("w-1") && t.toString().contains(t.id()));
    }
}
