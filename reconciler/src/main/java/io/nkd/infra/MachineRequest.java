package io.nkd.infra;

import io.nkd.config.NodePool;

/**
 * A machine to create.
 *
 * @param userData the Ignition pointer config the machine boots with (it carries a node token: a secret)
 */
public record MachineRequest(String cluster, String pool, String name, String revision, NodePool.MachineSize size,
                             String ip, String mac, String userData) {
    @Override
    public String toString() {
        return "MachineRequest[" + cluster + "/" + pool + "/" + name + " @" + revision + "]";
    }
}
