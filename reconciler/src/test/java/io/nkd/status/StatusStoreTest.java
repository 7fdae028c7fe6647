package io.nkd.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nkd.state.ClusterState;
import io.nkd.state.LocalStateStore;
import io.nkd.state.Sensitivity;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A corrupt status or history of one cluster is reported for that cluster and stops nothing. */
class StatusStoreTest {
    @TempDir
    Path tmp;

    private static ClusterStatus ready(String name) {
        return new ClusterStatus(name, "a".repeat(40), "a".repeat(40), ClusterStatus.Phase.READY, List.of(), List.of(), List.of(),
                null, Instant.parse("2026-01-01T00:00:00Z"), Instant.parse("2026-01-01T00:00:00Z"));
    }

    @Test
    void aCorruptStatusReadsAsUnknownNamingTheFileAndOthersAreUnaffected() throws Exception {
        LocalStateStore store = new LocalStateStore(tmp.resolve("state"));
        for (String c : List.of("one", "two")) {
            try (ClusterState s = store.open(c)) {
                StatusStore.save(s, ready(c));
            }
        }
        Path file = store.root().resolve("clusters/one/status.json");
        Files.writeString(file, "{\"name\": \"one\", \"phase\": \"REA");

        ClusterStatus one = StatusStore.status(store.view("one")).orElseThrow();
        assertEquals(ClusterStatus.Phase.UNKNOWN, one.phase());
        Condition readyCondition = one.condition("Ready");
        assertEquals(Condition.Status.UNKNOWN, readyCondition.status());
        assertEquals(Reasons.STATUS_UNREADABLE, readyCondition.reason());
        assertTrue(readyCondition.message().startsWith("state file " + file + " is corrupt: the JSON ends early, at line 1"),
                readyCondition.message());
        assertTrue(readyCondition.message().contains("delete it and nkd will regenerate it"), readyCondition.message());
        assertFalse(readyCondition.message().contains("REA"), "the file's content is never quoted");
        assertEquals(Reasons.STATUS_UNREADABLE, one.lastError().reason());

        assertEquals(ClusterStatus.Phase.READY, StatusStore.status(store.view("two")).orElseThrow().phase());

        // the next reconcile's save replaces it
        try (ClusterState s = store.open("one")) {
            StatusStore.save(s, ready("one"));
        }
        assertEquals(ClusterStatus.Phase.READY, StatusStore.status(store.view("one")).orElseThrow().phase());
    }

    @Test
    void aCorruptHistoryIsKeptAsideAndANewOneBegins() throws Exception {
        LocalStateStore store = new LocalStateStore(tmp.resolve("state"));
        HistoryEntry first = new HistoryEntry("a".repeat(40), Instant.parse("2026-01-01T00:00:00Z"), HistoryEntry.Outcome.APPLIED, null, "ready");
        try (ClusterState s = store.open("one")) {
            StatusStore.record(s, first);
        }
        Path file = store.root().resolve("clusters/one/history.json");
        byte[] garbage = "{\"entries\": [tru".getBytes(StandardCharsets.UTF_8);
        Files.write(file, garbage);

        HistoryEntry next = new HistoryEntry("b".repeat(40), Instant.parse("2026-01-02T00:00:00Z"), HistoryEntry.Outcome.APPLIED, null, "ready");
        try (ClusterState s = store.open("one")) {
            StatusStore.record(s, next);
        }
        assertEquals(List.of(next), StatusStore.history(store.view("one")));
        assertEquals(new String(garbage, StandardCharsets.UTF_8),
                Files.readString(store.root().resolve("clusters/one/" + StatusStore.HISTORY_CORRUPT)), "kept for a human");
    }

    @Test
    void theProviderIsWrittenAsInClusterYamlAndAnOlderOrNewerStatusStillReads() throws Exception {
        LocalStateStore store = new LocalStateStore(tmp.resolve("state"));
        ClusterStatus r = ready("one");
        try (ClusterState s = store.open("one")) {
            StatusStore.save(s, new ClusterStatus(r.name(), r.appliedRevision(), r.attemptedRevision(), r.phase(), r.conditions(),
                    r.pools(), r.nodes(), null, r.appliedAt(), r.updatedAt(), null, null, null,
                    io.nkd.config.Infrastructure.ProviderType.OPENSTACK));
        }
        Path file = store.root().resolve("clusters/one/status.json");
        String json = Files.readString(file);
        assertTrue(json.contains("\"provider\" : \"openstack\"") || json.contains("\"provider\":\"openstack\""), json);
        assertEquals(io.nkd.config.Infrastructure.ProviderType.OPENSTACK, StatusStore.status(store.view("one")).orElseThrow().provider());
        // a status an older nkd wrote has no provider; a newer nkd's may name one this one does not know: both read
        var tree = (com.fasterxml.jackson.databind.node.ObjectNode) new com.fasterxml.jackson.databind.ObjectMapper().readTree(json);
        tree.remove("provider");
        Files.writeString(file, tree.toString());
        ClusterStatus older = StatusStore.status(store.view("one")).orElseThrow();
        assertEquals(ClusterStatus.Phase.READY, older.phase());
        assertEquals(null, older.provider());
        Files.writeString(file, json.replace("\"openstack\"", "\"vsphere\""));
        ClusterStatus newer = StatusStore.status(store.view("one")).orElseThrow();
        assertEquals(ClusterStatus.Phase.READY, newer.phase(), "an unknown provider does not make the status unreadable");
        assertEquals(null, newer.provider());
    }

    @Test
    void aMissingStatusIsEmpty() {
        LocalStateStore store = new LocalStateStore(tmp.resolve("state"));
        assertTrue(StatusStore.status(store.view("none")).isEmpty());
        try (ClusterState s = store.open("none")) {
            s.write("other", new byte[0], Sensitivity.PUBLIC);
        }
        assertTrue(StatusStore.status(store.view("none")).isEmpty());
    }
}
