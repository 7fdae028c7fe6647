package io.nkd.importer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * NKD's {@code master} and {@code worker} lists: one entry per node with hostname, ip and hardwareInfo (cpu,
 * ram in MiB, disk in GiB; NKD's Terraform passes ram to libvirt's memory in MiB and disk × 1024³ bytes, and
 * creates OpenStack flavors with the same numbers). nkd pools have one machine size, so a role's largest
 * values are used. The oldest NKD format also had username, password, sshkey and ign_data per node.
 */
final class Nodes {
    /** One NKD node as an nkd machine. */
    record NkdNode(String hostname, String ip) {
    }

    /** The nodes of one role, and the pool machine size (null entries: nobody said). */
    record Role(String key, List<NkdNode> nodes, Integer cpus, Integer memoryMiB, Integer diskGiB) {
        boolean anyIp() {
            return nodes.stream().anyMatch(m -> m.ip() != null);
        }

        boolean sized() {
            return cpus != null || memoryMiB != null || diskGiB != null;
        }

        /** {cpus, memoryMiB, diskGiB}, only what NKD gave (nkd's defaults fill the rest). */
        Map<String, Object> size() {
            Map<String, Object> m = new LinkedHashMap<>();
            if (cpus != null) {
                m.put("cpus", cpus);
            }
            if (memoryMiB != null) {
                m.put("memoryMiB", memoryMiB);
            }
            if (diskGiB != null) {
                m.put("diskGiB", diskGiB);
            }
            return m;
        }
    }

    private Nodes() {
    }

    /** Reads {@code master} or {@code worker}; per-node login fields go to {@code logins}. */
    static Role read(NkdMap top, String name, Ctx ctx, Users logins) {
        List<NkdMap> entries = top.maps(name);
        String key = top.key(name);
        List<NkdNode> machines = new ArrayList<>();
        List<Long> cpus = new ArrayList<>();
        List<Long> ram = new ArrayList<>();
        List<Long> disk = new ArrayList<>();
        String hwKey = null;
        for (NkdMap node : entries) {
            String hostname = node.text("hostname");
            if (hostname == null) {
                ctx.error(node.location(), node.key("hostname") + " is missing: every NKD node needs a hostname "
                        + "(it becomes the nkd machine's hostname and Kubernetes node name)");
            }
            machines.add(new NkdNode(hostname, node.text("ip")));
            NkdMap hw = node.map("hardwareInfo");
            hwKey = hwKey == null && hw.location() != null ? key + "[]." + lastSegment(hw.path()) : hwKey;
            addPositive(cpus, hw, "cpu", ctx);
            addPositive(ram, hw, "ram", ctx);
            addPositive(disk, hw, "disk", ctx);
            logins.fromNode(node);
            for (String ign : new String[] {"ign_data", "ign_path", "ignitions", "createIgnPath", "mergeIgnPath"}) {
                if (node.present(ign)) {
                    ctx.item(key + "[]." + lastSegment(node.key(ign)), "nkd renders every node's Ignition from the "
                                    + "cluster definition; it does not take prepared Ignition files",
                            "put your own additions as Butane snippets in clusters/<name>/butane/ (see docs/butane.md)");
                }
            }
        }
        String hw = hwKey == null ? key + "[].hardwareInfo" : hwKey;
        return new Role(key, machines, largest(cpus, hw + ".cpu", ctx), largest(ram, hw + ".ram", ctx),
                largest(disk, hw + ".disk", ctx));
    }

    private static void addPositive(List<Long> values, NkdMap hw, String field, Ctx ctx) {
        Long v = hw.number(field);
        if (v != null && v < 0) {
            ctx.error(hw.at(field), hw.key(field) + " must not be negative");
        } else if (v != null && v > Integer.MAX_VALUE) {
            ctx.error(hw.at(field), hw.key(field) + " is too large");
        } else if (v != null && v > 0) {
            values.add(v); // 0 is Go's zero value: NKD treated it as unset
        }
    }

    private static Integer largest(List<Long> values, String key, Ctx ctx) {
        if (values.isEmpty()) {
            return null;
        }
        TreeSet<Long> distinct = new TreeSet<>(values);
        if (distinct.size() > 1) {
            ctx.item(key, "the nodes of this role have different sizes " + distinct + " but an nkd pool has one machine "
                    + "size, so the largest (" + distinct.last() + ") is used", "keep it, or split the nodes into "
                    + "several worker pools with their own spec.pools[].machine (the control plane is one pool)");
        }
        return Math.toIntExact(distinct.last());
    }

    private static String lastSegment(String path) {
        int dot = path.lastIndexOf('.');
        return dot < 0 ? path : path.substring(dot + 1);
    }
}
