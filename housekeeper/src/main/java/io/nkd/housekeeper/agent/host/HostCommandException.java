package io.nkd.housekeeper.agent.host;

/** A host command that exited non-zero, timed out, or printed what the agent cannot read. */
public final class HostCommandException extends Exception {
    private final transient CommandResult result;

    public HostCommandException(String message, CommandResult result) {
        super(message);
        this.result = result;
    }

    public CommandResult result() {
        return result;
    }
}
