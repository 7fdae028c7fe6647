package io.nkd.reconcile;

/** One named step of a reconcile. Steps run in a fixed order; the first that throws ends the reconcile. */
interface Step {
    String name();

    /** @return false to end the reconcile successfully here (nothing more to do, e.g. paused) */
    boolean run(Scope scope) throws ReconcileException;
}
