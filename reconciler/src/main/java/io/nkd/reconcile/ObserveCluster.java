package io.nkd.reconcile;

/**
 * After the machines: the API server's readiness and the nodes that joined and are Ready; fills observed. Never blocks: an API that is not up yet is a fact for the status, retried soon.
 * <p>Skeleton: filled in by the "kube" work of issue 10.
 */
record ObserveCluster(Collaborators c) implements Step {
    @Override
    public String name() {
        return "ObserveCluster";
    }

    @Override
    public boolean run(Scope s) throws ReconcileException {
        return true;
    }
}
