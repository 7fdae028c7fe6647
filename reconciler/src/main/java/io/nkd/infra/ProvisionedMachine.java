package io.nkd.infra;

/**
 * A machine as its provider reports it (what exists). What a revision asks for is a
 * {@link io.nkd.config.Topology.PlannedNode}.
 *
 * @param currentConfig the rendered pool config version the machine booted with, once it has fetched it
 */
public record ProvisionedMachine(String cluster, String pool, String name, State state, String revision, String currentConfig,
                                 String message) {
    public enum State { CREATING, BOOTING, RUNNING, FAILED, DELETING }

    public boolean isRunning() {
        return state == State.RUNNING;
    }
}
