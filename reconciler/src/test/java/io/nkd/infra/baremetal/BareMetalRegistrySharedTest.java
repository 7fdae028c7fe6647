package io.nkd.infra.baremetal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nkd.infra.MachineMetadata;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code nkd destroy} runs in its own process, with its own registry, while {@code nkd serve} keeps answering iPXE
 * requests from the same files: what one process removes must be gone for the other too, and the other must never
 * write it back.
 */
class BareMetalRegistrySharedTest {
    private static final MacAddress MAC = MacAddress.parse("52:54:00:aa:bb:21").orElseThrow();

    @TempDir
    Path state;

    private static BareMetalHost host(String pointer) {
        BootSettings boot = BootSettings.of(BareMetalProviderTest.SETTINGS).orElseThrow();
        return new BareMetalHost(MAC.value(), "lab", "lab-worker-1", Map.of(MachineMetadata.POOL, "workers"), boot, pointer, 0, null, null);
    }

    @Test
    void aRegistrationRemovedByAnotherProcessIsNotAnsweredNorWrittenBack() {
        BareMetalRegistry daemon = new BareMetalRegistry(state);
        daemon.register(host("{\"old\":\"TOKEN-1\"}"));
        assertTrue(daemon.byMac(MAC).isPresent());

        BareMetalRegistry destroy = new BareMetalRegistry(state); // nkd destroy lab --confirm lab
        assertTrue(destroy.unregister("lab", "lab-worker-1"));
        assertFalse(Files.exists(state.resolve("baremetal/lab.json")));

        assertFalse(daemon.byMac(MAC).isPresent(), "iPXE answers 404 once nkd destroy unregistered the machine");
        assertEquals(List.of(), daemon.hosts("lab"));
        daemon.pointerFetched(host("{\"old\":\"TOKEN-1\"}"), "10.0.0.9", Instant.parse("2026-12-06T07:00:00Z"));
        assertFalse(Files.exists(state.resolve("baremetal/lab.json")), "a late pointer fetch must not bring the registration back");

        // the cluster comes back to Git: the daemon registers it with the new pointer (new token), not the revoked one
        BareMetalHost again = daemon.register(host("{\"new\":\"TOKEN-2\"}"));
        assertEquals("{\"new\":\"TOKEN-2\"}", again.pointer());
        assertEquals("{\"new\":\"TOKEN-2\"}", daemon.byMac(MAC).orElseThrow().pointer());
    }

    @Test
    void aRegistrationWrittenByAnotherProcessIsSeen() {
        BareMetalRegistry daemon = new BareMetalRegistry(state);
        BareMetalRegistry other = new BareMetalRegistry(state);
        other.register(host("{\"p\":\"TOKEN-3\"}"));
        assertEquals("lab-worker-1", daemon.byMac(MAC).orElseThrow().node());
        BareMetalHost fetched = daemon.pointerFetched(daemon.byMac(MAC).orElseThrow(), "10.0.0.9", Instant.parse("2026-12-06T07:00:00Z"));
        assertEquals(1, fetched.pointerFetches());
        assertEquals(1, other.host("lab", "lab-worker-1").orElseThrow().pointerFetches(), "the other process sees the write");
        assertNotEquals(0, daemon.hosts("lab").get(0).pointerFetches());
    }
}
