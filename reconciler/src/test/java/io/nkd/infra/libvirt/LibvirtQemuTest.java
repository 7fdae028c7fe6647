package io.nkd.infra.libvirt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nkd.config.Infrastructure;
import io.nkd.config.NodePool;
import io.nkd.infra.MachineRequest;
import io.nkd.infra.MachineSpec;
import io.nkd.infra.Provider;
import io.nkd.infra.ProvisionedMachine;
import io.nkd.testkit.Ci;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.libvirt.Connect;
import org.libvirt.LibvirtException;
import org.libvirt.StoragePool;

/**
 * What the test driver cannot show: a real libvirtd with the QEMU driver (testenv/libvirt.sh) accepts the domain nkd
 * defines, starts QEMU with the pointer config in fw_cfg, reserves the address in a live dnsmasq, and nkd removes it
 * all again. The base image is an empty qcow2 (no OS boots; {@code LibvirtVmBootTest} boots a real one).
 */
class LibvirtQemuTest {
    private static final String URI = env("NKD_LIBVIRT_URI", "qemu:///system");
    private static final String POOL = env("NKD_LIBVIRT_POOL", "nkd-test");
    private static final String NETWORK = env("NKD_LIBVIRT_NETWORK", "nkd-test");
    private static final String CLUSTER = "qemu-smoke";
    private static final String NODE = "qemu-smoke-1";

    @TempDir
    Path stateDir;

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }

    @Test
    void aRealQemuDomainGetsThePointerConfigInFwCfgAndARealDhcpReservation() throws Exception {
        Connect libvirt = null;
        String why = null;
        try {
            libvirt = new Connect(URI);
            libvirt.storagePoolLookupByName(POOL);
            libvirt.networkLookupByName(NETWORK);
        } catch (LibvirtException | UnsatisfiedLinkError | NoClassDefFoundError e) {
            why = e.getMessage();
        }
        Ci.require(why == null, "no libvirtd with storage pool " + POOL + " and network " + NETWORK + " at " + URI + " (" + why
                + "): run testenv/libvirt.sh up");
        Path qemuLogs = Path.of("/var/log/libvirt/qemu");
        Ci.require(Files.isReadable(qemuLogs), "the QEMU logs in " + qemuLogs + " are not readable by this user: run the test as "
                + "root (as .ci/run does), which testenv/libvirt.sh's QEMU runs as");
        String base = "qemu-smoke-base-" + ProcessHandle.current().pid() + ".qcow2";
        StoragePool pool = libvirt.storagePoolLookupByName(POOL);
        pool.storageVolCreateXML("<volume><name>" + base + "</name><capacity unit='MiB'>64</capacity>"
                + "<target><format type='qcow2'/></target></volume>", 0);
        String ip = "192.168.211.77";
        try (LibvirtProviders providers = new LibvirtProviders(stateDir, Clock.systemUTC())) {
            Provider p = providers.forSettings(new Infrastructure.Libvirt(URI, NETWORK, POOL, base, null, null, null, null, null, null));
            NodePool.MachineSize size = new NodePool.MachineSize(1, 128, 1, null);
            MachineRequest r = new MachineRequest(CLUSTER, "workers", NODE, NodePool.Role.WORKER, "f".repeat(40), "rendered-workers-1",
                    size, new MachineSpec(MachineSpec.size(size), base, "", ip), "{\"ignition\":{\"version\":\"3.3.0\"}}");
            try {
                ProvisionedMachine m = p.create(r);
                assertEquals(ProvisionedMachine.State.ACTIVE, m.state(), String.valueOf(m.message()));
                String qemuLog = Files.readString(qemuLogs.resolve(NODE + ".log"));
                assertTrue(qemuLog.contains("name=opt/com.coreos/config,file=" + stateDir.resolve("libvirt/" + CLUSTER + "/" + NODE + ".ign")),
                        "QEMU's command line passes the pointer config in fw_cfg:\n" + qemuLog);
                assertTrue(DomainXml.hasDhcpHost(libvirt.networkLookupByName(NETWORK).getXMLDesc(0), LibvirtProvider.derivedMac(CLUSTER, NODE), ip));
                assertEquals(List.of(NODE), p.list(CLUSTER).stream().map(ProvisionedMachine::name).toList());
            } finally {
                p.destroy(CLUSTER);
            }
            assertEquals(List.of(), p.owned(CLUSTER));
            assertFalse(libvirt.networkLookupByName(NETWORK).getXMLDesc(0).contains(ip));
        } finally {
            pool.storageVolLookupByName(base).delete(0);
            libvirt.close();
        }
    }
}
