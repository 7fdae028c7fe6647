package io.nkd.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nkd.report.Entry;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * A bare-metal cluster (the example's libvirt lab moved onto bare metal) is valid; each mistake is reported at its
 * field, with a message that says what to do.
 */
class BareMetalChecksTest {
    static final String LAB = "clusters/libvirt-lab/cluster.yaml";

    private static RepositoryConfig load(UnaryOperator<String> edit) {
        return ConfigLoader.load(ExampleRepository.with(LAB, s -> edit.apply(io.nkd.testsupport.BareMetalLab.clusterYaml(s))));
    }

    private static Entry only(RepositoryConfig config, String code) {
        List<Entry> matching = config.allProblems().entries().stream().filter(e -> e.code().equals(code)).toList();
        assertEquals(1, matching.size(), () -> "expected one " + code + " in:\n" + config.allProblems());
        return matching.get(0);
    }

    @Test
    void theBareMetalLabIsValid() {
        RepositoryConfig config = load(s -> s);
        assertTrue(config.valid(), config.allProblems()::toString);
        LoadedCluster lab = config.cluster("libvirt-lab").orElseThrow();
        Infrastructure.BareMetal bm = lab.spec().infrastructure().baremetal();
        assertEquals("/dev/vda", bm.installDisk());
        assertEquals(Infrastructure.Installer.NESTOS, bm.installer(), "nestos-installer unless the cluster says coreos");
        assertEquals(List.of("console=ttyS0,115200n8"), bm.kernelArgs());
        assertEquals("10.0.1.10", lab.spec().pools().get(0).machines().get(0).bmc());
    }

    @Test
    void aMachineWithoutMacIsNamed() {
        Entry e = only(load(s -> s.replace("          mac: 52:54:00:aa:bb:21\n", "")), "MissingMac");
        assertEquals(LAB, e.file());
        assertEquals("$.spec.pools.1.machines.0.mac", e.path().toString());
        assertTrue(e.message().contains("lab-worker-1") && e.message().contains("iPXE"), e::toString);
    }

    @Test
    void aPoolOfReplicasIsRefused() {
        Entry e = only(load(s -> s.replace("""
                      machines:
                        - hostname: lab-worker-1
                          ip: 192.168.122.21
                          mac: 52:54:00:aa:bb:21
                        - hostname: lab-worker-2
                          ip: 192.168.122.22
                          mac: 52:54:00:AA:BB:22
                """, "      replicas: 2\n")), "BareMetalNeedsMachines");
        assertTrue(e.message().contains("pool workers") && e.message().contains("cannot create physical machines"), e::toString);
    }

    @Test
    void duplicateMacsAreFoundWhateverTheirCase() {
        Entry e = only(load(s -> s.replace("52:54:00:AA:BB:22", "52:54:00:AA:BB:21")), "DuplicateMac");
        assertTrue(e.message().contains("already used at $.spec.pools.1.machines.0.mac"), e::toString);
    }

    @Test
    void aMalformedMacIsNamed() {
        Entry e = only(load(s -> s.replace("52:54:00:aa:bb:21", "52:54:00:aa:bb")), "BadMac");
        assertTrue(e.message().contains("52:54:00:aa:bb"), e::toString);
    }

    @Test
    void pxeImagesAreRequired() {
        Entry e = only(load(s -> s.replaceAll("(?ms)^      pxe:\n.*?rootfs: \\S+\n", "")), "MissingPxe");
        assertTrue(e.message().contains("kernel, initramfs and rootfs"), e::toString);
    }

    @Test
    void installDiskKernelArgsAndUrlsAreChecked() {
        assertTrue(only(load(s -> s.replace("installDisk: /dev/vda", "installDisk: vda")), "BadInstallDisk").message()
                .contains("/dev/sda"));
        assertTrue(only(load(s -> s.replace("- console=ttyS0,115200n8", "- \"console=ttyS0 quiet\"")), "BadKernelArg").message()
                .contains("own list item"));
        assertTrue(only(load(s -> s.replace("- console=ttyS0,115200n8", "- nestos.inst.install_dev=/dev/sdb")), "ReservedKernelArg")
                .message().contains("installDisk"));
        assertTrue(only(load(s -> s.replace("kernel: http://", "kernel: tftp://")), "BadUrl").message().contains("http://"));
        assertTrue(only(load(s -> s.replace("ipxeBaseURL: http://192.168.122.2:8080", "ipxeBaseURL: http://192.168.122.2:8080/?a=b")),
                "BadUrl").message().contains("without query"));
    }
}
