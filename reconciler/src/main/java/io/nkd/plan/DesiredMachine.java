package io.nkd.plan;

import io.nkd.config.NodePool;

/**
 * A machine as one revision of cluster.yaml describes it, for the plan's actions: its node name and what the
 * provider builds it from, derived from {@link io.nkd.config.Topology.PlannedNode} (the nodes the daemon
 * creates from). The machine a provider reports is {@link io.nkd.infra.ProvisionedMachine}. Kept apart from
 * PlannedNode because its components are the plan's JSON shape ({@code "machine": {name, ip, mac, size}}).
 *
 * @param ip   static address, or null when the provider assigns one
 * @param mac  boot interface MAC (bare metal), or null
 * @param size the pool's machine size in words, or "" for the provider's default
 */
public record DesiredMachine(String name, String ip, String mac, String size) {

    static String size(NodePool.MachineSize size) {
        if (size == null) {
            return "";
        }
        if (size.flavor() != null) {
            return "flavor " + size.flavor();
        }
        return size.cpus() + " CPUs, " + size.memoryMiB() + " MiB, " + size.diskGiB() + " GiB disk";
    }

    /** {@code lab-worker-2 (192.168.122.22, 2 CPUs, 4096 MiB, 40 GiB disk)}. */
    public String describe() {
        StringBuilder details = new StringBuilder();
        for (String part : new String[] {ip, mac, size}) {
            if (part != null && !part.isEmpty()) {
                details.append(details.length() == 0 ? "" : ", ").append(part);
            }
        }
        return details.length() == 0 ? name : name + " (" + details + ")";
    }
}
