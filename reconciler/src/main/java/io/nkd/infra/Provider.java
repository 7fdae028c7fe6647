package io.nkd.infra;

import io.nkd.config.Infrastructure;
import java.util.List;

/**
 * Where machines come from (OpenStack, libvirt, bare metal, the in-process sandbox).
 *
 * <p><b>The contract every provider keeps.</b>
 * <ul>
 *   <li>What exists is read back from the provider's own metadata on the machines ({@link MachineMetadata}: the
 *       cluster, pool, node name, rendered config version, source commit, spec and nkd's marker), never from memory
 *       only, so a restarted nkd finds everything and never creates a duplicate.</li>
 *   <li>{@link #create} of a machine that exists (same cluster and node name) returns it; {@link #delete} of a
 *       machine that is gone succeeds. A failed create leaves nothing behind (no port, volume or address).</li>
 *   <li>Only objects carrying nkd's marker for the cluster are ever listed, changed or deleted: a machine someone
 *       else made with the same name is an error ({@link ProviderException.Kind#CONFLICT}), never adopted.</li>
 *   <li>Failures are {@link ProviderException}s carrying the provider's own message (Nova's "Quota exceeded for
 *       instances", libvirt's error text), so status can show it.</li>
 * </ul>
 * Providers are side effects behind this interface: plan and render never call them.
 */
public interface Provider {
    Infrastructure.ProviderType type();

    /** A short name for logs and messages, e.g. {@code openstack}. */
    default String name() {
        return type().wire();
    }

    /** The machines of a cluster that nkd created here (found by nkd's marker), sorted by node name. */
    List<ProvisionedMachine> list(String cluster);

    /** Creates a machine, or returns it when a machine of this cluster and node name exists. */
    ProvisionedMachine create(MachineRequest request);

    /** Deletes a machine of the cluster and everything nkd created for it alone (ports, volumes, addresses). */
    void delete(String cluster, String machine);

    /**
     * Everything this provider holds for the cluster that carries nkd's marker: machines and the objects made for
     * them or for the cluster (ports, volumes, floating IPs, security groups, server groups, disks, iPXE entries).
     * {@code nkd destroy} shows this list in its dry run.
     */
    List<OwnedResource> owned(String cluster);

    /**
     * Deletes everything {@link #owned} lists for the cluster, machines first, and nothing else; idempotent (a second
     * call finds nothing and succeeds). Returns what it deleted.
     */
    List<OwnedResource> destroy(String cluster);
}
