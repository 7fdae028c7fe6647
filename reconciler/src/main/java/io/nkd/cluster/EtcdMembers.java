package io.nkd.cluster;

/**
 * The etcd members of a cluster whose control-plane nodes run kubeadm's stacked etcd: kubeadm names each member after
 * its node. Used when a control-plane node leaves, so the cluster does not keep a member that never answers again.
 */
public interface EtcdMembers {
    /** What {@link #remove} did. */
    sealed interface Removal {
        /** The member was removed. */
        record Removed(String memberId) implements Removal {
        }

        /** No member is named after the node (never joined, or removed earlier): nothing to do. */
        record Absent() implements Removal {
        }

        /** Not removed: why, and what to do (quorum would be lost, no other member answers). */
        record Refused(String why) implements Removal {
        }
    }

    /**
     * Removes the member named {@code node}, asking the first of {@code endpoints} that answers (the etcd client URLs
     * of the other control-plane nodes, {@code https://IP:2379}); refuses when the members left that answer would be
     * fewer than a quorum of the members left.
     */
    Removal remove(String node, java.util.List<String> endpoints);
}
