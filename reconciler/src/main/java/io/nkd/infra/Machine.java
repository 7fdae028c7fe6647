package io.nkd.infra;

/**
 * A machine as its provider reports it.
 *
 * @param currentConfig the rendered pool config version the machine booted with, once it has fetched it
 */
public record Machine(String cluster, String pool, String name, State state, String revision, String currentConfig,
                      String message) {
    public enum State { CREATING, BOOTING, RUNNING, FAILED, DELETING }

    public boolean isRunning() {
        return state == State.RUNNING;
    }
}
