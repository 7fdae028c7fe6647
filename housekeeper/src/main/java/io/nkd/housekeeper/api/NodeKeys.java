package io.nkd.housekeeper.api;

/**
 * The labels and annotations on Node objects through which the operator and the agents talk (see
 * housekeeper/CONTRACT.md). The two labels are the upstream Housekeeper's, set as upstream sets them; the annotations
 * are nkd's.
 */
public final class NodeKeys {
    private NodeKeys() {
    }

    /** Upstream label, empty value: the operator has selected this node for the running rollout. */
    public static final String UPGRADING_LABEL = "upgrade.housekeeper.io/upgrading";
    /**
     * Upstream label, empty value: the agent finished this node; the operator removes it from every node once the
     * whole rollout is complete, so that the next Update starts clean.
     */
    public static final String UPGRADE_COMPLETED_LABEL = "upgrade.housekeeper.io/upgradeCompleted";

    /** Operator → agent: the node's {@link NodeAssignment} as JSON. Absent: nothing to do. */
    public static final String ASSIGNMENT_ANNOTATION = "housekeeper.io/assignment";
    /** Agent → operator: the node's {@link NodeReport} as JSON, rewritten on every state change. */
    public static final String REPORT_ANNOTATION = "housekeeper.io/report";
    /** User → operator: set (any value) on a failed node to retry it; the operator removes it when it retries. */
    public static final String RETRY_ANNOTATION = "housekeeper.io/retry";

    /**
     * Operator → agent (nkd only): the node's {@link CertificateRenewalAssignment} as JSON. On one control-plane node
     * at a time; absent: nothing to renew.
     */
    public static final String CERTIFICATE_RENEWAL_ANNOTATION = "housekeeper.io/certificate-renewal";
    /** Agent → operator (nkd only): the node's last {@link CertificateRenewalReport} as JSON. */
    public static final String CERTIFICATE_REPORT_ANNOTATION = "housekeeper.io/certificate-report";

    /** Role labels: control-plane nodes carry either (the {@code master} one on clusters before 1.24). */
    public static final String CONTROL_PLANE_LABEL = "node-role.kubernetes.io/control-plane";
    public static final String MASTER_LABEL = "node-role.kubernetes.io/master";
}
