package io.nkd.reconcile;

/**
 * Before machines are created on a cluster whose API is up: a fresh, short-lived bootstrap token in kube-system that the joining nodes' configs carry.
 * <p>Skeleton: filled in by the "joins" work of issue 10.
 */
record EnsureJoinToken(Collaborators c) implements Step {
    @Override
    public String name() {
        return "EnsureJoinToken";
    }

    @Override
    public boolean run(Scope s) throws ReconcileException {
        return true;
    }
}
