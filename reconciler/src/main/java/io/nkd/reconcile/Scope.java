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
    /** The certificates nkd keeps for the cluster (after renewals), with their expiry: EnsureSecrets. */
    java.util.List<io.nkd.pki.CertificateInfo> certificates = java.util.List.of();
    RenderedCluster rendered;
    final List<ProvisionedMachine> machines = new ArrayList<>();
    /** Every provider call of this reconcile goes through it; it remembers what they returned and how they failed. */
    final ProviderCalls calls;
    /** The nodes that fetched their config from nkd's Ignition server (BootConfigs.fetched), by node name. */
    java.util.Map<String, Collaborators.NodeFetch> fetched = java.util.Map.of();
    /** Machines ReconcileMachines created for missing nodes, and deleted because Git scaled them away. */
    int created;
    int deleted;
    /** Node names ReconcileMachines replaced on this pass (the old machine deleted, the new one created): at most one. */
    final List<String> replaced = new ArrayList<>();
    /** Orphans (nkd's machines whose pool is not in Git) deleted because spec.machinePolicy.prune is true. */
    final List<String> pruned = new ArrayList<>();
    /** Orphans left running because spec.machinePolicy.prune is false. */
    final List<String> orphansKept = new ArrayList<>();
    /** Machines whose spec changed but that are not replaced (spec.machinePolicy.replace is false, or a control-plane node). */
    final List<String> replacementsHeld = new ArrayList<>();
    /** Why allowed replacements wait for a later pass (another machine is not active yet), or null. */
    String replacementsWaiting;
    /** The cluster's API (ConnectCluster); null when this nkd cannot reach clusters of its infrastructure. */
    io.nkd.cluster.WorkloadCluster workload;
    /** What ObserveCluster saw of the cluster's API and nodes; null when it did not look. */
    io.nkd.status.KubernetesStatus observed;
    /** The Node objects ObserveCluster read, by name (empty when the API is not up). */
    java.util.Map<String, io.nkd.cluster.ClusterNode> kubeNodes = java.util.Map.of();
    /** What ApplyAddons did; null when it did not run. */
    io.nkd.status.AddonsStatus addons;
    /** ApplyAddons applied on this pass (not only carried the last apply's status over). */
    boolean addonsApplied;
    /** The fresh bootstrap token machines created on this pass join with (EnsureJoinToken); null while the API is not up. */
    io.nkd.pki.BootstrapToken joinToken;
    java.time.Instant joinTokenExpires;
    /** Whether rendered's node overlays carry joinToken (rendered again and published before the first create). */
    boolean joinTokenRendered;
    /** Why no fresh token could be made (the API server's answer); thrown by ReconcileMachines before it creates a machine. */
    ReconcileException joinTokenFailure;
    /** Nodes whose machines wait for their drain (ReconcileMachines): node → what is left or what blocks. */
    final java.util.Map<String, String> draining = new java.util.TreeMap<>();
    /** Nodes whose machines were deleted without draining them (the API unreachable), in order. */
    final List<String> undrained = new ArrayList<>();
    /** What machines deleted without a drain left in Kubernetes and nkd has not removed yet: node → what and why. */
    final java.util.Map<String, String> leftovers = new java.util.TreeMap<>();
    /** Nodes whose drain cannot go on without a person: node → why. */
    final java.util.Map<String, String> drainBlocked = new java.util.TreeMap<>();
    /** The Update RolloutUpdates wrote or read; null when none. Starts as the previous status's (the API may be down). */
    io.nkd.status.RolloutStatus rollout;
    /** RolloutUpdates wrote a new target on this pass (a history entry), with what it says. */
    String rolloutStarted;
    /** The Housekeeper reported the current target complete on this pass (the rollout's history entry completes). */
    boolean rolloutCompleted;
    /** Why RolloutUpdates could not read or write the Update on this pass (the cluster API's words), or null. */
    String rolloutError;
    /** When RolloutUpdates wants the next reconcile: at the window's opening, or soon while nodes move; null: no need. */
    java.time.Duration rolloutRecheck;
    /** The API server's serving certificate's expiry, read in a TLS handshake (ObserveCluster); null when not read. */
    java.time.Instant servingCertificateExpiry;
    /** The step that ended the reconcile early, and why. */
    String failedStep;
    ReconcileException failure;
    /** For a failure nkd retries: how many reconciles in a row failed, and when the next one runs. */
    int attempts;
    java.time.Duration retryIn;

    Scope(String cluster, DesiredRevision desired, ClusterState state, ClusterStatus previous, ProviderCalls calls) {
        this.calls = calls;
        this.cluster = cluster;
        this.revision = desired.revision();
        this.snapshot = desired.snapshot();
        this.config = desired.config();
        this.state = state;
        this.previous = previous;
        this.rollout = previous.rollout();
    }

    public String cluster() {
        return cluster;
    }

    public String revision() {
        return revision;
    }
}
