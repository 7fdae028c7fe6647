package io.nkd.reconcile;

import io.nkd.config.ClusterSpec;
import io.nkd.config.LoadedCluster;
import io.nkd.config.RepositoryConfig;
import io.nkd.infra.ProvisionedMachine;
import io.nkd.render.BootstrapSecrets;
import io.nkd.render.RenderedCluster;
import io.nkd.state.ClusterState;
import io.nkd.status.ClusterStatus;
import java.util.ArrayList;
import java.util.List;

/**
 * What one reconcile of one cluster learns, filled in step by step. Steps only gather facts and act; the
 * {@link StatusComputer} turns the scope into conditions afterwards, in one place.
 */
public final class Scope {
    final String cluster;
    final String revision;
    final io.nkd.config.Snapshot snapshot;
    final RepositoryConfig config;
    final ClusterState state;
    final ClusterStatus previous;

    LoadedCluster loaded;
    /** The spec applied last time (null on the first reconcile). */
    ClusterSpec appliedSpec;
    boolean removed;
    boolean paused;
    BootstrapSecrets secrets;
    RenderedCluster rendered;
    final List<ProvisionedMachine> machines = new ArrayList<>();
    int created;
    int deleted;
    /** The step that ended the reconcile early, and why. */
    String failedStep;
    ReconcileException failure;

    Scope(String cluster, DesiredRevision desired, ClusterState state, ClusterStatus previous) {
        this.cluster = cluster;
        this.revision = desired.revision();
        this.snapshot = desired.snapshot();
        this.config = desired.config();
        this.state = state;
        this.previous = previous;
    }

    public String cluster() {
        return cluster;
    }

    public String revision() {
        return revision;
    }
}
