package io.nkd.reconcile;

import io.nkd.cluster.WorkloadClusters;
import io.nkd.pki.ClusterPki;
import io.nkd.pki.Kubeconfig;
import io.nkd.secrets.ClusterSecrets;
import io.nkd.status.Reasons;

/**
 * Opens the cluster's API ({@link Collaborators#workloads()}) with the admin credentials of nkd's PKI (admin.conf,
 * kept by EnsureSecrets in the cluster's state); fills workload, or leaves it null when this nkd cannot reach clusters
 * of its infrastructure. No I/O beyond reading admin.conf: connecting to the server happens in ObserveCluster.
 */
record ConnectCluster(Collaborators c) implements Step {
    @Override
    public String name() {
        return "ConnectCluster";
    }

    @Override
    public boolean run(Scope s) throws ReconcileException {
        if (c.workloads() == WorkloadClusters.NONE) {
            return true;
        }
        String path = ClusterSecrets.PKI_DIR + ClusterPki.ADMIN_CONF;
        byte[] adminConf = s.state.read(path).orElseThrow(() -> new ReconcileException.Stalled(Reasons.SECRETS_FAILED,
                "the admin kubeconfig " + path + " is missing from the cluster's state although its PKI exists: restore the "
                        + "state directory from a backup (a new PKI would not match the running cluster)"));
        Kubeconfig admin;
        try {
            admin = Kubeconfig.parse(adminConf);
        } catch (IllegalArgumentException e) {
            throw new ReconcileException.Stalled(Reasons.SECRETS_FAILED, "the admin kubeconfig " + path + " in the cluster's state is"
                    + " unreadable (" + e.getMessage() + "): restore the state directory from a backup");
        }
        s.workload = c.workloads().connect(new WorkloadClusters.Target(s.cluster, s.loaded.spec().infrastructure(), admin))
                .orElse(null);
        return true;
    }
}
