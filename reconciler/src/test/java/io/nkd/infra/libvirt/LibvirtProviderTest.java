package io.nkd.infra.libvirt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
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
import io.nkd.testkit.Ci;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.LibvirtException;
import org.libvirt.StoragePool;
import org.w3c.dom.Element;

/**
 * The libvirt provider's lifecycle against libvirt's built-in test driver ({@code test:///default}): real libvirt client
 * library, real XML parsing and validation by libvirt, an in-memory hypervisor with a storage pool ({@code default-pool})
 * and a NAT network ({@code default}). All connections to {@code test:///default} in one process share that hypervisor
 * while any is referenced, so a second provider instance (a new connection) stands for a restarted nkd. libvirt-java
 * releases its objects (each holding its connection) only when they are garbage-collected, so closing the connections
 * does not reliably start the hypervisor afresh: each test starts by removing what earlier tests left.
 */
class LibvirtProviderTest {
    private static final String URI = "test:///default";
    private static final String POOL = "default-pool";
    private static final String BASE = "nestos-base.qcow2";
    private static final String REVISION = "0123456789abcdef0123456789abcdef01234567";

    @TempDir
    Path stateDir;
    private Connect libvirt;
    private LibvirtProviders providers;
    private final Clock clock = Clock.fixed(Instant.parse("2026-12-06T05:00:00Z"), ZoneOffset.UTC);

    @BeforeEach
    void open() throws LibvirtException {
        libvirt = connect();
        reset();
        StoragePool pool = libvirt.storagePoolLookupByName(POOL);
        pool.storageVolCreateXML("<volume><name>" + BASE + "</name><capacity unit='GiB'>10</capacity>"
                + "<target><format type='qcow2'/></target></volume>", 0);
        providers = new LibvirtProviders(stateDir, clock);
    }

    @AfterEach
    void close() throws LibvirtException {
        if (providers != null) {
            providers.close();
        }
        if (libvirt != null) {
            libvirt.close(); // the last connection: the test hypervisor starts afresh for the next test
        }
    }

    /** Back to the test driver's initial hypervisor: its own domain "test", an empty pool, no DHCP reservations. */
    private void reset() throws LibvirtException {
        for (Domain d : libvirt.listAllDomains(0)) {
            if (!d.getName().equals("test")) {
                if (d.isActive() == 1) {
                    d.destroy();
                }
                d.undefine();
            }
        }
        StoragePool pool = libvirt.storagePoolLookupByName(POOL);
        for (String v : pool.listVolumes()) {
            pool.storageVolLookupByName(v).delete(0);
        }
        try (LibvirtHost host = new LibvirtHost(URI)) {
            Element net = Xml.parse(networkXml());
            for (Element ip : Xml.children(net, "ip")) {
                for (Element h : Xml.children(Xml.child(ip, "dhcp"), "host")) {
                    host.updateDhcpHost("default", NetworkApi.DELETE, DomainXml.dhcpHost(h.getAttribute("mac"), h.getAttribute("name"),
                            h.getAttribute("ip")), true);
                }
            }
        }
    }

