package io.nkd.infra.sandbox;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.nkd.cluster.Addons;
import io.nkd.cluster.ApiReadiness;
import io.nkd.cluster.ClusterApiException;
import io.nkd.cluster.ClusterNode;
import io.nkd.cluster.NodeRemovals;
import io.nkd.housekeeper.api.AgentState;
import io.nkd.housekeeper.api.ContractJson;
import io.nkd.housekeeper.api.NodeKeys;
import io.nkd.housekeeper.api.NodeRole;
import io.nkd.housekeeper.api.Update;
import io.nkd.housekeeper.api.UpdateSpec;
import io.nkd.housekeeper.api.UpdateStatus;
import io.nkd.housekeeper.rollout.EtcdHealth;
import io.nkd.housekeeper.rollout.NodeAction;
import io.nkd.housekeeper.rollout.NodeView;
import io.nkd.housekeeper.rollout.RolloutDecision;
import io.nkd.housekeeper.rollout.RolloutInput;
import io.nkd.housekeeper.rollout.CertificateRenewals;
import io.nkd.housekeeper.rollout.RolloutPlanner;
import io.nkd.housekeeper.rollout.UpdateRef;
import io.nkd.pki.BootstrapToken;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One sandbox cluster's simulated Kubernetes side, computed lazily from a clock: nothing runs in the background, each
 * call first plays simulated time forward to now in ticks (one agent step per tick), so a test that moves its clock
 * sees exactly the steps a real cluster would take, and nothing sleeps.
 *
 * <ul>
 * <li>The API server is up once a control-plane machine of the sandbox has booted (fetched its config).</li>
 * <li>Each booted machine is a Node, Ready {@link Timing#nodeReady} after it registered, with the image and kubelet
 * version of the config it booted.</li>
 * <li>The Housekeeper's operator is the real {@link RolloutPlanner}, fed as its controller feeds it (Nodes with the
 * agents' reports, etcd healthy); its assignments are carried out by {@link SimulatedAgent}s.</li>
 * </ul>
 *
 * <p>State is kept in {@code STATE_DIR/sandbox/<cluster>.kube.json} with the sandbox's failure rules: a change is saved
 * first (atomically) and only then visible; a failed save leaves the simulation as it was and the caller sees the
 * error.
 */
final class SimulatedKube {
    private static final Logger LOG = LoggerFactory.getLogger(SimulatedKube.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String UPDATE_NAMESPACE = io.nkd.housekeeper.api.Updates.NAMESPACE;
    /** The Update nkd writes for a cluster: one per cluster, as on a real cluster. */
    static final String UPDATE_NAME = io.nkd.housekeeper.api.Updates.DEFAULT_NAME;
    /** How long a node may stay NotReady after a reboot before the planner calls it failed (the operator's default). */
    private static final Duration NODE_READY_TIMEOUT = Duration.ofMinutes(10);
    /** At most this many ticks per call: an nkd stopped for days catches up in bounded time. */
    private static final int MAX_TICKS = 10_000;

    /**
     * The simulation's pace.
     *
     * @param nodeReady how long a registered Node takes to turn Ready
     * @param step      one agent step (cordon, drain, stage, reboot, ...) and one drain of a removal
     */
    record Timing(Duration nodeReady, Duration step) {
        Timing {
            if (step.isZero() || step.isNegative()) {
                throw new IllegalArgumentException("a simulated step must take some time: " + step);
            }
        }

        /** The pace of a sandbox cluster that boots its machines in {@code bootTime}: steps of half of it. */
        static Timing forBootTime(Duration bootTime) {
            Duration half = bootTime.dividedBy(2);
            Duration step = half.compareTo(Duration.ofMillis(10)) < 0 ? Duration.ofMillis(10) : half;
            return new Timing(half, step);
        }
    }

    /** What the simulation keeps, as it is saved. */
    @JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY, getterVisibility = JsonAutoDetect.Visibility.NONE,
            isGetterVisibility = JsonAutoDetect.Visibility.NONE)
    @JsonIgnoreProperties(ignoreUnknown = true)
    static final class State {
        /** Simulated time has been played up to here. */
        String simulatedUntil;
        TreeMap<String, SimulatedNode> nodes = new TreeMap<>();
        /** Bootstrap tokens by id: only the id, expiry and description (the secret half is never kept here). */
        TreeMap<String, Token> tokens = new TreeMap<>();
        /** Add-on objects applied, by {@code apiVersion kind namespace/name}: where they came from. */
        TreeMap<String, Applied> addons = new TreeMap<>();
        StoredUpdate update;
    }

    record Token(String expires, String description) {
    }

    /**
     * An add-on object nkd applied: its add-on, where it came from, and whether that add-on pruned then.
     *
     * @param refusingBudget "namespace/name" when the object is a PodDisruptionBudget that allows no disruption at all
     *                       ({@code maxUnavailable: 0} or {@code "0%"}, {@code minAvailable: "100%"}), else null: the
     *                       sandbox runs no workloads, so it takes such a budget to protect one pod on every worker node
     *                       and to refuse its eviction, as it would in a real cluster (other budgets allow it)
     */
    record Applied(String addon, String where, String describe, boolean prune, String refusingBudget) {
    }

    /** @param revision the commit nkd wrote it from (its annotation: kept also when only the upstream fields are) */
    record StoredUpdate(String uid, long generation, String created, UpdateSpec spec, UpdateStatus status, String revision) {
    }

    private final String cluster;
    private final Path file;
    private final SandboxProvider provider;
    private final Clock clock;
    private volatile Timing timing;
    private State state;

    SimulatedKube(String cluster, SandboxProvider provider, Clock clock, Timing timing) {
        this.cluster = cluster;
        this.provider = provider;
        this.clock = clock;
        this.timing = timing;
        this.file = provider.directory().resolve(cluster + ".kube.json");
        this.state = load(file);
    }

    void timing(Timing t) {
        this.timing = t;
    }

    private static State load(Path file) {
        if (!Files.exists(file)) {
            return new State();
        }
        try {
            return JSON.readValue(file.toFile(), State.class);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            // no cause and no Jackson message: both quote the file, which holds the add-ons' objects (Secrets too)
            throw io.nkd.state.CorruptStateException.of(file, "not the simulated cluster nkd writes" + where(e), "Restore it from a"
                    + " backup of the state directory, or stop nkd and delete it: the simulated cluster then starts over from its"
                    + " machines (nodes join again, the Update is written again).");
        } catch (IOException e) {
            throw new UncheckedIOException("sandbox state file " + file + " is unreadable (" + io.nkd.state.StateIOException.reason(e)
                    + "): check its permissions and the disk", e);
        }
    }

    static String where(com.fasterxml.jackson.core.JsonProcessingException e) {
        return e.getLocation() == null ? "" : " (at line " + e.getLocation().getLineNr() + " column " + e.getLocation().getColumnNr() + ")";
    }

    // ---- the API -------------------------------------------------------------------------------------------------

    synchronized ApiReadiness readiness() {
        try {
            change(() -> null);
        } catch (RuntimeException e) {
            LOG.warn("sandbox cluster={}: cannot save the simulation: {}", cluster, e.getMessage());
        }
        return apiUp() ? ApiReadiness.up() : ApiReadiness.down("connection refused (simulated: no control-plane machine"
                + " of cluster " + cluster + " has booted yet)");
    }

    synchronized List<ClusterNode> nodes() {
        return change(() -> {
            requireApi("Nodes");
            Instant now = clock.instant();
            return state.nodes.values().stream().filter(n -> !n.deleted).map(n -> node(n, now)).toList();
        });
    }

    synchronized void createToken(BootstrapToken token, Instant expires, String description) {
        change(() -> {
            requireApi(secret(token.id()));
            state.tokens.put(token.id(), new Token(expires.toString(), description));
            return null;
        });
    }

    synchronized void deleteToken(String id) {
        change(() -> {
            requireApi(secret(id));
            state.tokens.remove(id);
            return null;
        });
    }

    synchronized Map<String, Instant> tokens() {
        return change(() -> {
            requireApi("Secrets kube-system/bootstrap-token-*");
            Instant now = clock.instant();
            // the controller-manager's token cleaner deletes expired tokens
            state.tokens.entrySet().removeIf(e -> !Instant.parse(e.getValue().expires()).isAfter(now));
            Map<String, Instant> out = new TreeMap<>();
            state.tokens.forEach((id, t) -> out.put(id, Instant.parse(t.expires())));
            return out;
        });
    }

    synchronized NodeRemovals.Progress remove(String node, boolean controlPlane) {
        return change(() -> {
            requireApi("Node " + node);
            SimulatedNode n = state.nodes.get(node);
            Instant now = clock.instant();
            if (n == null || n.deleted) {
                return new NodeRemovals.Progress.Done();
            }
            if (n.removalStarted == null) {
                n.removalStarted = now.toString();
                n.unschedulable = true;
                LOG.info("sandbox cluster={} node={}: cordoned, draining", cluster, node);
                return new NodeRemovals.Progress.InProgress("cordoned; evicting pods");
            }
            Instant drained = Instant.parse(n.removalStarted).plus(timing.step().multipliedBy(2));
            if (now.isBefore(drained)) {
                return new NodeRemovals.Progress.InProgress("evicting pods (simulated drain, done by " + drained + ")");
            }
            n.deleted = true;
            n.assignment = null;
            LOG.info("sandbox cluster={} node={}: drained and deleted{}", cluster, node,
                    controlPlane || n.controlPlane ? ", etcd member removed" : "");
            return new NodeRemovals.Progress.Done();
        });
    }

    synchronized Addons.ApplyReport apply(List<Addons.ManifestObject> objects, Map<String, Boolean> addons) {
        return change(() -> {
            requireApi("add-ons");
            List<Addons.ObjectResult> results = new ArrayList<>();
            Set<String> listed = new java.util.HashSet<>();
            for (Addons.ManifestObject o : objects) {
                listed.add(key(o));
                String problem = problem(o);
                if (problem != null) {
                    results.add(new Addons.ObjectResult(o, Addons.Outcome.FAILED, problem));
                    continue;
                }
                state.addons.put(key(o), new Applied(o.addon(), o.where(), o.describe(), addons.getOrDefault(o.addon(), false),
                        refusingBudget(o)));
                results.add(new Addons.ObjectResult(o, Addons.Outcome.APPLIED, null));
            }
            // the inventory: what nkd applied and no add-on lists any more is deleted when its add-on prunes (now, or
            // when last applied if the add-on itself is gone), else only forgotten
            List<String> pruned = new ArrayList<>();
            for (Map.Entry<String, Applied> e : List.copyOf(state.addons.entrySet())) {
                if (listed.contains(e.getKey())) {
                    continue;
                }
                Applied a = e.getValue();
                boolean prune = addons.containsKey(a.addon()) ? addons.get(a.addon()) : a.prune();
                state.addons.remove(e.getKey());
                if (prune) {
                    pruned.add(a.describe() + " (add-on " + a.addon() + ")");
                }
            }
            return new Addons.ApplyReport(results, pruned);
        });
    }

    synchronized Optional<Update> readUpdate() {
        return change(() -> {
            requireApi("Update " + UPDATE_NAMESPACE + "/" + UPDATE_NAME);
            return Optional.ofNullable(state.update).map(u -> update(u, cluster));
        });
    }

    synchronized void writeUpdate(UpdateSpec spec, boolean upstreamFieldsOnly) {
        change(() -> {
            requireApi("Update " + UPDATE_NAMESPACE + "/" + UPDATE_NAME);
            UpdateSpec written = upstreamFieldsOnly ? UpdateSpec.upstream(spec.osImageURL(), spec.kubeVersion(),
                    spec.forceEviction(), spec.workerBudget()) : spec;
            StoredUpdate u = state.update;
            if (u == null) {
                Instant now = clock.instant();
                state.update = new StoredUpdate(UUID.nameUUIDFromBytes((cluster + "/" + now).getBytes(StandardCharsets.UTF_8))
                        .toString(), 1, now.toString(), written, null, spec.revision());
                LOG.info("sandbox cluster={}: Update {}/{} created (generation 1)", cluster, UPDATE_NAMESPACE, UPDATE_NAME);
            } else if (!written.equals(u.spec()) || !java.util.Objects.equals(spec.revision(), u.revision())) {
                if (written.equals(u.spec())) { // only the annotation changes: no new generation
                    state.update = new StoredUpdate(u.uid(), u.generation(), u.created(), written, u.status(), spec.revision());
                    return null;
                }
                state.update = new StoredUpdate(u.uid(), u.generation() + 1, u.created(), written, u.status(), spec.revision());
                LOG.info("sandbox cluster={}: Update {}/{} changed (generation {})", cluster, UPDATE_NAMESPACE, UPDATE_NAME,
                        u.generation() + 1);
            }
            // the operator watches Updates: it plans the new generation at once, not on the agents' next step
            operate(clock.instant());
            return null;
        });
    }

    // ---- the simulation ------------------------------------------------------------------------------------------

    /**
     * Plays simulated time forward, runs {@code call} and saves, all or nothing: when the save fails the simulation is
     * as before and the error goes to the caller.
     */
    private <T> T change(Supplier<T> call) {
        byte[] before = serialize();
        try {
            advance(clock.instant());
            T result = call.get();
            byte[] after = serialize();
            if (!java.util.Arrays.equals(before, after)) {
                provider.write(file, after);
            }
            return result;
        } catch (IOException e) {
            state = deserialize(before);
            throw new ClusterApiException("sandbox state " + file, "cannot save the simulated cluster: "
                    + io.nkd.state.StateIOException.reason(e) + "; nkd retries on its next reconcile", e);
        } catch (RuntimeException e) {
            state = deserialize(before);
            throw e;
        }
    }

    private void advance(Instant now) {
        Instant until = state.simulatedUntil == null ? now : Instant.parse(state.simulatedUntil);
        Duration step = timing.step();
        int ticks = 0;
        while (!until.plus(step).isAfter(now) && ticks < MAX_TICKS) {
            until = until.plus(step);
            ticks++;
            if (!tick(until)) {
                until = now; // nothing in motion: the rest of the time changes nothing
                break;
            }
        }
        if (ticks == MAX_TICKS) {
            until = now;
        }
        state.simulatedUntil = until.toString();
        join(now);
    }

    /** Machines that booted register as Nodes; Nodes whose machine is gone are forgotten. */
    private void join(Instant now) {
        if (!provider.hasControlPlane(cluster) && (state.update != null || !state.tokens.isEmpty() || !state.nodes.isEmpty()
                || !state.addons.isEmpty())) {
            // every control-plane machine is gone, and etcd with them: what the API held is lost (nkd destroy, or a
            // cluster deleted from the sandbox); a cluster created again under the name starts empty
            LOG.info("sandbox cluster={}: no control-plane machine left; the simulated cluster's API data is gone", cluster);
            state = new State();
            state.simulatedUntil = now.toString();
        }
        List<SandboxProvider.Booted> booted = provider.booted(cluster);
        Set<String> names = booted.stream().map(SandboxProvider.Booted::name).collect(Collectors.toSet());
        Set<String> existing = provider.list(cluster).stream().map(io.nkd.infra.ProvisionedMachine::name)
                .collect(Collectors.toSet());
        state.nodes.keySet().removeIf(name -> !existing.contains(name));
        for (SandboxProvider.Booted m : booted) {
            if (!state.nodes.containsKey(m.name())) {
                SimulatedNode n = SimulatedNode.joined(m, now);
                n.readyAt = now.plus(timing.nodeReady()).toString();
                state.nodes.put(m.name(), n);
                LOG.info("sandbox cluster={} node={} registered ({}, kubelet {})", cluster, m.name(),
                        m.osImage() == null ? "unknown image" : m.osImage(), m.kubeletVersion());
            }
        }
        state.nodes.values().forEach(n -> {
            if (n.readyAt != null && !names.contains(n.name)) {
                n.readyAt = null; // its machine is no longer running
                n.notReadySince = now.toString();
            }
        });
    }

    /** One tick: each agent takes a step, then the operator plans. False when nothing is in motion. */
    private boolean tick(Instant t) {
        if (state.update == null) {
            return false;
        }
        boolean moving = false;
        List<String> refusing = state.addons.values().stream().map(Applied::refusingBudget).filter(Objects::nonNull)
                .sorted().toList();
        for (SimulatedNode n : state.nodes.values()) {
            boolean working = n.assignment != null && !n.deleted && (!n.assignment.id().equals(n.agentAssignment)
                    || n.agentState != AgentState.DONE && n.agentState != AgentState.FAILED);
            if (working) {
                SimulatedAgent.step(n, t, refusing);
                moving = true;
            }
            moving |= SimulatedAgent.renew(n, t);
        }
        return operate(t) || moving;
    }

    /** The operator's pass: the planner's decision applied to the Nodes and the Update's status. False when it changed nothing. */
    private boolean operate(Instant t) {
        boolean moving = false;
        StoredUpdate u = state.update;
        UpdateRef ref = new UpdateRef(UPDATE_NAMESPACE, UPDATE_NAME, u.uid(), u.generation(), Instant.parse(u.created()),
                u.spec(), u.status());
        List<NodeView> views = state.nodes.values().stream().filter(n -> !n.deleted).map(n -> view(n, t)).toList();
        EtcdHealth etcd = EtcdHealth.healthy("simulated etcd: every member healthy");
        RolloutDecision d = RolloutPlanner.plan(new RolloutInput(ref, views, etcd, t, NODE_READY_TIMEOUT));
        // the certificate renewal, as the real operator sequences it: the rollout's control-plane nodes first, and no
        // control-plane node of the rollout while one renews
        List<CertificateRenewals.View> certViews = state.nodes.values().stream().filter(n -> !n.deleted && n.controlPlane)
                .map(n -> new CertificateRenewals.View(n.name, true, n.ready(t), Optional.ofNullable(n.certificateAssignment),
                        Optional.ofNullable(n.certificateReport), null)).toList();
        CertificateRenewals.Decision renewal = CertificateRenewals.plan(ref.key(),
                u.spec().certificateRenewalRequest().orElse(null), u.status() == null ? null : u.status().certificateRenewal(),
                certViews, etcd, CertificateRenewals.rolloutHolds(List.of(d.status())), t);
        if (renewal.renewing().isPresent()) {
            d = RolloutPlanner.plan(new RolloutInput(ref, views, EtcdHealth.unhealthy("control-plane node "
                    + renewal.renewing().get() + " renews its certificates"), t, NODE_READY_TIMEOUT));
        }
        for (CertificateRenewals.Action action : renewal.actions()) {
            SimulatedNode n = state.nodes.get(action.node());
            n.certificateAssignment = action instanceof CertificateRenewals.Action.Assign a ? a.assignment() : null;
            moving = true;
        }
        renewal.events().forEach(e -> LOG.info("sandbox cluster={}: {}", cluster, e.message()));
        UpdateStatus status = d.status().withCertificateRenewal(renewal.status());
        for (NodeAction action : d.actions()) {
            SimulatedNode n = state.nodes.get(action.node());
            if (action instanceof NodeAction.Assign a) {
                n.assignment = a.assignment();
                n.upgrading = true;
            } else if (action instanceof NodeAction.Release) {
                n.assignment = null;
                n.upgrading = false;
                n.upgradeCompleted = true;
            } else if (action instanceof NodeAction.ClearCompleted) {
                n.upgradeCompleted = false;
            }
            moving = true;
        }
        d.events().forEach(e -> LOG.info("sandbox cluster={}: {}", cluster, e.message()));
        if (!status.equals(u.status())) {
            state.update = new StoredUpdate(u.uid(), u.generation(), u.created(), u.spec(), status, u.revision());
            moving = true;
        }
        return moving;
    }

    private static NodeView view(SimulatedNode n, Instant t) {
        return new NodeView(n.name, n.controlPlane ? NodeRole.CONTROL_PLANE : NodeRole.WORKER, n.ready(t), n.unschedulable,
                Optional.of(SimulatedAgent.report(n)), Optional.ofNullable(n.assignment), n.upgrading,
                n.upgradeCompleted, false, n.ready(t) ? n.kubeletVersion : null, null);
    }

    private ClusterNode node(SimulatedNode n, Instant now) {
        boolean ready = n.ready(now);
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("kubernetes.io/hostname", n.name);
        labels.put("nkd.io/pool", n.pool);
        if (n.controlPlane) {
            labels.put(NodeKeys.CONTROL_PLANE_LABEL, "");
        }
        if (n.upgrading) {
            labels.put(NodeKeys.UPGRADING_LABEL, "true");
        }
        if (n.upgradeCompleted) {
            labels.put(NodeKeys.UPGRADE_COMPLETED_LABEL, "true");
        }
        Map<String, String> annotations = new LinkedHashMap<>();
        annotations.put(NodeKeys.REPORT_ANNOTATION, ContractJson.write(SimulatedAgent.report(n)));
        if (n.assignment != null) {
            annotations.put(NodeKeys.ASSIGNMENT_ANNOTATION, ContractJson.write(n.assignment));
        }
        if (n.certificateAssignment != null) {
            annotations.put(NodeKeys.CERTIFICATE_RENEWAL_ANNOTATION, ContractJson.write(n.certificateAssignment));
        }
        if (n.certificateReport != null) {
            annotations.put(NodeKeys.CERTIFICATE_REPORT_ANNOTATION, ContractJson.write(n.certificateReport));
        }
        Instant since = Instant.parse(ready ? n.readyAt : n.notReadySince);
        return new ClusterNode(n.name, ready, ready ? "KubeletReady" : "KubeletNotReady",
                ready ? "kubelet is posting ready status" : n.agentState == AgentState.REBOOTING
                        ? "node is rebooting" : "container runtime network not ready", since, n.unschedulable,
                n.controlPlane, n.kubeletVersion, n.booted == null ? null : n.booted.describe(), labels, annotations);
    }

    private static Update update(StoredUpdate u, String cluster) {
        Update update = new Update();
        ObjectMeta meta = new ObjectMeta();
        meta.setLabels(Map.of(io.nkd.housekeeper.api.Updates.MANAGED_BY_LABEL, io.nkd.housekeeper.api.Updates.MANAGED_BY,
                io.nkd.housekeeper.api.Updates.CLUSTER_LABEL, cluster));
        if (u.revision() != null) {
            meta.setAnnotations(Map.of(io.nkd.housekeeper.api.Updates.REVISION_ANNOTATION, u.revision()));
        }
        meta.setNamespace(UPDATE_NAMESPACE);
        meta.setName(UPDATE_NAME);
        meta.setUid(u.uid());
        meta.setGeneration(u.generation());
        meta.setCreationTimestamp(u.created());
        update.setMetadata(meta);
        update.setSpec(u.spec());
        update.setStatus(u.status());
        return update;
    }

    private boolean apiUp() {
        return provider.booted(cluster).stream().anyMatch(m -> m.controlPlane()
                && (state.nodes.get(m.name()) == null || !state.nodes.get(m.name()).deleted));
    }

    private void requireApi(String object) {
        if (!apiUp()) {
            throw new ClusterApiException(object, "connection refused (simulated: the API server of cluster " + cluster
                    + " is not up yet)");
        }
    }

    private static String secret(String id) {
        return "Secret kube-system/bootstrap-token-" + id;
    }

    private static String key(Addons.ManifestObject o) {
        return o.apiVersion() + " " + o.describe();
    }

    /** "namespace/name" of a PodDisruptionBudget that allows no disruption at all, else null (see {@link Applied}). */
    private static String refusingBudget(Addons.ManifestObject o) {
        if (!"PodDisruptionBudget".equals(o.kind()) || o.apiVersion() == null || !o.apiVersion().startsWith("policy/")) {
            return null;
        }
        JsonNode spec;
        try {
            spec = JSON.readTree(o.json()).path("spec");
        } catch (IOException e) {
            return null;
        }
        JsonNode maxUnavailable = spec.path("maxUnavailable");
        boolean none = maxUnavailable.isInt() && maxUnavailable.asInt() == 0 || "0%".equals(maxUnavailable.asText(null))
                || "100%".equals(spec.path("minAvailable").asText(null));
        return none ? (o.namespace() == null || o.namespace().isEmpty() ? "default" : o.namespace()) + "/" + o.name() : null;
    }

    /** What an API server would refuse in the object, in its words; null when it would accept it. */
    private static String problem(Addons.ManifestObject o) {
        JsonNode json;
        try {
            json = JSON.readTree(o.json());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return "the server could not read the request body: " + e.getOriginalMessage();
        } catch (IOException e) {
            return "the server could not read the request body: " + e.getMessage();
        }
        if (json == null || !json.isObject()) {
            return "the server could not read the request body: not a JSON object";
        }
        if (json.path("apiVersion").asText("").isEmpty()) {
            return "Object 'apiVersion' is missing in the object";
        }
        if (json.path("kind").asText("").isEmpty()) {
            return "Object 'Kind' is missing in the object";
        }
        if (json.path("metadata").path("name").asText("").isEmpty()) {
            return "resource name may not be empty";
        }
        return null;
    }

    private byte[] serialize() {
        try {
            return JSON.writeValueAsBytes(state);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static State deserialize(byte[] json) {
        try {
            return JSON.readValue(json, State.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
