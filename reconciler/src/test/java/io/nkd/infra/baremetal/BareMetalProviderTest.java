package io.nkd.infra.baremetal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nkd.config.Infrastructure;
import io.nkd.config.NodePool;
import io.nkd.infra.MachineMetadata;
import io.nkd.infra.MachineRequest;
import io.nkd.infra.MachineSpec;
import io.nkd.infra.OwnedResource;
import io.nkd.infra.Provider;
import io.nkd.infra.ProviderException;
import io.nkd.infra.ProvisionedMachine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Registering bare-metal machines: kept in the state directory across restarts, by MAC, per cluster. */
class BareMetalProviderTest {
    static final String POINTER = "{\"ignition\":{\"version\":\"3.3.0\"},\"secret\":\"TOKEN-VALUE-1234\"}";
    static final Infrastructure.BareMetal SETTINGS = new Infrastructure.BareMetal(null,
            new Infrastructure.PxeImages("http://boot/k", "http://boot/i.img", "http://boot/r.img"), "/dev/vda", null,
            List.of("console=ttyS0"));

    @TempDir
    Path state;
    private final Clock clock = Clock.fixed(Instant.parse("2026-12-06T05:00:00Z"), ZoneOffset.UTC);
    private final Map<String, Instant> fetched = new HashMap<>();

    private Provider provider() {
        return new BareMetalProvider(new BareMetalRegistry(state), cluster -> cluster.equals("lab") ? Map.copyOf(fetched) : Map.of(),
                clock).withSettings(SETTINGS);
    }

    static MachineRequest request(String cluster, String node, String mac) {
        return new MachineRequest(cluster, "workers", node, NodePool.Role.WORKER, "0123456789abcdef0123456789abcdef01234567",
                "rendered-workers-abc", null, new MachineSpec("", "http://boot/r.img", mac, "10.0.0.21"), POINTER);
    }

