package io.nkd.infra;

import java.time.Instant;

/**
 * A machine as its provider reports it (what exists). What a revision asks for is a
 * {@link io.nkd.config.Topology.PlannedNode}.
 *
 * @param state         the provider's view: building, active, failed, deleting
 * @param revision      the commit that asked for the machine
 * @param currentConfig the rendered pool config version the machine booted with, when the provider itself knows it
 *                      (the sandbox does); otherwise null and the daemon takes it from the Ignition server's record
 *                      of the node's fetch
 * @param message       the provider's own words about the machine (a fault), or null
 * @param configVersion the rendered pool config version it was created with (its metadata)
 * @param spec          what it was built from (its metadata)
 * @param createdAt     when nkd created it (its metadata), or null when unknown
 * @param address       its primary address as the provider reports it, or null
 */
public record ProvisionedMachine(String cluster, String pool, String name, State state, String revision, String currentConfig,
                                 String message, String configVersion, MachineSpec spec, Instant createdAt, String address) {
    /**
     * Where a machine stands at its provider. The daemon adds the steps before and after: requested (the create call
     * is on its way) and Ignition fetched (the node fetched its config from nkd's Ignition server).
     */
    public enum State {
        /** Being built (Nova BUILD, a libvirt domain defined and starting, a bare-metal host waiting to PXE boot). */
        BUILDING,
        /** Running at the provider (Nova ACTIVE, domain running); not yet known to have fetched its config. */
        ACTIVE,
        /** The provider gave up on it (Nova ERROR, a domain that crashed); {@link #message} says why. */
        FAILED,
        /** Being deleted. */
        DELETING
    }

    /** A machine as the sandbox reported it before specs and metadata: spec unknown. */
    public ProvisionedMachine(String cluster, String pool, String name, State state, String revision, String currentConfig,
                              String message) {
        this(cluster, pool, name, state, revision, currentConfig, message, null, new MachineSpec("", "", "", ""), null, null);
    }

    public boolean isRunning() {
        return state == State.ACTIVE;
    }
}
