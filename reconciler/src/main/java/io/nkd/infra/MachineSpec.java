package io.nkd.infra;

import io.nkd.config.Infrastructure;
import io.nkd.config.NodePool;
import io.nkd.config.Topology.PlannedNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What a machine is built from and cannot change once it exists: its size (OpenStack flavor, or CPUs, memory and
 * disk), the image it boots, its MAC and fixed address. A difference between the spec a machine was created with
 * (kept in its metadata) and the one Git asks for now plans a replacement. Computed only from Git (pure), the same
 * way for {@code nkd plan} (base against head) and the daemon (the machine's metadata against head).
 *
 * @param size  {@code flavor m1.small} or {@code 2 CPUs, 4096 MiB, 40 GiB disk}; "" when the provider has none
 * @param image the boot image (Glance image, libvirt base volume, PXE rootfs URL); "" when not set
 * @param mac   the boot interface's MAC, or ""
 * @param ip    the fixed address, or ""
 */
public record MachineSpec(String size, String image, String mac, String ip) {
    public MachineSpec {
        size = Objects.requireNonNullElse(size, "");
        image = Objects.requireNonNullElse(image, "");
        mac = Objects.requireNonNullElse(mac, "");
        ip = Objects.requireNonNullElse(ip, "");
    }

    public static MachineSpec of(PlannedNode node, Infrastructure infra) {
        return new MachineSpec(size(node.pool().machine()), bootImage(infra), node.mac(), node.ip());
    }

    /** The pool's machine size in words, as the plan prints it. */
    public static String size(NodePool.MachineSize size) {
        if (size == null) {
            return "";
        }
        if (size.flavor() != null) {
            return "flavor " + size.flavor();
        }
        return size.cpus() + " CPUs, " + size.memoryMiB() + " MiB, " + size.diskGiB() + " GiB disk";
    }

    /** The image a provider boots new machines from, as written in cluster.yaml. */
    static String bootImage(Infrastructure infra) {
        if (infra == null) {
            return "";
        }
        return switch (infra.provider()) {
            case OPENSTACK -> infra.openstack() == null ? "" : Objects.requireNonNullElse(infra.openstack().bootImage(), "");
            case LIBVIRT -> infra.libvirt() == null ? "" : Objects.requireNonNullElse(infra.libvirt().baseImage(), "");
            case BAREMETAL -> infra.baremetal() == null || infra.baremetal().pxe() == null ? "" : infra.baremetal().pxe().rootfs();
            case SANDBOX -> "";
        };
    }

    /** What differs, e.g. {@code size flavor m1.small → flavor m1.large}; empty when nothing does. */
    public List<String> differences(MachineSpec now) {
        List<String> changed = new ArrayList<>();
        change(changed, "size", size, now.size);
        change(changed, "boot image", image, now.image);
        change(changed, "MAC", mac, now.mac);
        change(changed, "address", ip, now.ip);
        return changed;
    }

    private static void change(List<String> changed, String what, String from, String to) {
        String a = from.isEmpty() ? "none" : from;
        String b = to.isEmpty() ? "none" : to;
        if (!a.equals(b)) {
            changed.add(what + " " + a + " → " + b);
        }
    }
}
