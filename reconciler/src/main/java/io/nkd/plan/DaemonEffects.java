package io.nkd.plan;

import io.nkd.config.ClusterSpec;
import io.nkd.infra.BuiltInProviders;

/**
 * Whether today's daemon carries out a cluster's actions, following its reconcile steps: a paused cluster stops at
 * SelectCluster (nothing is published or provisioned), and a cluster on infrastructure this nkd has no provider for
 * stops at ReconcileMachines after publishing its configs (no machine is created or deleted).
 */
final class DaemonEffects {
    private DaemonEffects() {
    }

    /** Publishing configs and starting to manage the cluster. */
    static Action.Effect configs(ClusterSpec head) {
        return head.paused() ? Action.Effect.NOT_APPLIED : Action.Effect.APPLIED;
    }

    /** Creating and deleting machines. */
    static Action.Effect machines(ClusterSpec head) {
        return head.paused() || !BuiltInProviders.available(head.infrastructure().provider())
                ? Action.Effect.NOT_APPLIED : Action.Effect.APPLIED;
    }

    static String configsReason(ClusterSpec head, String why) {
        return head.paused() ? why + "; " + PAUSED : why;
    }

    static String machinesReason(ClusterSpec head, String why) {
        if (head.paused()) {
            return why + "; " + PAUSED;
        }
        var type = head.infrastructure().provider();
        return BuiltInProviders.available(type) ? why
                : why + "; NOT applied: " + BuiltInProviders.unavailable(type) + ", so the daemon stops this cluster at "
                + "ReconcileMachines (ProvisioningFailed) and creates or deletes no machine";
    }

    private static final String PAUSED = "NOT applied while spec.paused is true: the daemon applies nothing to this cluster";
}
