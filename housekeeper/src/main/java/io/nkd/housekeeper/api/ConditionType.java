package io.nkd.housekeeper.api;

/** The condition types of an Update's status; each is always written with a reason. */
public enum ConditionType {
    /** True while nodes are being updated or wait for their turn. */
    PROGRESSING("Progressing"),
    /** True when a node failed and the rollout is halted; the message names the node and the reason. */
    DEGRADED("Degraded"),
    /** True when every node runs the target. */
    COMPLETED("Completed");

    private final String type;

    ConditionType(String type) {
        this.type = type;
    }

    public String type() {
        return type;
    }
}
