package io.nkd.housekeeper.agent;

import io.nkd.housekeeper.api.FailureReason;

/** A step that cannot succeed as things are: the node goes to Failed with this reason and message. */
final class StepFailure extends Exception {
    private final FailureReason reason;

    StepFailure(FailureReason reason, String message) {
        super(message);
        this.reason = reason;
    }

    FailureReason reason() {
        return reason;
    }
}