    /** The test driver's hypervisor, or a skip (a failure under CI) when libvirt's client library is missing. */
    private static Connect connect() throws LibvirtException {
        Throwable missing = null;
        try {
            return new Connect(URI);
        } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
            missing = e;
        }
        Ci.require(false, "libvirt's client library cannot be loaded (" + missing + "): apt-get install libvirt-clients (it brings libvirt0)");
        throw new AssertionError("unreachable");
    }

    private static Infrastructure.Libvirt settings() {
        return new Infrastructure.Libvirt(URI, "default", POOL, BASE, null, null, null, null, null, null);
    }

    private Provider provider() {
        return providers.forSettings(settings());
    }

    private static MachineRequest request(String cluster, String pool, NodePool.Role role, String name, String ip) {
        NodePool.MachineSize size = new NodePool.MachineSize(2, 3072, 20, null);
        return new MachineRequest(cluster, pool, name, role, REVISION, "rendered-" + pool + "-0a1b2c3d", size,
                new MachineSpec(MachineSpec.size(size), BASE, "", ip == null ? "" : ip),
                "{\"ignition\":{\"version\":\"3.3.0\",\"config\":{\"merge\":[{\"source\":\"https://nkd.example:8443/ignition/"
                        + name + "\",\"httpHeaders\":[{\"name\":\"Authorization\",\"value\":\"Bearer token-of-" + name + "\"}]}]}}}");
    }

    private static MachineRequest worker(String cluster, String name, String ip) {
        return request(cluster, "workers", NodePool.Role.WORKER, name, ip);
    }

    private Element domainXml(String name) throws LibvirtException {
        return Xml.parse(libvirt.domainLookupByName(name).getXMLDesc(0));
    }

    private String networkXml() throws LibvirtException {
        return libvirt.networkLookupByName("default").getXMLDesc(0);
    }

    private List<String> volumes() throws LibvirtException {
        return List.of(libvirt.storagePoolLookupByName(POOL).listVolumes());
    }

    private List<String> domains() throws LibvirtException {
        return java.util.Arrays.stream(libvirt.listAllDomains(0)).map(d -> {
            try {
                return d.getName();
            } catch (LibvirtException e) {
                throw new IllegalStateException(e);
            }
        }).sorted().toList();
    }

    @Test
    void createsAControlPlaneNodeAndTwoWorkersAsRunningDomainsThatCarryNkdsMetadata() throws Exception {
        Provider p = provider();
        p.create(request("lab", "control-plane", NodePool.Role.CONTROL_PLANE, "lab-cp-1", "192.168.122.10"));
        p.create(worker("lab", "lab-worker-1", "192.168.122.21"));
        ProvisionedMachine w2 = p.create(worker("lab", "lab-worker-2", "192.168.122.22"));

        assertEquals("lab-worker-2", w2.name());
        assertEquals(ProvisionedMachine.State.ACTIVE, w2.state());
        List<ProvisionedMachine> listed = p.list("lab");
        assertEquals(List.of("lab-cp-1", "lab-worker-1", "lab-worker-2"), listed.stream().map(ProvisionedMachine::name).toList());
        ProvisionedMachine cp = listed.get(0);
        assertEquals("control-plane", cp.pool());
        assertEquals(ProvisionedMachine.State.ACTIVE, cp.state());
        assertEquals(REVISION, cp.revision());
        assertEquals("rendered-control-plane-0a1b2c3d", cp.configVersion());
        assertEquals(new MachineSpec("2 CPUs, 3072 MiB, 20 GiB disk", BASE, "", "192.168.122.10"), cp.spec());
        assertEquals(clock.instant(), cp.createdAt());
        assertEquals("192.168.122.10", cp.address());
        assertNull(cp.currentConfig(), "libvirt does not know which config the guest fetched: the Ignition server does");
        // the test driver's own domain is not nkd's
        assertTrue(domains().contains("test"));
        assertFalse(listed.stream().anyMatch(m -> m.name().equals("test")));
    }

    @Test
    void theDomainXmlCarriesThePointerConfigInFwCfgTheSizeTheNetworkAndTheMetadata() throws Exception {
        MachineRequest r = worker("lab", "lab-worker-1", "192.168.122.21");
        provider().create(r);

        Element d = domainXml("lab-worker-1");
        assertTrue(libvirt.domainLookupByName("lab-worker-1").getAutostart(), "starts again when the host reboots");
        assertEquals(3072L * 1024, Long.parseLong(Xml.text(Xml.child(d, "memory"))), "memory in KiB");
        assertEquals("KiB", Xml.child(d, "memory").getAttribute("unit"));
        assertEquals("2", Xml.text(Xml.child(d, "vcpu")));

        Element sysinfo = Xml.child(d, "sysinfo");
        assertEquals("fwcfg", sysinfo.getAttribute("type"));
        Element entry = Xml.child(sysinfo, "entry");
        assertEquals("opt/com.coreos/config", entry.getAttribute("name"));
        Path pointer = Path.of(entry.getAttribute("file"));
        assertEquals(stateDir.resolve("libvirt/lab/lab-worker-1.ign"), pointer);
        assertEquals(r.userData(), Files.readString(pointer));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(pointer)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(pointer.getParent())));
        assertFalse(Xml.write(d).contains("token-of-"), "the node token stays out of the domain XML");

        Element nic = Xml.child(Xml.child(d, "devices"), "interface");
        assertEquals("network", nic.getAttribute("type"));
        assertEquals("default", Xml.child(nic, "source").getAttribute("network"));
        String mac = Xml.child(nic, "mac").getAttribute("address");
        assertEquals(LibvirtProvider.derivedMac("lab", "lab-worker-1"), mac);
        assertTrue(DomainXml.hasDhcpHost(networkXml(), mac, "192.168.122.21"), networkXml());
        assertTrue(networkXml().contains("name='lab-worker-1'") || networkXml().contains("name=\"lab-worker-1\""), networkXml());

        Element disk = Xml.child(Xml.child(d, "devices"), "disk");
        assertEquals(POOL, Xml.child(disk, "source").getAttribute("pool"));
        assertEquals("lab-worker-1.lab.nkd.qcow2", Xml.child(disk, "source").getAttribute("volume"));
        Element vol = Xml.parse(libvirt.storagePoolLookupByName(POOL).storageVolLookupByName("lab-worker-1.lab.nkd.qcow2").getXMLDesc(0));
        assertEquals("qcow2", Xml.child(Xml.child(vol, "target"), "format").getAttribute("type"));
        assertEquals(20L << 30, Long.parseLong(Xml.text(Xml.child(vol, "capacity"))), "the pool's diskGiB");
        Element backing = Xml.child(vol, "backingStore");
        assertEquals(libvirt.storagePoolLookupByName(POOL).storageVolLookupByName(BASE).getPath(), Xml.text(Xml.child(backing, "path")));

        Map<String, String> md = DomainXml.metadata(d);
        assertEquals("true", md.get(MachineMetadata.MARKER));
        assertEquals("lab", md.get(MachineMetadata.CLUSTER));
        assertEquals("workers", md.get(MachineMetadata.POOL));
        assertEquals("lab-worker-1", md.get(MachineMetadata.NODE));
        assertEquals("worker", md.get(MachineMetadata.ROLE));
        assertEquals("rendered-workers-0a1b2c3d", md.get(MachineMetadata.CONFIG_VERSION));
        assertEquals(REVISION, md.get(MachineMetadata.REVISION));
        assertEquals("192.168.122.21", md.get(MachineMetadata.IP));
        // in nkd's own namespace, as libvirt requires of custom metadata
        assertEquals(1, Xml.children(Xml.child(d, "metadata"), DomainXml.NAMESPACE, "machine").size());
    }

    @Test
    void createOfAnExistingMachineReturnsItAndARestartedNkdFindsEverything() throws Exception {
        ProvisionedMachine first = provider().create(worker("lab", "lab-worker-1", "192.168.122.21"));
        ProvisionedMachine again = provider().create(worker("lab", "lab-worker-1", "192.168.122.21"));
        assertEquals(first, again);
        assertEquals(1, domains().stream().filter(n -> n.equals("lab-worker-1")).count());

        List<ProvisionedMachine> before = provider().list("lab");
        List<OwnedResource> ownedBefore = provider().owned("lab");
        providers.close(); // nkd stops: its connection closes (the test's own keeps the test hypervisor alive)
        try (LibvirtProviders restarted = new LibvirtProviders(stateDir, Clock.offset(clock, java.time.Duration.ofHours(1)))) {
            Provider p = restarted.forSettings(settings());
            assertEquals(before, p.list("lab"));
            assertEquals(ownedBefore, p.owned("lab"));
            assertEquals(first, p.create(worker("lab", "lab-worker-1", "192.168.122.21")), "no duplicate, same creation time");
            assertEquals(List.of("lab-worker-1.lab.nkd.qcow2", BASE), volumes().stream().sorted().toList());
        }
    }

    @Test
    void scalingUpAndDownCreatesAndDeletesDomainsWithTheirVolumesReservationsAndPointerFiles() throws Exception {
        Provider p = provider();
        for (int i = 1; i <= 4; i++) {
            p.create(worker("lab", "lab-worker-" + i, "192.168.122.2" + i));
        }
        assertEquals(4, p.list("lab").size());
        p.delete("lab", "lab-worker-4");
        p.delete("lab", "lab-worker-3");
        p.delete("lab", "lab-worker-2");

        assertEquals(List.of("lab-worker-1"), p.list("lab").stream().map(ProvisionedMachine::name).toList());
        assertEquals(List.of("lab-worker-1", "test"), domains());
        assertEquals(List.of("lab-worker-1.lab.nkd.qcow2", BASE), volumes().stream().sorted().toList());
        String net = networkXml();
        assertTrue(net.contains("192.168.122.21"), net);
        for (String gone : List.of("192.168.122.22", "192.168.122.23", "192.168.122.24")) {
            assertFalse(net.contains(gone), gone + " is still reserved:\n" + net);
        }
        try (var files = Files.list(stateDir.resolve("libvirt/lab"))) {
            assertEquals(List.of("lab-worker-1.ign"), files.map(f -> f.getFileName().toString()).toList());
        }
    }

    @Test
    void deletingAMachineThatIsGoneSucceeds() throws Exception {
        Provider p = provider();
        p.delete("lab", "lab-worker-9");
        p.create(worker("lab", "lab-worker-1", null));
        p.delete("lab", "lab-worker-1");
        p.delete("lab", "lab-worker-1");
        assertEquals(List.of(), p.list("lab"));
        assertEquals(List.of(BASE), volumes());
    }

    @Test
    void destroyRemovesEverythingOfTheClusterAndNothingOfAnother() throws Exception {
        Provider p = provider();
        p.create(request("lab", "control-plane", NodePool.Role.CONTROL_PLANE, "lab-cp-1", "192.168.122.10"));
        p.create(worker("lab", "lab-worker-1", null));
        p.create(worker("prod", "prod-worker-1", "192.168.122.31"));
        String prodXml = Xml.write(domainXml("prod-worker-1"));

        List<OwnedResource> owned = p.owned("lab");
        assertEquals(List.of(
                "domain lab-cp-1", "volume default-pool/lab-cp-1.lab.nkd.qcow2",
                "dhcp-host default " + LibvirtProvider.derivedMac("lab", "lab-cp-1") + " → 192.168.122.10",
                "pointer-config " + stateDir.resolve("libvirt/lab/lab-cp-1.ign"),
                "domain lab-worker-1", "volume default-pool/lab-worker-1.lab.nkd.qcow2",
                "pointer-config " + stateDir.resolve("libvirt/lab/lab-worker-1.ign")),
                owned.stream().map(o -> o.kind() + " " + o.name()).toList());
        assertNotNull(owned.get(0).id(), "a domain's id is its UUID");

        assertEquals(owned, p.destroy("lab"));
        assertEquals(List.of(), p.owned("lab"));
        assertEquals(List.of(), p.destroy("lab"), "a second destroy finds nothing and succeeds");
        assertEquals(List.of("prod-worker-1", "test"), domains());
        assertEquals(List.of(BASE, "prod-worker-1.prod.nkd.qcow2"), volumes().stream().sorted().toList());
        assertEquals(prodXml, Xml.write(domainXml("prod-worker-1")));
        assertTrue(networkXml().contains("192.168.122.31"));
        assertFalse(networkXml().contains("192.168.122.10"));
        assertFalse(Files.exists(stateDir.resolve("libvirt/lab")));
        assertEquals(List.of("prod-worker-1"), p.list("prod").stream().map(ProvisionedMachine::name).toList());
    }

    @Test
    void aDomainOfTheSameNameThatNkdDidNotCreateIsAConflictAndLeftAlone() throws Exception {
        libvirt.domainDefineXML("<domain type='test'><name>lab-worker-1</name><memory unit='MiB'>512</memory>"
                + "<os><type>hvm</type></os></domain>");
        String theirs = Xml.write(domainXml("lab-worker-1"));
        Provider p = provider();

        ProviderException e = assertThrows(ProviderException.class, () -> p.create(worker("lab", "lab-worker-1", "192.168.122.21")));
        assertEquals(ProviderException.Kind.CONFLICT, e.kind());
        assertTrue(e.getMessage().contains("a libvirt domain named lab-worker-1 exists") && e.getMessage().contains("nkd did not create it"),
                e.getMessage());
        p.delete("lab", "lab-worker-1");
        assertEquals(List.of(), p.destroy("lab"));
        assertEquals(theirs, Xml.write(domainXml("lab-worker-1")), "untouched");
        assertEquals(List.of(), p.list("lab"));
        assertFalse(networkXml().contains("192.168.122.21"), "nothing left behind by the refused create");
        assertEquals(List.of(BASE), volumes());

        // another cluster's machine of the same name is not adopted either
        p.create(worker("prod", "prod-worker-1", null));
        ProviderException other = assertThrows(ProviderException.class, () -> p.create(worker("lab", "prod-worker-1", null)));
        assertEquals(ProviderException.Kind.CONFLICT, other.kind());
        assertTrue(other.getMessage().contains("belongs to nkd's cluster prod"), other.getMessage());
    }

    @Test
    void aStoppedDomainIsListedAsFailedWithLibvirtsStateAndCreateStartsItAgain() throws Exception {
        Provider p = provider();
        p.create(worker("lab", "lab-worker-1", null));
        Domain d = libvirt.domainLookupByName("lab-worker-1");
        d.destroy();

        ProvisionedMachine m = p.list("lab").get(0);
        assertEquals(ProvisionedMachine.State.FAILED, m.state());
        assertTrue(m.message().contains("shut off"), m.message());
        assertEquals(ProvisionedMachine.State.ACTIVE, p.create(worker("lab", "lab-worker-1", null)).state());
    }

    @Test
    void aCreateThatFailsHalfwayLeavesNothingBehind() throws Exception {
        // an address someone else reserved for another MAC: libvirt refuses the reservation
        libvirt.networkLookupByName("default");
        Provider p = provider();
        p.create(worker("prod", "prod-worker-1", "192.168.122.50"));
        ProviderException e = assertThrows(ProviderException.class, () -> p.create(worker("lab", "lab-worker-1", "192.168.122.50")));
        assertEquals(ProviderException.Kind.CONFLICT, e.kind(), e.getMessage());
        assertNotNull(e.providerMessage(), "libvirt's own words");
        assertTrue(e.getMessage().contains(e.providerMessage()), e.getMessage());
        assertEquals(List.of(), p.owned("lab"));
        assertEquals(List.of("prod-worker-1", "test"), domains());
        assertEquals(List.of(BASE, "prod-worker-1.prod.nkd.qcow2"), volumes().stream().sorted().toList());
    }

    @Test
    void missingPoolBaseImageOrNetworkIsNotFoundNamingTheSetting() {
        record Case(Infrastructure.Libvirt settings, String field) {
        }
        for (Case c : List.of(
                new Case(new Infrastructure.Libvirt(URI, "default", "no-such-pool", BASE, null, null, null, null, null, null), "storagePool"),
                new Case(new Infrastructure.Libvirt(URI, "default", POOL, "no-such.qcow2", null, null, null, null, null, null), "baseImage"),
                new Case(new Infrastructure.Libvirt(URI, "no-such-net", POOL, BASE, null, null, null, null, null, null), "network"))) {
            ProviderException e = assertThrows(ProviderException.class,
                    () -> providers.forSettings(c.settings()).create(worker("lab", "lab-worker-1", "192.168.122.21")));
            assertEquals(ProviderException.Kind.NOT_FOUND, e.kind(), e.getMessage());
            assertTrue(e.getMessage().contains("spec.infrastructure.libvirt." + c.field()), e.getMessage());
            assertNotNull(e.providerMessage(), "libvirt's own words: " + e.getMessage());
        }
    }

    @Test
    void anUnreachableHypervisorIsUnreachableWithLibvirtsMessage() {
        Path socket = stateDir.resolve("no-libvirtd.sock");
        Provider p = providers.forSettings(new Infrastructure.Libvirt("qemu+unix:///system?socket=" + socket, "default", POOL, BASE,
                null, null, null, null, null, null));
        ProviderException e = assertThrows(ProviderException.class, () -> p.list("lab"));
        assertEquals(ProviderException.Kind.UNREACHABLE, e.kind(), e.getMessage());
        assertTrue(e.providerMessage() != null && e.providerMessage().contains(socket.toString()), e.providerMessage());
    }

    @Test
    void aUserModeInterfaceAndDirectKernelBootForTestImages() throws Exception {
        Infrastructure.Libvirt s = new Infrastructure.Libvirt(URI, "default", POOL, BASE, Infrastructure.LibvirtInterface.USER, null,
                "/var/lib/nkd-test/vmlinuz", "/var/lib/nkd-test/initrd.img", "root=/dev/vda rw console=ttyS0 ignition.firstboot",
                "/var/log/nkd-test");
        Provider p = providers.forSettings(s);
        p.create(worker("lab", "lab-worker-1", "192.168.122.21"));

        Element d = domainXml("lab-worker-1");
        Element nic = Xml.child(Xml.child(d, "devices"), "interface");
        assertEquals("user", nic.getAttribute("type"));
        Element os = Xml.child(d, "os");
        assertEquals("/var/lib/nkd-test/vmlinuz", Xml.text(Xml.child(os, "kernel")));
        assertEquals("/var/lib/nkd-test/initrd.img", Xml.text(Xml.child(os, "initrd")));
        assertEquals("root=/dev/vda rw console=ttyS0 ignition.firstboot", Xml.text(Xml.child(os, "cmdline")));
        assertFalse(networkXml().contains("192.168.122.21"), "no reservation without the network");
        assertEquals(List.of("domain", "volume", "pointer-config"), p.owned("lab").stream().map(OwnedResource::kind).toList());
        p.delete("lab", "lab-worker-1");
        assertEquals(List.of(), p.owned("lab"));
    }

    @Test
    void aPoolWithoutAMachineSizeGetsTheDefaultSize() throws Exception {
        MachineRequest r = worker("lab", "lab-worker-1", null);
        provider().create(new MachineRequest(r.cluster(), r.pool(), r.name(), r.role(), r.revision(), r.configVersion(), null,
                new MachineSpec("", BASE, "", ""), r.userData()));
        Element d = domainXml("lab-worker-1");
        assertEquals(4096L * 1024, Long.parseLong(Xml.text(Xml.child(d, "memory"))));
        assertEquals("2", Xml.text(Xml.child(d, "vcpu")));
        Element vol = Xml.parse(libvirt.storagePoolLookupByName(POOL).storageVolLookupByName("lab-worker-1.lab.nkd.qcow2").getXMLDesc(0));
        assertEquals(40L << 30, Long.parseLong(Xml.text(Xml.child(vol, "capacity"))));
    }

    @Test
    void aCreateInterruptedAfterTheDomainWasDefinedIsCompletedByTheNextCreate() throws Exception {
        MachineRequest r = worker("lab", "lab-worker-1", "192.168.122.21");
        provider().create(r);
        // as if nkd had been killed right after defining the domain: no volume, pointer file or reservation, not started
        Domain d = libvirt.domainLookupByName("lab-worker-1");
        d.destroy();
        libvirt.storagePoolLookupByName(POOL).storageVolLookupByName("lab-worker-1.lab.nkd.qcow2").delete(0);
        Files.delete(stateDir.resolve("libvirt/lab/lab-worker-1.ign"));
        try (LibvirtHost host = new LibvirtHost(URI)) {
            host.updateDhcpHost("default", NetworkApi.DELETE,
                    DomainXml.dhcpHost(LibvirtProvider.derivedMac("lab", "lab-worker-1"), "lab-worker-1", "192.168.122.21"), true);
        }

        try (LibvirtProviders restarted = new LibvirtProviders(stateDir, clock)) {
            ProvisionedMachine m = restarted.forSettings(settings()).create(r);
            assertEquals(ProvisionedMachine.State.ACTIVE, m.state());
        }
        assertEquals(List.of("lab-worker-1", "test"), domains());
        assertTrue(volumes().contains("lab-worker-1.lab.nkd.qcow2"));
        assertEquals(r.userData(), Files.readString(stateDir.resolve("libvirt/lab/lab-worker-1.ign")));
        assertTrue(networkXml().contains("192.168.122.21"));
    }

    @Test
    void parallelCreatesAndListsOnOneConnectionAllSucceed() throws Exception {
        Provider p = provider();
        var pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            List<java.util.concurrent.Future<?>> work = new java.util.ArrayList<>();
            for (int i = 1; i <= 4; i++) { // 4 × 20 GiB and the base fit the test pool's 100 GiB
                String name = "lab-worker-" + i;
                String ip = "192.168.122." + (20 + i);
                work.add(pool.submit(() -> p.create(worker("lab", name, ip))));
                work.add(pool.submit(() -> p.list("lab")));
            }
            for (var f : work) {
                f.get(60, java.util.concurrent.TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(4, p.list("lab").size());
        assertEquals(4, p.list("lab").stream().filter(ProvisionedMachine::isRunning).count());
    }

    @Test
    void aFullStoragePoolIsQuotaExceededWithLibvirtsMessageAndLeavesNothingBehind() {
        Provider p = provider();
        for (int i = 1; i <= 4; i++) { // the base (10 GiB) and 4 × 20 GiB of the test pool's 100 GiB
            p.create(worker("lab", "lab-worker-" + i, null));
        }
        ProviderException e = assertThrows(ProviderException.class, () -> p.create(worker("lab", "lab-worker-5", "192.168.122.25")));
        assertEquals(ProviderException.Kind.QUOTA_EXCEEDED, e.kind(), e.getMessage());
        assertTrue(e.providerMessage().contains("free space"), e.providerMessage());
        assertEquals(4, p.list("lab").size());
        assertTrue(p.owned("lab").stream().noneMatch(o -> o.name().contains("lab-worker-5")), p.owned("lab")::toString);
    }
}
