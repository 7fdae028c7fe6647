package io.nkd.housekeeper.agent.drain;

/**
 * Told by the {@link Drainer} what refuses evictions while it retries them, so that its caller can show it (the node
 * agent puts it into its report) without the drainer writing anything but evictions.
 */
@FunctionalInterface
public interface DrainObserver {
    /** Ignores what it is told. */
    DrainObserver NONE = refusals -> { };

    /**
     * What refuses evictions after the drain's first pass, and then whenever that changed: a budget started or stopped
     * refusing, or the pods it refuses changed; {@link DrainRefusals#none()} when nothing is refused. Called on the
     * drain's thread between two passes, never twice in a row with equal blocks (not on every retry). A
     * RuntimeException is logged and the call repeated after the next pass.
     */
    void refusalsChanged(DrainRefusals refusals);
}
