package io.nkd.ha;

/**
 * A mutation was refused because this replica does not lead (any more). Not a failure of the cluster: the reconcile
 * that met it ends without writing anything more, and the leader resumes the cluster from the shared state.
 */
public final class NotLeaderException extends RuntimeException {
    private final String identity;
    private final String leader;

    public NotLeaderException(String identity, String leader, String election) {
        super("this replica (" + identity + ") is not the leader of " + election
                + (leader == null ? "; no leader is known now" : "; the leader is " + leader)
                + ": only the leader follows Git, reconciles and changes machines or clusters");
        this.identity = identity;
        this.leader = leader;
    }

    public String identity() {
        return identity;
    }

    /** The leader this replica knows of, or null. */
    public String leader() {
        return leader;
    }

    /** Whether {@code e} or one of its causes is a NotLeaderException (a step may wrap what a guarded call threw). */
    public static boolean causedBy(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof NotLeaderException) {
                return true;
            }
            if (t.getCause() == t) {
                return false;
            }
        }
        return false;
    }
}
