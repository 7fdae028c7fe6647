package io.nkd.infra;

import io.nkd.config.NodePool;

/**
 * A machine to create.
 *
 * @param configVersion the pool's rendered config version ({@code rendered-<pool>-<hash>}) the machine boots
 * @param spec          what it is built from (kept in its metadata: a later difference plans a replacement)
 * @param userData      the Ignition pointer config the machine boots with (it carries a node token: a secret)
 */
public record MachineRequest(String cluster, String pool, String name, NodePool.Role role, String revision,
                             String configVersion, NodePool.MachineSize size, MachineSpec spec, String userData) {
    public String ip() {
        return spec.ip().isEmpty() ? null : spec.ip();
    }

    public String mac() {
        return spec.mac().isEmpty() ? null : spec.mac();
    }

    public boolean controlPlane() {
        return role == NodePool.Role.CONTROL_PLANE;
    }

    @Override
    public String toString() {
        return "MachineRequest[" + cluster + "/" + pool + "/" + name + " @" + revision + "]";
    }
}
