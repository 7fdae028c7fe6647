package io.nkd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nkd.testsupport.BareMetalLab;
import io.nkd.testsupport.RepoPaths;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code nkd baremetal dnsmasq}: the snippet from the config repository, and errors that say what to give. */
class BaremetalCommandTest {
    @TempDir
    Path repo;

    private void writeRepo() throws IOException {
        for (Map.Entry<String, byte[]> f : BareMetalLab.snapshot().files().entrySet()) {
            Path p = repo.resolve(f.getKey());
            Files.createDirectories(p.getParent());
            Files.write(p, f.getValue());
        }
    }

    @Test
    void printsTheSnippetWithTheClustersIpxeUrlOrTheFlags() throws IOException {
        writeRepo();
        CliRun r = CliRun.run("", "baremetal", "dnsmasq", "libvirt-lab", "--repo", repo.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("dhcp-host=52:54:00:aa:bb:21,set:nkd-libvirt-lab,192.168.122.21,lab-worker-1\n"), r.out());
        assertTrue(r.out().contains(",tag:nkd-ipxe,http://192.168.122.2:8080/ipxe/boot.ipxe\n"), "ipxeBaseURL from cluster.yaml");

        CliRun flags = CliRun.run("", "baremetal", "dnsmasq", "libvirt-lab", "--repo", repo.toString(), "--ipxe-url",
                "http://10.9.9.9:8080", "--tftp-root", "/srv/tftp");
        assertEquals(0, flags.exit(), flags.err());
        assertTrue(flags.out().contains(",tag:nkd-ipxe,http://10.9.9.9:8080/ipxe/boot.ipxe\n"), flags.out());
        assertTrue(flags.out().contains("\nenable-tftp\ntftp-root=/srv/tftp\n"), flags.out());
    }

    @Test
    void errorsNameWhatToFix() throws IOException {
        writeRepo();
        CliRun other = CliRun.run("", "baremetal", "dnsmasq", "sandbox-demo", "--repo", repo.toString());
        assertEquals(1, other.exit());
        assertTrue(other.err().contains("cluster sandbox-demo runs on sandbox, not baremetal"), other.err());
        CliRun missing = CliRun.run("", "baremetal", "dnsmasq", "lab", "--repo", repo.toString());
        assertTrue(missing.err().contains("no cluster named lab") && missing.err().contains("libvirt-lab"), missing.err());
        CliRun badUrl = CliRun.run("", "baremetal", "dnsmasq", "libvirt-lab", "--repo", repo.toString(), "--ipxe-url", "10.0.0.2:8080");
        assertEquals(1, badUrl.exit());
        assertTrue(badUrl.err().contains("--ipxe-url: the iPXE base URL must be http(s)://"), badUrl.err());

        Path example = RepoPaths.repoRoot().resolve("repo-layout/example");
        CliRun libvirt = CliRun.run("", "baremetal", "dnsmasq", "libvirt-lab", "--repo", example.toString());
        assertTrue(libvirt.err().contains("runs on libvirt, not baremetal"), libvirt.err());
    }
}
