package io.nkd.reconcile;

import io.nkd.cluster.ClusterApiException;
import io.nkd.cluster.ClusterNode;
import io.nkd.config.ClusterSpec;
import io.nkd.config.HousekeeperSettings.Flavor;
import io.nkd.config.Topology;
import io.nkd.housekeeper.api.ConditionType;
import io.nkd.housekeeper.api.NodeKeys;
import io.nkd.housekeeper.api.NodeProgress;
import io.nkd.housekeeper.api.NodeUpdateState;
import io.nkd.housekeeper.api.RolloutPhase;
import io.nkd.housekeeper.api.Update;
import io.nkd.housekeeper.api.UpdateSpec;
import io.nkd.housekeeper.api.UpdateStatus;
import io.nkd.housekeeper.api.Updates;
import io.nkd.status.Reasons;
import io.nkd.status.RolloutStatus;
import io.nkd.upgrade.DesiredUpdate;
import io.nkd.upgrade.UpgradeGate;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * After the add-ons: the Housekeeper's Update of the cluster says what the applied commit asks for (OS image pinned by
 * digest, Kubernetes version, how to roll it out, the commit), and its progress comes back into the status (fills
 * {@code rollout}). Runs when spec.housekeeper.enabled is true and the cluster's API is up.
 * <ul>
 *   <li>A new target (another OS image or Kubernetes version than the Update's) is written only inside a maintenance
 *   window, or when spec.upgrade.windowOverride names it (for an OS image: at the digest it was reviewed for), or when
 *   there are no windows (io.nkd.upgrade.UpgradeGate).
 *   Otherwise the status says when the window opens, and the reconcile comes back then (not before).</li>
 *   <li>The first Update of a cluster whose nodes all booted the applied commit's configs (a new cluster) moves no node:
 *   it is written at once, windows or not.</li>
 *   <li>Any other difference (maxUnavailable, evictPodForce, drainTimeout, paused) moves no node by itself and is
 *   written at once.</li>
 *   <li>With the NestOS Housekeeper (spec.housekeeper.flavor: nestos) only its four fields are written; it cannot be
 *   paused, so while spec.upgrade.paused is true a new target is not written at all.</li>
 * </ul>
 * Never waits: while nodes move, the next reconcile comes within {@link #WHILE_ROLLING}.
 */
record RolloutUpdates(Collaborators c) implements Step {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(RolloutUpdates.class);
    /** How soon nkd looks again while the Housekeeper moves nodes (the status follows the rollout at this pace). */
    static final Duration WHILE_ROLLING = Duration.ofSeconds(30);

    @Override
    public String name() {
        return "RolloutUpdates";
    }

    @Override
    public boolean run(Scope s) throws ReconcileException {
        ClusterSpec spec = s.loaded.spec();
        if (!spec.housekeeper().enabled()) {
            s.rollout = null; // nkd writes no Update: running nodes keep their image (the plan says NOT_APPLIED)
            return true;
        }
        if (s.workload == null || s.observed == null || !s.observed.apiReady()) {
            return true; // the previous rollout status stays; ObserveCluster's status says why the API is not reached
        }
        Instant now = s.calls.clock().instant();
        Flavor flavor = spec.housekeeper().flavor();
        UpdateSpec desired = DesiredUpdate.of(spec, s.config.images(), s.revision);
        // nkd certs renew's request (the state's, not the commit's: it is no configuration) rides along; the NestOS
        // Housekeeper has no such field (CertsCommand gives the manual commands instead)
        String renewal = flavor == Flavor.NKD ? io.nkd.secrets.NodeCertificateRequest.read(s.state)
                .map(io.nkd.secrets.NodeCertificateRequest::id).orElse(null) : null;
        desired = desired.withCertificateRenewal(renewal);
        UpdateSpec want = DesiredUpdate.asWritten(desired, flavor);
        String object = Updates.NAMESPACE + "/" + Updates.DEFAULT_NAME;
        try {
            Optional<Update> current = s.workload.rollouts().read();
            UpdateSpec have = current.map(Update::getSpec).orElse(null);
            String waiting = null;
            Instant opensAt = null;
            boolean written = false;
            if (have == null || !DesiredUpdate.equivalent(have, want)) {
                boolean osChanges = have == null || !Objects.equals(have.osImageURL(), want.osImageURL());
                boolean kubeChanges = have == null || !Objects.equals(have.kubeVersion(), want.kubeVersion());
                boolean movesNodes = have == null ? !nodesBootedThisCommit(s) : osChanges || kubeChanges;
                UpgradeGate.Decision gate = movesNodes ? UpgradeGate.decide(spec, want.osImageURL(), osChanges, kubeChanges, now)
                        : new UpgradeGate.Decision.Now("no node changes");
                if (movesNodes && flavor == Flavor.NESTOS && spec.upgrade().paused()) {
                    waiting = "spec.upgrade.paused is true and the NestOS Housekeeper cannot be paused: nkd writes the new "
                            + "target (" + describe(want) + ") once it is false";
                } else if (gate instanceof UpgradeGate.Decision.Later later) {
                    waiting = "the new target (" + describe(want) + ") waits: " + later.why();
                    opensAt = later.opensAt();
                    if (s.previous.rollout() == null || !Objects.equals(s.previous.rollout().opensAt(), opensAt)) {
                        LOG.info("Update not written cluster={} commit={} update={}: {}", s.cluster, Steps.shortId(s.revision),
                                object, waiting);
                    }
                    if (opensAt != null) {
                        s.rolloutRecheck = Duration.between(now, opensAt).plusSeconds(1);
                    }
                    if (have != null && renewal != null && !renewal.equals(have.certificateRenewal())) {
                        // a certificate renewal does not wait for the window of an OS or Kubernetes change: the
                        // Update keeps its current target and gets only the request
                        s.workload.rollouts().write(have.withCertificateRenewal(renewal), false);
                        LOG.info("Update written cluster={} commit={} update={} certificateRenewal={}: the current target "
                                + "stays while the new one waits", s.cluster, Steps.shortId(s.revision), object, renewal);
                        current = s.workload.rollouts().read();
                    }
                } else {
                    s.workload.rollouts().write(desired, flavor == Flavor.NESTOS);
                    written = true;
                    LOG.info("Update written cluster={} commit={} update={} osImageURL={} kubeVersion={}: {}", s.cluster,
                            Steps.shortId(s.revision), object, want.osImageURL(), want.kubeVersion(), gate.why());
                    if (movesNodes) {
                        s.rolloutStarted = "Update " + object + " → " + describe(want) + " (" + gate.why() + ")";
                    }
                    current = s.workload.rollouts().read();
                }
            }
            // only a new target takes this commit's pool configs along; a change of maxUnavailable does not
            s.rollout = status(s, current.orElse(null), flavor, written && s.rolloutStarted != null, waiting, opensAt, now);
        } catch (ClusterApiException e) {
            // the cluster's side, not the commit's: the commit stays applied (its machines and configs are fine) and
            // the status says what keeps the Update from being written (e.g. the Housekeeper's CRD is not installed
            // or not established yet, right after its add-on was applied); looked at again soon
            s.rolloutError = e.getMessage();
            s.rolloutRecheck = WHILE_ROLLING;
            if (s.previous.rollout() == null || !Objects.equals(s.previous.rollout().waiting(), e.getMessage())) {
                LOG.warn("Update not written cluster={} commit={} update={}: {}", s.cluster, Steps.shortId(s.revision), object,
                        e.getMessage());
            }
            return true;
        }
        RolloutStatus r = s.rollout;
        if (r == null) {
            return true;
        }
        RolloutStatus before = s.previous.rollout();
        followRenewal(s, r, before);
        if (r.phase() == RolloutPhase.COMPLETED && r.observed()
                && (before == null || before.phase() != RolloutPhase.COMPLETED || !Objects.equals(before.revision(), r.revision()))) {
            s.rolloutCompleted = true;
        }
        // follow the Housekeeper until it reports the target complete (also while it has not picked the Update up yet)
        if (s.rolloutRecheck == null && r.targetImage() != null && (r.waiting() == null || !r.observed())
                && (r.phase() != RolloutPhase.COMPLETED || !r.observed())) {
            s.rolloutRecheck = WHILE_ROLLING;
        }
        return true;
    }

    /**
     * The renewal of the control-plane nodes' certificates (its per-node expiries feed CertificatesValid and the expiry
     * metric from the status): a log line per phase change, and a recheck soon while it runs.
     */
    private static void followRenewal(Scope s, RolloutStatus r, RolloutStatus before) {
        io.nkd.housekeeper.api.CertificateRenewalStatus cr = r.certificateRenewal();
        if (cr == null) {
            return;
        }
        io.nkd.housekeeper.api.CertificateRenewalStatus was = before == null ? null : before.certificateRenewal();
        if (was == null || !Objects.equals(was.request(), cr.request()) || was.phase() != cr.phase()) {
            LOG.info("certificate renewal cluster={} commit={} request={} phase={}: {}", s.cluster, Steps.shortId(s.revision),
                    cr.request(), cr.phase(), cr.message());
        }
        if (cr.phase() == io.nkd.housekeeper.api.CertificateRenewalPhase.WAITING
                || cr.phase() == io.nkd.housekeeper.api.CertificateRenewalPhase.PROGRESSING) {
            s.rolloutRecheck = s.rolloutRecheck == null ? WHILE_ROLLING : s.rolloutRecheck;
        }
    }

    private static String describe(UpdateSpec spec) {
        return "OS image " + spec.osImageURL() + ", Kubernetes " + spec.kubeVersion();
    }

    /**
     * Whether every node Kubernetes knows fetched the applied commit's config of its pool: it booted the commit's OS
     * image and Kubernetes version (Ignition rebases at first boot), so a first Update moves none of them. True with no
     * node yet (nothing joined, nothing to move).
     */
    private boolean nodesBootedThisCommit(Scope s) {
        Map<String, Collaborators.NodeFetch> fetched = c.bootConfigs().fetched(s.state);
        Map<String, String> poolOf = new java.util.HashMap<>();
        Topology.nodes(s.cluster, s.loaded.spec()).forEach(n -> poolOf.put(n.name(), n.pool().name()));
        Map<String, String> booted = new java.util.HashMap<>();
        // as StatusComputer counts it: the Ignition server's record of the fetch, else what the provider knows it booted
        s.machines.forEach(m -> {
            if (m.currentConfig() != null) {
                booted.put(m.name(), m.currentConfig());
            }
        });
        fetched.forEach((node, f) -> booted.put(node, f.poolVersion()));
        for (String node : s.kubeNodes.keySet()) {
            String pool = poolOf.get(node);
            if (pool == null || !Objects.equals(s.rendered.versions().get(pool), booted.get(node))) {
                return false;
            }
        }
        return true;
    }

    /** What the status shows of the Update (null when there is none and none is waiting). */
    private static RolloutStatus status(Scope s, Update u, Flavor flavor, boolean written, String waiting, Instant opensAt,
                                        Instant now) {
        RolloutStatus before = s.previous.rollout();
        String object = Updates.NAMESPACE + "/" + Updates.DEFAULT_NAME;
        if (u == null) {
            return waiting == null ? null : new RolloutStatus(object, null, null, null, null, waiting, List.of(), opensAt, null,
                    false, flavor.wire(), s.rendered.versions(), null, null, null);
        }
        UpdateSpec spec = u.getSpec();
        UpdateStatus st = u.getStatus();
        Long generation = u.getMetadata().getGeneration();
        boolean observed = st != null && st.observedGeneration() != null && st.observedGeneration().equals(generation);
        String revision = spec.revision() != null ? spec.revision()
                : u.getMetadata().getAnnotations() == null ? null : u.getMetadata().getAnnotations().get(Updates.REVISION_ANNOTATION);
        boolean sameTarget = before != null && Objects.equals(before.targetImage(), spec.osImageURL())
                && Objects.equals(before.targetKubernetes(), spec.kubeVersion());
        // the pool configs the target comes with: this commit's when it wrote the target now, when the commit's target
        // waits (a window), or when nkd sees the Update for the first time; the earlier ones while the target stays
        Map<String, String> pools = written || waiting != null || !sameTarget || before.poolVersions().isEmpty()
                ? s.rendered.versions() : before.poolVersions();
        Instant startedAt = written && !sameTarget ? now : sameTarget && before.startedAt() != null ? before.startedAt()
                : instant(st == null ? null : st.startedAt());
        List<RolloutStatus.Node> nodes = new ArrayList<>();
        String message = null;
        RolloutPhase phase = null;
        if (flavor == Flavor.NESTOS) {
            // the NestOS Housekeeper writes no status: what Kubernetes shows of each node (its labels, its kubelet)
            for (ClusterNode n : s.kubeNodes.values()) {
                NodeUpdateState state = n.labels().containsKey(NodeKeys.UPGRADING_LABEL) ? NodeUpdateState.UPDATING
                        : Objects.equals(n.kubeletVersion(), spec.kubeVersion()) ? NodeUpdateState.UPDATED : NodeUpdateState.PENDING;
                nodes.add(new RolloutStatus.Node(n.name(), n.osImage(), n.kubeletVersion(), state, null,
                        "as Kubernetes shows it (the NestOS Housekeeper reports no progress; its image cannot be verified)"));
            }
            observed = true;
            phase = nodes.stream().allMatch(n -> n.state() == NodeUpdateState.UPDATED) ? RolloutPhase.COMPLETED : RolloutPhase.PROGRESSING;
        } else if (st != null) {
            for (NodeProgress p : st.nodes()) {
                // the reason as the Housekeeper writes it (DrainTimeout), as in its conditions, not the Java constant
                String m = p.reason() == null ? p.message() : io.nkd.housekeeper.api.ContractJson.write(p.reason()).replace("\"", "")
                        + (p.message() == null ? "" : ": " + p.message());
                nodes.add(new RolloutStatus.Node(p.name(), p.osImage(), p.kubeletVersion(), p.state(), instant(p.since()), m, p.step(),
                        p.role(), p.blockedBy()));
            }
            phase = observed ? st.phase() : null;
            ConditionType which = st.phase() == RolloutPhase.DEGRADED ? ConditionType.DEGRADED : ConditionType.PROGRESSING;
            message = st.conditions().stream().filter(c -> which.type().equals(c.getType())).map(c -> c.getReason() + ": " + c.getMessage())
                    .findFirst().orElse(null);
        }
        if (waiting == null && !observed) {
            waiting = "the Housekeeper has not reported on the Update's generation " + generation + " yet"
                    + (st == null ? " (no status at all)" : " (its status is of generation " + st.observedGeneration() + ")")
                    + ": is its operator running? kubectl -n " + Updates.NAMESPACE + " get pods,updates";
        }
        Instant completedAt = phase == RolloutPhase.COMPLETED ? (sameTarget && before.completedAt() != null ? before.completedAt()
                : st != null && st.completedAt() != null ? instant(st.completedAt()) : now) : null;
        return new RolloutStatus(object, revision, spec.osImageURL(), spec.kubeVersion(), phase, waiting, nodes, opensAt, message,
                observed, flavor.wire(), pools, startedAt, completedAt, st == null ? null : st.certificateRenewal(),
                spec.workerBudget());
    }

    private static Instant instant(String rfc3339) {
        if (rfc3339 == null) {
            return null;
        }
        try {
            return java.time.OffsetDateTime.parse(rfc3339).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
