package io.nkd.housekeeper.rollout;

import java.util.Objects;

/**
 * A Kubernetes Event the decision asks for: always on the Update, and also on the Node when {@link #node()} is set.
 *
 * @param warning a Warning event (else Normal)
 * @param reason  the event's reason
 * @param node    the Node it concerns, or null for the rollout as a whole
 * @param message a human sentence naming the node and the target
 */
public record RolloutEvent(boolean warning, Reason reason, String node, String message) {
    public RolloutEvent {
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(message, "message");
    }

    public enum Reason {
        NODE_SELECTED("NodeSelected"),
        NODE_RETRIED("NodeRetried"),
        NODE_RETARGETED("NodeRetargeted"),
        NODE_UPDATED("NodeUpdated"),
        NODE_FAILED("NodeFailed"),
        ROLLOUT_COMPLETED("RolloutCompleted"),
        ROLLOUT_DEGRADED("RolloutDegraded"),
        ROLLOUT_PAUSED("RolloutPaused"),
        /** nkd's certificate renewal: a control-plane node was given the request. */
        CERTIFICATE_RENEWAL_STARTED("CertificateRenewalStarted"),
        CERTIFICATES_RENEWED("CertificatesRenewed"),
        CERTIFICATE_RENEWAL_FAILED("CertificateRenewalFailed"),
        /** A PodDisruptionBudget started refusing evictions from a draining node (once per node, budget and drain). */
        DRAIN_BLOCKED("DrainBlocked");

        private final String wire;

        Reason(String wire) {
            this.wire = wire;
        }

        /** The Event's {@code reason} field. */
        public String wire() {
            return wire;
        }
    }
}
