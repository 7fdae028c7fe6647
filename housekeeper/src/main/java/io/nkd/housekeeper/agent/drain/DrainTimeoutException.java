package io.nkd.housekeeper.agent.drain;

import java.util.List;

/** The drain did not finish within its timeout; the message names the pods and what blocked them. */
public final class DrainTimeoutException extends Exception {
    private final List<String> blockedPods;

    public DrainTimeoutException(String message, List<String> blockedPods) {
        super(message);
        this.blockedPods = List.copyOf(blockedPods);
    }

    /** "namespace/name" of each pod that was still on the node. */
    public List<String> blockedPods() {
        return blockedPods;
    }
}
