package io.nkd.infra.libvirt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nkd.infra.ProviderException;
import io.nkd.infra.ProvisionedMachine;
import org.junit.jupiter.api.Test;
import org.libvirt.DomainInfo.DomainState;
import org.libvirt.Error.ErrorNumber;

/** The pure choices of the libvirt provider: domain type, states, error kinds, names. */
class DomainChoicesTest {
    private static String capabilities(String... guests) {
        return "<capabilities><host><cpu><arch>x86_64</arch></cpu></host>" + String.join("", guests) + "</capabilities>";
    }

    private static String guest(String arch, String... types) {
        StringBuilder b = new StringBuilder("<guest><os_type>hvm</os_type><arch name='" + arch + "'>");
        for (String t : types) {
            b.append("<domain type='").append(t).append("'/>");
        }
        return b.append("</arch></guest>").toString();
    }

    @Test
    void kvmIsPreferredAndEmulationIsTheFallbackOnTheHostsArchitecture() {
        assertEquals(new LibvirtHost.Guest("kvm", "x86_64"),
                LibvirtHost.guestOf(capabilities(guest("i686", "qemu", "kvm"), guest("x86_64", "qemu", "kvm"))));
        assertEquals(new LibvirtHost.Guest("qemu", "x86_64"),
                LibvirtHost.guestOf(capabilities(guest("aarch64", "qemu"), guest("x86_64", "qemu"))), "no usable KVM (nested, TCG)");
    }

    @Test
    void aRunningDomainIsActiveAndAStoppedOneFailedSayingWhatToDo() {
        assertEquals(ProvisionedMachine.State.ACTIVE, LibvirtProvider.state(DomainState.VIR_DOMAIN_RUNNING, "n").state());
        assertNull(LibvirtProvider.state(DomainState.VIR_DOMAIN_RUNNING, "n").message());
        assertEquals(ProvisionedMachine.State.ACTIVE, LibvirtProvider.state(DomainState.VIR_DOMAIN_BLOCKED, "n").state());
        assertEquals(ProvisionedMachine.State.BUILDING, LibvirtProvider.state(DomainState.VIR_DOMAIN_NOSTATE, "n").state());
        for (DomainState s : new DomainState[] {DomainState.VIR_DOMAIN_SHUTOFF, DomainState.VIR_DOMAIN_CRASHED, DomainState.VIR_DOMAIN_PAUSED,
                DomainState.VIR_DOMAIN_SHUTDOWN, DomainState.VIR_DOMAIN_PMSUSPENDED}) {
            LibvirtProvider.StateAndMessage m = LibvirtProvider.state(s, "lab-worker-1");
            assertEquals(ProvisionedMachine.State.FAILED, m.state(), s::toString);
            assertTrue(m.message() != null && !m.message().isBlank(), s::toString);
        }
        assertTrue(LibvirtProvider.state(DomainState.VIR_DOMAIN_SHUTOFF, "lab-worker-1").message().contains("virsh start lab-worker-1"));
    }

    @Test
    void libvirtErrorCodesBecomeKinds() {
        assertEquals(ProviderException.Kind.NOT_FOUND, LibvirtErrors.kind(ErrorNumber.VIR_ERR_NO_STORAGE_POOL));
        assertEquals(ProviderException.Kind.CONFLICT, LibvirtErrors.kind(ErrorNumber.VIR_ERR_DOM_EXIST));
        assertEquals(ProviderException.Kind.UNAUTHORIZED, LibvirtErrors.kind(ErrorNumber.VIR_ERR_AUTH_FAILED));
        assertEquals(ProviderException.Kind.UNREACHABLE, LibvirtErrors.kind(ErrorNumber.VIR_ERR_NO_CONNECT));
        assertEquals(ProviderException.Kind.SERVER_ERROR, LibvirtErrors.kind(ErrorNumber.VIR_ERR_INTERNAL_ERROR));
        assertEquals(ProviderException.Kind.OTHER, LibvirtErrors.kind(ErrorNumber.VIR_ERR_XML_ERROR));
    }

    @Test
    void namesAndMacsAreStablePerClusterAndNode() {
        assertEquals("lab-worker-1.lab.nkd.qcow2", LibvirtProvider.volumeName("lab", "lab-worker-1"));
        String mac = LibvirtProvider.derivedMac("lab", "lab-worker-1");
        assertTrue(mac.matches("52:54:00(:[0-9a-f]{2}){3}"), mac);
        assertEquals(mac, LibvirtProvider.derivedMac("lab", "lab-worker-1"));
        assertTrue(!mac.equals(LibvirtProvider.derivedMac("prod", "lab-worker-1")));
        assertTrue(LibvirtProvider.local("qemu:///system"));
        assertTrue(LibvirtProvider.local("test:///default"));
        assertTrue(!LibvirtProvider.local("qemu+ssh://root@kvm1.example.com/system"));
    }

    @Test
    void aRemoteHostGetsThePointerConfigInlineAndEfiFirmwareIsAsked() {
        io.nkd.config.Infrastructure.Libvirt s = new io.nkd.config.Infrastructure.Libvirt("qemu+ssh://kvm1.example.com/system", "default",
                "default", "base.qcow2", null, io.nkd.config.Infrastructure.LibvirtFirmware.EFI, null, null, null, null);
        String xml = DomainXml.domain(new DomainXml.Definition("lab-cp-1", new LibvirtHost.Guest("kvm", "x86_64"), 4096, 2,
                java.util.Map.of("nkd.io/managed", "true", "nkd.io/note", "a < b & \"c\""), s, "default", "lab-cp-1.lab.nkd.qcow2",
                "52:54:00:aa:bb:cc", "default", null, "{\"ignition\":{\"version\":\"3.3.0\"}}"));
        org.w3c.dom.Element d = Xml.parse(xml);
        assertTrue(!new DomainXml.Definition("lab-cp-1", new LibvirtHost.Guest("kvm", "x86_64"), 4096, 2, java.util.Map.of(), s, "default",
                "v", "52:54:00:aa:bb:cc", "default", null, "token-123").toString().contains("token-123"), "no secret in toString");
        org.w3c.dom.Element entry = Xml.child(Xml.child(d, "sysinfo"), "entry");
        assertEquals("opt/com.coreos/config", entry.getAttribute("name"));
        assertEquals("{\"ignition\":{\"version\":\"3.3.0\"}}", entry.getTextContent());
        assertEquals("", entry.getAttribute("file"));
        assertEquals("efi", Xml.child(d, "os").getAttribute("firmware"));
        assertEquals("host-passthrough", Xml.child(d, "cpu").getAttribute("mode"));
        assertEquals("kvm", d.getAttribute("type"));
        assertEquals("a < b & \"c\"", DomainXml.metadata(d).get("nkd.io/note"), "values are escaped, never spliced");
    }
}
