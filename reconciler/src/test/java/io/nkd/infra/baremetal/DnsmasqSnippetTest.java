package io.nkd.infra.baremetal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nkd.config.ClusterSpec;
import io.nkd.config.ConfigLoader;
import io.nkd.config.RepositoryConfig;
import io.nkd.testsupport.BareMetalLab;
import io.nkd.testkit.Ci;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The dnsmasq snippet of the bare-metal lab: what it reserves and boots, and that the real dnsmasq accepts it. */
class DnsmasqSnippetTest {
    private static final Path DNSMASQ = Path.of("/usr/sbin/dnsmasq");

    @TempDir
    Path tmp;

    private static ClusterSpec lab() {
        RepositoryConfig config = ConfigLoader.load(BareMetalLab.snapshot());
        assertTrue(config.valid(), config.allProblems()::toString);
        return config.cluster(BareMetalLab.CLUSTER).orElseThrow().spec();
    }

    private static List<String> lines(String text, String prefix) {
        return text.lines().filter(l -> l.startsWith(prefix)).toList();
    }

    @Test
    void everyMachineIsReservedAndOnlyTheyAreBooted() {
        String text = new DnsmasqSnippet("libvirt-lab", "0123456789abcdef0123456789abcdef01234567", lab(), "http://192.168.122.2:8080/",
                null, "192.168.122.3").text();
        assertEquals(List.of(
                "dhcp-host=52:54:00:aa:bb:10,set:nkd-libvirt-lab,192.168.122.10,lab-cp-1",
                "dhcp-host=52:54:00:aa:bb:21,set:nkd-libvirt-lab,192.168.122.21,lab-worker-1",
                "dhcp-host=52:54:00:aa:bb:22,set:nkd-libvirt-lab,192.168.122.22,lab-worker-2"), lines(text, "dhcp-host="),
                "one reservation per machine, MACs normalised");
        assertEquals(List.of(
                "dhcp-boot=tag:nkd-libvirt-lab,tag:!nkd-ipxe,tag:!nkd-efi64,undionly.kpxe,,192.168.122.3",
                "dhcp-boot=tag:nkd-libvirt-lab,tag:!nkd-ipxe,tag:nkd-efi64,ipxe.efi,,192.168.122.3",
                "dhcp-boot=tag:nkd-libvirt-lab,tag:nkd-ipxe,http://192.168.122.2:8080/ipxe/boot.ipxe"), lines(text, "dhcp-boot="));
        assertEquals(List.of("dhcp-userclass=set:nkd-ipxe,iPXE"), lines(text, "dhcp-userclass="));
        assertTrue(text.startsWith("# nkd: PXE boot of the bare-metal machines of cluster libvirt-lab at 0123456"), text);
        assertEquals(List.of(), lines(text, "enable-tftp"), "another TFTP server serves iPXE");
    }

    @Test
    void badInputsAreRefusedWithTheirName() {
        ClusterSpec spec = lab();
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new DnsmasqSnippet("libvirt-lab", null, spec, "ftp://x", null, null))
                .getMessage().startsWith("the iPXE base URL"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new DnsmasqSnippet("libvirt-lab", null, spec, "http://x",
                "srv/tftp", null)).getMessage().startsWith("the TFTP root"));
    }

    @Test
    void theRealDnsmasqAcceptsTheSnippet() throws IOException, InterruptedException {
        Ci.require(Files.isExecutable(DNSMASQ), DNSMASQ + " is missing: apt-get install dnsmasq-base to run this test");
        for (DnsmasqSnippet s : List.of(
                new DnsmasqSnippet("libvirt-lab", null, lab(), "http://192.168.122.2:8080", "/srv/tftp", null),
                new DnsmasqSnippet("libvirt-lab", "abc", lab(), "http://192.168.122.2:8080", null, "192.168.122.3"),
                new DnsmasqSnippet("libvirt-lab", "abc", lab(), "http://192.168.122.2:8080", null, null))) {
            Path conf = Files.writeString(tmp.resolve("nkd-lab.conf"), s.text());
            Process p = new ProcessBuilder(DNSMASQ.toString(), "--test", "--conf-file=" + conf).redirectErrorStream(true).start();
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "dnsmasq --test did not finish");
            String out = new String(p.getInputStream().readAllBytes());
            assertEquals(0, p.exitValue(), out + "\n" + s.text());
            assertTrue(out.contains("syntax check OK"), out);
        }
        // and it would say so if it did not: a broken line fails the same check
        Path bad = Files.writeString(tmp.resolve("bad.conf"), "dhcp-boot=tag:nkd-lab,undionly.kpxe\ndhcp-hots=52:54:00:aa:bb:10\n");
        Process p = new ProcessBuilder(DNSMASQ.toString(), "--test", "--conf-file=" + bad).redirectErrorStream(true).start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(1, p.exitValue());
    }
}
