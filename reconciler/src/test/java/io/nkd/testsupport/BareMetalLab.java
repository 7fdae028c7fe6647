package io.nkd.testsupport;

import io.nkd.config.Snapshot;
import io.nkd.git.Snapshots;
import java.nio.charset.StandardCharsets;
import java.util.TreeMap;

/** repo-layout/example with its libvirt lab moved onto bare metal: PXE images, an install disk, a MAC per machine. */
public final class BareMetalLab {
    public static final String CLUSTER = "libvirt-lab";
    public static final String FILE = "clusters/libvirt-lab/cluster.yaml";

    private BareMetalLab() {
    }

    /** The example repository with the bare-metal lab. */
    public static Snapshot snapshot() {
        Snapshot base = Snapshots.fromDirectory(RepoPaths.repoRoot().resolve("repo-layout/example"));
        TreeMap<String, byte[]> files = new TreeMap<>(base.files());
        files.put(FILE, clusterYaml(base.text(FILE).orElseThrow()).getBytes(StandardCharsets.UTF_8));
        return new Snapshot("bare-metal-lab", files);
    }

    /** The libvirt lab of repo-layout/example as a bare-metal cluster: PXE images, install disk, a MAC per machine. */
    public static String clusterYaml(String libvirtLab) {
        String s = libvirtLab.replace("""
                    provider: libvirt
                    libvirt:
                      uri: qemu:///system
                      network: default
                      storagePool: default
                      baseImage: nestos-24.03.qcow2
                """, """
                    provider: baremetal
                    baremetal:
                      ipxeBaseURL: http://192.168.122.2:8080
                      installDisk: /dev/vda
                      kernelArgs:
                        - console=ttyS0,115200n8
                      pxe:
                        kernel: http://192.168.122.2/nestos/nestos-live-kernel-x86_64
                        initramfs: http://192.168.122.2/nestos/nestos-live-initramfs.x86_64.img
                        rootfs: http://192.168.122.2/nestos/nestos-live-rootfs.x86_64.img
                """);
        s = s.replace("ip: 192.168.122.10\n", "ip: 192.168.122.10\n          mac: 52:54:00:aa:bb:10\n          bmc: 10.0.1.10\n")
                .replace("ip: 192.168.122.21\n", "ip: 192.168.122.21\n          mac: 52:54:00:aa:bb:21\n")
                .replace("ip: 192.168.122.22\n", "ip: 192.168.122.22\n          mac: 52:54:00:AA:BB:22\n");
        if (!s.contains("provider: baremetal") || !s.contains("52:54:00:AA:BB:22")) {
            throw new IllegalStateException("the example's libvirt lab changed; update BareMetalLab");
        }
        return s;
    }

}
