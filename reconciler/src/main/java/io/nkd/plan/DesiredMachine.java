package io.nkd.plan;

import io.nkd.infra.MachineSpec;

/**
 * A machine as one revision of cluster.yaml describes it, for the plan's actions: its node name and what the
 * provider builds it from ({@link MachineSpec}, computed the same way the daemon computes it for a
 * {@link io.nkd.infra.MachineRequest}). The machine a provider reports is {@link io.nkd.infra.ProvisionedMachine}.
 * Kept apart from MachineSpec because its components are the plan's JSON shape
 * ({@code "machine": {name, ip, mac, size, image}}).
 *
 * @param ip    static address, or null when the provider assigns one
 * @param mac   boot interface MAC (bare metal), or null
 * @param size  the pool's machine size in words ({@link MachineSpec#size(io.nkd.config.NodePool.MachineSize)}), or ""
 *              for the provider's default
 * @param image the boot image from cluster.yaml's infrastructure settings, or "" when the provider has none
 */
public record DesiredMachine(String name, String ip, String mac, String size, String image) {

    static DesiredMachine of(String name, MachineSpec spec) {
        return new DesiredMachine(name, spec.ip().isEmpty() ? null : spec.ip(), spec.mac().isEmpty() ? null : spec.mac(),
                spec.size(), spec.image());
    }

    /** {@code lab-worker-2 (192.168.122.22, 2 CPUs, 4096 MiB, 40 GiB disk)}; the image is left out (it is long). */
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
