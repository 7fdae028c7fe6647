package io.nkd.infra;

import java.util.List;

/**
 * Where machines come from (OpenStack, libvirt, bare metal, the in-process sandbox). Every machine a provider
 * creates carries its cluster, pool and the commit that asked for it, so {@link #list} after a restart finds
 * what exists instead of creating duplicates. Implementations are idempotent: creating a machine that exists
 * returns it, deleting one that is gone succeeds.
 */
public interface Provider {
    String name();

    /** The machines of a cluster that this provider created. */
    List<ProvisionedMachine> list(String cluster);

    ProvisionedMachine create(MachineRequest request);

    void delete(String cluster, String machine);
}
