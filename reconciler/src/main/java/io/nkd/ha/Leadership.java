package io.nkd.ha;

import java.util.Optional;

/**
 * Whether this nkd process may act now: follow Git, reconcile, call providers, write to workload clusters. With
 * several replicas exactly one leads ({@link LeaseLeadership}, a {@code coordination.k8s.io} Lease); a single
 * process on a local state directory always leads ({@link #SOLE}).
 *
 * <p>{@link #isLeader()} is cheap and is asked before every external mutation ({@link #ensureLeader()}): a leader
 * that cannot renew its lease stops being one here before the lease can expire for the others, so two replicas
 * never act at once.
 */
public interface Leadership {
    /** This process's identity in the election (the Lease's holderIdentity when it leads). */
    String identity();

    /** Whether this process leads now. */
    boolean isLeader();

    /** The identity of the replica that holds the lease as this process last saw it; empty when none (or unknown). */
    Optional<String> leader();

    /** What the election is, for status and logs, e.g. {@code Lease nkd-system/nkd}. */
    String describe();

    /**
     * Returns when this process leads; otherwise throws, so the mutation that asked does not happen.
     *
     * @throws NotLeaderException naming this replica and the leader it knows of
     */
    default void ensureLeader() {
        if (!isLeader()) {
            throw new NotLeaderException(identity(), leader().orElse(null), describe());
        }
    }

    /**
     * Called on every change of {@link #isLeader()}, on a thread of the election (never the caller's). A listener
     * must return quickly; a listener added while this process leads gets {@link Listener#gained()} at once.
     */
    void addListener(Listener listener);

    /** Told when this process starts and stops leading. */
    interface Listener {
        void gained();

        /** @param why e.g. "the lease was not renewed within the renew deadline (10s)" */
        void lost(String why);
    }

    /** The only process: always the leader (local state directory, one nkd serve; the directory lock keeps it so). */
    Leadership SOLE = new Leadership() {
        @Override
        public String identity() {
            return "local";
        }

        @Override
        public boolean isLeader() {
            return true;
        }

        @Override
        public Optional<String> leader() {
            return Optional.of("local");
        }

        @Override
        public String describe() {
            return "the only nkd serve of its state directory";
        }

        @Override
        public void addListener(Listener listener) {
            listener.gained();
        }
    };
}
