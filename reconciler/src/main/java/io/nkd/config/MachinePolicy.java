package io.nkd.config;

import io.nkd.yaml.Doc;

/**
 * What nkd may do to machines beyond creating missing ones and deleting the ones Git scaled away. Both are off by
 * default because both destroy running machines: a replacement deletes a node and creates it again, and pruning
 * deletes machines no pool in Git asks for any more.
 */
@Doc("What nkd may do to existing machines: replace them when their immutable spec changes, delete machines of pools "
        + "no longer in Git. Both off by default; nkd plan says what each setting would do.")
public record MachinePolicy(
        @Doc("Replace a machine whose size, boot image, MAC, address or pool changed in Git: the old machine is deleted "
                + "(after its node is drained) and a new one is created under the same node name, one machine at a time, waiting "
                + "for each to be active. Worker nodes only; control-plane nodes are never replaced by nkd yet. Default "
                + "false: the change is planned and shown, and the machine keeps running as it is.") Boolean replace,
        @Doc("Delete machines that nkd created for this cluster (they carry its marker) whose pool is no longer in Git. "
                + "Default false: they keep running, unmanaged, and nkd plan and status list them as orphans.") Boolean prune) {

    public MachinePolicy {
        replace = replace != null && replace;
        prune = prune != null && prune;
    }

    static MachinePolicy defaults() {
        return new MachinePolicy(null, null);
    }
}
