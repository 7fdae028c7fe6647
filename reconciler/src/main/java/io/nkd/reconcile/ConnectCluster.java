package io.nkd.reconcile;

/**
 * Opens the cluster's API (Collaborators.workloads) with the admin credentials of nkd's PKI; fills workload (null when this nkd cannot reach clusters of its infrastructure). No I/O.
 * <p>Skeleton: filled in by the "kube" work of issue 10.
 */
record ConnectCluster(Collaborators c) implements Step {
    @Override
    public String name() {
        return "ConnectCluster";
    }

    @Override
    public boolean run(Scope s) throws ReconcileException {
        return true;
    }
}