    @Test
    void aRegisteredMachineSurvivesARestartAndIsFoundByMacInAnySpelling() throws Exception {
        ProvisionedMachine created = provider().create(request("lab", "lab-worker-1", "52:54:00:AA:BB:21"));
        assertEquals(ProvisionedMachine.State.BUILDING, created.state(), "waits for its PXE boot");
        assertTrue(created.message().contains("waiting for a PXE boot from MAC 52:54:00:aa:bb:21"), created.message());

        Path file = state.resolve("baremetal/lab.json");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)), "the pointer holds the node's token");
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())));

        BareMetalRegistry restarted = new BareMetalRegistry(state);
        for (String spelling : List.of("52:54:00:aa:bb:21", "52-54-00-AA-BB-21", "525400aabb21")) {
            BareMetalHost h = restarted.byMac(MacAddress.parse(spelling).orElseThrow()).orElseThrow(() -> new AssertionError(spelling));
            assertEquals("lab-worker-1", h.node());
            assertEquals(POINTER, h.pointer());
            assertEquals("/dev/vda", h.boot().installDisk());
            assertEquals("rendered-workers-abc", h.metadata().get(MachineMetadata.CONFIG_VERSION));
        }
        List<ProvisionedMachine> listed = provider().list("lab");
        assertEquals(1, listed.size());
        ProvisionedMachine m = listed.get(0);
        assertEquals("workers", m.pool());
        assertEquals("10.0.0.21", m.address());
        assertEquals("52:54:00:AA:BB:21", m.spec().mac(), "the spec as Git wrote it, so a changed MAC plans a replacement");
        assertEquals(Instant.parse("2026-12-06T05:00:00Z"), m.createdAt());
        assertFalse(restarted.byMac(MacAddress.parse("52:54:00:aa:bb:22").orElseThrow()).isPresent());
        assertFalse(restarted.hosts("lab").get(0).toString().contains("TOKEN"), "toString never shows the pointer");
    }

    @Test
    void createIsIdempotentAndAMacBelongsToOneNode() {
        Provider p = provider();
        p.create(request("lab", "lab-worker-1", "52:54:00:aa:bb:21"));
        p.create(request("lab", "lab-worker-1", "52:54:00:aa:bb:21"));
        assertEquals(1, p.list("lab").size(), "creating an existing machine returns it");
        ProviderException e = assertThrows(ProviderException.class, () -> p.create(request("other", "other-worker-1", "52-54-00-aa-bb-21")));
        assertEquals(ProviderException.Kind.CONFLICT, e.kind());
        assertTrue(e.getMessage().contains("registered for node lab-worker-1 of cluster lab"), e.getMessage());
        assertTrue(p.list("other").isEmpty(), "nothing registered for the refused machine");
        ProviderException noMac = assertThrows(ProviderException.class, () -> p.create(request("lab", "lab-worker-2", "")));
        assertTrue(noMac.getMessage().contains("no MAC address in cluster.yaml"), noMac.getMessage());
    }

    @Test
    void aMachineIsActiveOnceItsNodeFetchedItsConfig() {
        Provider p = provider();
        p.create(request("lab", "lab-worker-1", "52:54:00:aa:bb:21"));
        fetched.put("lab-worker-1", Instant.parse("2026-12-06T05:10:00Z"));
        ProvisionedMachine m = p.list("lab").get(0);
        assertEquals(ProvisionedMachine.State.ACTIVE, m.state());
        assertTrue(m.message().contains("fetched its config at 2026-12-06T05:10:00Z"), m.message());
    }

    @Test
    void machinesNotYetInstalledFollowChangedBootSettings() {
        BareMetalProvider base = new BareMetalProvider(new BareMetalRegistry(state), cluster -> Map.copyOf(fetched), clock);
        base.withSettings(SETTINGS).create(request("lab", "lab-worker-1", "52:54:00:aa:bb:21"));
        base.withSettings(SETTINGS).create(request("lab", "lab-worker-2", "52:54:00:aa:bb:22"));
        fetched.put("lab-worker-2", Instant.parse("2026-12-06T05:10:00Z"));
        Infrastructure.BareMetal fixed = new Infrastructure.BareMetal(null,
                new Infrastructure.PxeImages("http://boot/k2", "http://boot/i.img", "http://boot/r.img"), "/dev/sdb", null, List.of());
        base.withSettings(fixed).list("lab");
        BareMetalRegistry restarted = new BareMetalRegistry(state);
        BareMetalHost waiting = restarted.host("lab", "lab-worker-1").orElseThrow();
        assertEquals("http://boot/k2", waiting.boot().kernel(), "a fixed kernel URL reaches the machine still waiting to boot");
        assertEquals("/dev/sdb", waiting.boot().installDisk());
        assertEquals(POINTER, waiting.pointer(), "same registration, same pointer");
        assertEquals("/dev/vda", restarted.host("lab", "lab-worker-2").orElseThrow().boot().installDisk(),
                "an installed machine keeps what it was installed with");
    }

    @Test
    void deleteAndDestroyTouchOnlyTheirCluster() {
        Provider p = provider();
        p.create(request("lab", "lab-worker-1", "52:54:00:aa:bb:21"));
        p.create(request("lab", "lab-worker-2", "52:54:00:aa:bb:22"));
        p.create(request("other", "other-worker-1", "52:54:00:aa:bb:31"));
        assertEquals(List.of(new OwnedResource("ipxe-host", "lab-worker-1", "52:54:00:aa:bb:21"),
                new OwnedResource("ipxe-host", "lab-worker-2", "52:54:00:aa:bb:22")), p.owned("lab"));

        p.delete("lab", "lab-worker-1");
        p.delete("lab", "lab-worker-1"); // a missing machine: succeeds
        BareMetalRegistry after = new BareMetalRegistry(state);
        assertFalse(after.byMac(MacAddress.parse("52:54:00:aa:bb:21").orElseThrow()).isPresent(), "iPXE no longer answers it");

        assertEquals(1, p.destroy("lab").size());
        assertEquals(List.of(), p.destroy("lab"), "a second destroy finds nothing");
        assertFalse(Files.exists(state.resolve("baremetal/lab.json")), "the cluster's registry file is gone");
        assertEquals(List.of("other-worker-1"), new BareMetalRegistry(state).hosts("other").stream().map(BareMetalHost::node).toList());
    }

    @Test
    void anUnreadableRegistryFileIsNamedWithoutItsContent() throws Exception {
        Files.createDirectories(state.resolve("baremetal"));
        Files.writeString(state.resolve("baremetal/lab.json"), "[{\"mac\": \"TOKEN-VALUE-1234\"");
        var e = assertThrows(java.io.UncheckedIOException.class, () -> new BareMetalRegistry(state));
        assertTrue(e.getMessage().contains("baremetal/lab.json is unreadable") && e.getMessage().contains("backup"), e.getMessage());
        assertFalse(e.getMessage().contains("TOKEN"), e.getMessage());
    }
}
