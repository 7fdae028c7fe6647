package io.nkd.cluster;

import java.time.Duration;
import java.time.Instant;

/** Taking a node out of the cluster before its machine is deleted. */
public interface NodeRemovals {
    /**
     * How a drain goes.
     *
     * @param drainStarted when nkd began draining this node (kept by the caller across reconciles)
     * @param etcd         the cluster's etcd members, to remove a control-plane node's member; null when nkd cannot
     *                     reach them (the caller builds it from the cluster's etcd CA, which nkd holds)
     */
    record Policy(Duration drainTimeout, boolean evictPodForce, Instant drainStarted, EtcdMembers etcd) {
        /** Without access to etcd: a control-plane node's member is not removed (the implementation says so). */
        public Policy(Duration drainTimeout, boolean evictPodForce, Instant drainStarted) {
            this(drainTimeout, evictPodForce, drainStarted, null);
        }
    }

    /** Where a removal stands after one call. */
    sealed interface Progress {
        /** The Node object is gone (and, for a control-plane node, its etcd member): the machine may be deleted. */
        record Done() implements Progress {
        }

        /** Still draining: what is left (e.g. "3 pods left; default/web-1 blocked by PodDisruptionBudget web"). */
        record InProgress(String what) implements Progress {
        }

        /** Cannot go on without a person: why and what to do. */
        record Blocked(String why) implements Progress {
        }

        /**
         * Left alone: the Node object under the name is not the one of the machine deleted earlier (registered after
         * that machine was deleted, or Ready again: a kubelet runs under this name), so it belongs to another machine.
         */
        record Reused(String why) implements Progress {
        }
    }

    /**
     * One bounded step: cordon, evict the pods (PodDisruptionBudgets respected; past the drain timeout, force per
     * policy or report Blocked), delete the Node; for a control-plane node remove its etcd member first. Called
     * again on each reconcile until it returns Done. A node that does not exist is Done.
     */
    Progress remove(String node, boolean controlPlane, Policy policy);

    /**
     * What a machine deleted without a drain (its cluster's API did not answer) left behind, removed once the API answers
     * again: for a control-plane node its etcd member, then its Node object. Nothing is drained: the machine and its
     * pods are gone (the pod garbage collector deletes the pods bound to a deleted Node). Never touches a Node registered
     * after {@code machineDeleted} or Ready now ({@link Progress.Reused}): the name belongs to another machine then.
     * The default suits clusters whose Nodes vanish with their machines (the sandbox's simulation): nothing is left.
     *
     * @param machineDeleted when nkd deleted the node's machine
     */
    default Progress removeLeftover(String node, boolean controlPlane, java.time.Instant machineDeleted, Policy policy) {
        return new Progress.Done();
    }
}
