package io.nkd.housekeeper.operator;

import java.util.concurrent.RejectedExecutionException;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.nkd.housekeeper.api.CertificateRenewalStatus;
import io.nkd.housekeeper.api.ContractJson;
import io.nkd.housekeeper.api.NodeKeys;
import io.nkd.housekeeper.api.Update;
import io.nkd.housekeeper.api.UpdateStatus;
import io.nkd.housekeeper.rollout.CertificateRenewals;
import io.nkd.housekeeper.rollout.EtcdHealth;
import io.nkd.housekeeper.rollout.NodeAction;
import io.nkd.housekeeper.rollout.NodeView;
import io.nkd.housekeeper.rollout.RolloutDecision;
import io.nkd.housekeeper.rollout.RolloutEvent;
import io.nkd.housekeeper.rollout.RolloutInput;
import io.nkd.housekeeper.rollout.RolloutPlanner;
import io.nkd.housekeeper.rollout.UpdateQueue;
import io.nkd.housekeeper.rollout.UpdateRef;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Set;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The controller loop: informers on the namespace's Updates and on all Nodes; any event enqueues one coalesced
 * reconcile, run on one thread, which plans every Update from the caches ({@link RolloutPlanner}) and applies the
 * decision: node merge patches first, then the status (optimistic concurrency: a 409 re-reads and re-plans), then the
 * Events. A periodic resync only serves timeouts (a node that stays NotReady); it is never what advances a rollout.
 *
 * <p>Informer caches lag behind the operator's own writes. A reconcile that planned from a cache that does not yet
 * show the assignments it wrote could select nodes twice over the budget, so after patching a node's assignment the
 * loop waits until the cache shows it (an "expectation", as the ReplicaSet controller keeps them) before planning
 * again; an expectation that is not met within {@link #EXPECTATION_TIMEOUT} is dropped with a warning.
 */
public final class UpdateReconciler implements AutoCloseable {
    static final Duration EXPECTATION_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration ERROR_RETRY = Duration.ofSeconds(5);
    private static final int CONFLICT_ATTEMPTS = 3;
    /**
     * How often an Update's status is rewritten while only its counts and node steps change. The status of a large
     * cluster is big (about 150 KB for 1,000 nodes) and every node change would otherwise rewrite it, delaying the next
     * node; a new phase is written at once.
     */
    static final Duration STATUS_INTERVAL = Duration.ofSeconds(1);
    private static final Logger LOG = LoggerFactory.getLogger(UpdateReconciler.class);

    private final KubernetesClient client;
    private final OperatorConfig config;
    private final EtcdHealthCheck etcd;
    private final OperatorMetrics metrics;
    private final Clock clock;
    private final BooleanSupplier leading;
    private final EventRecorder events;
    /** When each Update's status was last written, and the Updates whose newer status waits for the interval. */
    private final Map<String, Instant> statusWrittenAt = new HashMap<>();
    private final Set<String> statusDeferred = new HashSet<>();
    /** NodeViews by node uid, with the resourceVersion they were read from; only the reconcile thread uses it. */
    private final Map<String, ParsedNode> parsed = new HashMap<>();
    private final ScheduledExecutorService loop;
    private final AtomicBoolean queued = new AtomicBoolean();
    /** node → the assignment annotation the cache must show (null: absent); touched on the loop thread only */
    private final Map<String, Expected> expectations = new HashMap<>();
    /** node → the certificate renewal annotation the cache must show, likewise (one renewing node at a time) */
    private final Map<String, Expected> certificateExpectations = new HashMap<>();
    /**
     * uid → the status write the cache may not show yet. While the cache still holds the version that write was
     * based on, the written one is newer: planning from it avoids a certain 409 and a re-read of everything.
     */
    private final Map<String, Written> written = new HashMap<>();
    private volatile boolean closed;
    private volatile SharedIndexInformer<Update> updates;
    private volatile SharedIndexInformer<Node> nodes;

    private record Expected(String assignment, Instant until) {
    }

    /** The Update as this loop last wrote it, and the resourceVersion it was read at before that write. */
    private record Written(String readAt, Update result) {
    }

    /** The reconcile could not write the status: the Update changed since it was read. */
    private static final class Conflict extends RuntimeException {
        Conflict(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The lease was lost between two writes: stop at once. */
    private static final class NotLeading extends RuntimeException {
        NotLeading() {
            super("leadership lost");
        }
    }

    /**
     * @param leading asked before every write: false stops the reconcile at once
     */
    public UpdateReconciler(KubernetesClient client, OperatorConfig config, EtcdHealthCheck etcd,
                            OperatorMetrics metrics, Clock clock, BooleanSupplier leading) {
        this.client = client;
        this.config = config;
        this.etcd = etcd;
        this.metrics = metrics;
        this.clock = clock;
        this.leading = leading;
        this.events = new EventRecorder(client, config.identity(), clock);
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "housekeeper-reconcile");
            t.setDaemon(true);
            return t;
        });
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.loop = executor;
    }

    /**
     * Starts the etcd check, the informers (waiting for their first list) and the resync. A {@link #close()} that
     * comes meanwhile (the Lease lost during the first list) wins: what was started is closed again.
     */
    public void start() {
        if (closed) {
            return;
        }
        LOG.info("reconciling the Updates of namespace {} as {} (resync {}, node-ready timeout {})",
                config.namespace(), config.identity(), config.resync(), config.nodeReadyTimeout());
        etcd.start(this::trigger);
        SharedIndexInformer<Update> u = client.resources(Update.class).inNamespace(config.namespace())
                .inform(enqueue());
        SharedIndexInformer<Node> n = (config.nodeSelector().isEmpty() ? client.nodes()
                : client.nodes().withLabels(config.nodeSelector())).inform(enqueue());
        synchronized (this) {
            if (closed) {
                u.close();
                n.close();
                etcd.close();
                return;
            }
            updates = u;
            nodes = n;
        }
        long resync = config.resync().toMillis();
        loop.scheduleWithFixedDelay(this::trigger, resync, resync, TimeUnit.MILLISECONDS);
        trigger();
    }

    private <T> ResourceEventHandler<T> enqueue() {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(T obj) {
                trigger();
            }

            @Override
            public void onUpdate(T oldObj, T newObj) {
                trigger();
            }

            @Override
            public void onDelete(T obj, boolean deletedFinalStateUnknown) {
                trigger();
            }
        };
    }

    /** Level-triggered: however many events arrive, at most one reconcile waits to run. */
    public void trigger() {
        if (!closed && queued.compareAndSet(false, true)) {
            try {
                loop.execute(this::runQueued);
            } catch (RejectedExecutionException e) {
                queued.set(false); // closing
            }
        }
    }

    private void runQueued() {
        queued.set(false);
        if (closed || !leading.getAsBoolean()) {
            return;
        }
        long start = System.nanoTime();
        boolean ok = true;
        try {
            reconcile();
        } catch (NotLeading e) {
            LOG.warn("leadership lost during a reconcile: stopped before the next write");
        } catch (RuntimeException e) {
            if (closed) {
                return; // interrupted by close(): not a failure
            }
            ok = false;
            LOG.error("reconcile of namespace {} failed: {}; retrying in {}s", config.namespace(), e.getMessage(),
                    ERROR_RETRY.toSeconds(), e);
            later(ERROR_RETRY);
        } finally {
            metrics.reconciled(Duration.ofNanos(System.nanoTime() - start), ok);
        }
    }

    private void later(Duration delay) {
        if (!closed) {
            loop.schedule(this::trigger, delay.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void reconcile() {
        if (updates == null || nodes == null) {
            return; // an informer's first events, during start(); start() triggers once both are synced
        }
        List<Node> nodeList = nodes.getStore().list();
        if (!expectationsMet(nodeList)) {
            later(Duration.ofMillis(500)); // the node's watch event normally comes first and triggers earlier
            return;
        }
        List<Update> updateList = updates.getStore().list().stream().map(this::newest).toList();
        for (int attempt = 1; ; attempt++) {
            try {
                reconcile(updateList, nodeList);
                return;
            } catch (Conflict e) {
                if (attempt == CONFLICT_ATTEMPTS) {
                    LOG.warn("{}; still conflicting after {} attempts, next reconcile re-plans", e.getMessage(),
                            attempt);
                    later(Duration.ofSeconds(1));
                    return;
                }
                LOG.debug("{}; re-reading the Updates and Nodes and re-planning", e.getMessage());
                written.clear();
                updateList = client.resources(Update.class).inNamespace(config.namespace()).list().getItems();
                nodeList = (config.nodeSelector().isEmpty() ? client.nodes()
                        : client.nodes().withLabels(config.nodeSelector())).list().getItems();
            }
        }
    }

    /**
     * The node's view, parsed again only when the Node changed: a rollout over a thousand nodes reconciles many times a
     * second, and reading every node's report and assignment JSON each time was most of a reconcile's work.
     */
    private NodeView view(Node node) {
        String key = node.getMetadata().getUid();
        String version = node.getMetadata().getResourceVersion();
        ParsedNode cached = parsed.get(key);
        if (cached != null && Objects.equals(cached.resourceVersion(), version)) {
            return cached.view();
        }
        NodeView view = NodeView.of(node);
        parsed.put(key, new ParsedNode(version, view));
        return view;
    }

    private record ParsedNode(String resourceVersion, NodeView view) {
    }

    private Update newest(Update cached) {
        Written w = written.get(cached.getMetadata().getUid());
        if (w == null) {
            return cached;
        }
        if (Objects.equals(w.readAt(), cached.getMetadata().getResourceVersion())) {
            return w.result();
        }
        written.remove(cached.getMetadata().getUid()); // the cache shows our write, or something newer
        return cached;
    }

    private void reconcile(List<Update> updateList, List<Node> nodeList) {
        List<Update> live = updateList.stream().filter(u -> u.getMetadata().getDeletionTimestamp() == null).toList();
        List<NodeView> views = nodeList.stream().map(this::view).toList();
        if (parsed.size() > nodeList.size()) {
            parsed.keySet().retainAll(nodeList.stream().map(n -> n.getMetadata().getUid()).collect(Collectors.toSet()));
        }
        Map<String, Node> byName = nodeList.stream()
                .collect(Collectors.toMap(n -> n.getMetadata().getName(), Function.identity(), (a, b) -> a));
        if (live.isEmpty()) {
            releaseOrphans(views, byName);
            for (CertificateRenewals.View v : certificateViews(nodeList, views)) {
                if (v.assignment().map(x -> x.update().startsWith(config.namespace() + "/")).orElse(false)) {
                    LOG.info("node {}: withdrawing the certificate renewal of the deleted Update {}", v.name(),
                            v.assignment().get().update());
                    Map<String, String> annotations = new HashMap<>();
                    annotations.put(NodeKeys.CERTIFICATE_RENEWAL_ANNOTATION, null);
                    patch(new NodePatch(v.name(), Map.of(), annotations, null), clock.instant());
                }
            }
            metrics.rollouts(Map.of());
            return;
        }
        Map<String, Update> byUid = live.stream()
                .collect(Collectors.toMap(u -> u.getMetadata().getUid(), Function.identity(), (a, b) -> a));
        EtcdHealth health = etcd.check();
        Instant now = clock.instant();
        List<UpdateQueue.Turn> turns = UpdateQueue.turns(live.stream().map(UpdateRef::of).toList());
        // the rollouts as they would go without a renewal: whether one holds the control plane (it goes first)
        Map<String, RolloutDecision> planned = new HashMap<>();
        for (UpdateQueue.Turn turn : turns) {
            if (!(turn instanceof UpdateQueue.Turn.Done)) {
                planned.put(turn.update().uid(), planRollout(turn, views, health, now));
            }
        }
        Map<String, CertificateRenewals.Decision> renewals = planRenewals(live, nodeList, views, health,
                planned.values().stream().map(RolloutDecision::status).toList(), now);
        Optional<String> renewing = renewing(renewals, nodeList, views, now);
        EtcdHealth rolloutHealth = renewing
                .map(n -> EtcdHealth.unhealthy("control-plane node " + n + " renews its certificates (its etcd "
                        + "member and API server restart); control-plane nodes wait until it has finished"))
                .orElse(health);
        Map<String, UpdateStatus> statuses = new LinkedHashMap<>();
        for (UpdateQueue.Turn turn : turns) {
            Update update = byUid.get(turn.update().uid());
            CertificateRenewals.Decision renewal = renewals.get(update.getMetadata().getUid());
            if (turn instanceof UpdateQueue.Turn.Done) {
                UpdateStatus done = withRenewal(update.getStatus(), renewal);
                if (!Objects.equals(done, update.getStatus())) {
                    applyRenewal(update, renewal, byName, now);
                    writeStatus(update, done);
                }
                statuses.put(update.key(), done);
                continue;
            }
            RolloutDecision decision = renewing.isPresent() ? planRollout(turn, views, rolloutHealth, now)
                    : planned.get(turn.update().uid());
            decision = new RolloutDecision(decision.update(), decision.actions(),
                    withRenewal(decision.status(), renewal), decision.events());
            apply(update, decision, byName, now);
            applyRenewal(update, renewal, byName, now);
            statuses.put(update.key(), decision.status());
        }
        metrics.rollouts(statuses);
    }

    /**
     * The certificate renewal of each Update (by uid) that asks for one or still holds assignments, planned before the
     * rollouts: a renewing node holds the control plane for them, and a rollout that has control-plane nodes to move
     * holds the renewal (see {@link CertificateRenewals}).
     */
    private Map<String, CertificateRenewals.Decision> planRenewals(List<Update> live, List<Node> nodeList,
                                                                   List<NodeView> views, EtcdHealth health,
                                                                   List<UpdateStatus> rollouts, Instant now) {
        List<CertificateRenewals.View> certViews = certificateViews(nodeList, views);
        Optional<String> holds = CertificateRenewals.rolloutHolds(rollouts);
        Map<String, CertificateRenewals.Decision> out = new HashMap<>();
        for (Update u : live) {
            String request = u.getSpec() == null ? null : u.getSpec().certificateRenewalRequest().orElse(null);
            CertificateRenewalStatus previous = u.getStatus() == null ? null : u.getStatus().certificateRenewal();
            boolean holdsAssignments = certViews.stream().anyMatch(v -> v.assignment()
                    .map(a -> a.update().equals(u.key())).orElse(false));
            if (request == null && previous == null && !holdsAssignments) {
                continue;
            }
            CertificateRenewals.Decision d = CertificateRenewals.plan(u.key(), request, previous, certViews, health,
                    holds, now);
            out.put(u.getMetadata().getUid(), d);
            if (d.renewing().isPresent() && holds.isEmpty()) {
                // a second Update asking for a renewal waits for this one's node
                holds = Optional.of("node " + d.renewing().get() + " renews its certificates for Update " + u.key());
            }
        }
        return out;
    }

    private RolloutDecision planRollout(UpdateQueue.Turn turn, List<NodeView> views, EtcdHealth health, Instant now) {
        Optional<String> waitingFor = turn instanceof UpdateQueue.Turn.Wait w
                ? Optional.of(w.driver()) : Optional.empty();
        return RolloutPlanner.plan(new RolloutInput(turn.update(), views, health, now, config.nodeReadyTimeout(),
                waitingFor));
    }

    private List<CertificateRenewals.View> certificateViews(List<Node> nodeList, List<NodeView> views) {
        List<CertificateRenewals.View> out = new ArrayList<>(nodeList.size());
        for (int i = 0; i < nodeList.size(); i++) {
            if (views.get(i).controlPlane()) {
                out.add(CertificateRenewals.View.of(nodeList.get(i), views.get(i)));
            }
        }
        return out;
    }

    /** The control-plane node that renews now (planned, or an agent still finishing an earlier request). */
    private Optional<String> renewing(Map<String, CertificateRenewals.Decision> renewals, List<Node> nodeList,
                                      List<NodeView> views, Instant now) {
        return renewals.values().stream().map(CertificateRenewals.Decision::renewing).flatMap(Optional::stream)
                .findFirst().or(() -> CertificateRenewals.inProgress(certificateViews(nodeList, views), now));
    }

    private static UpdateStatus withRenewal(UpdateStatus status, CertificateRenewals.Decision renewal) {
        CertificateRenewalStatus part = renewal == null ? null : renewal.status();
        if (status == null) {
            return null;
        }
        return Objects.equals(status.certificateRenewal(), part) ? status : status.withCertificateRenewal(part);
    }

    /** The renewal's node changes: only the certificate-renewal annotation, nothing else of the Node. */
    private void applyRenewal(Update update, CertificateRenewals.Decision renewal, Map<String, Node> byName,
                              Instant now) {
        if (renewal == null) {
            return;
        }
        for (CertificateRenewals.Action action : renewal.actions()) {
            String value;
            if (action instanceof CertificateRenewals.Action.Assign a) {
                value = ContractJson.write(a.assignment());
                LOG.info("Update {}: node {}: certificate renewal {} assigned", update.key(), a.node(),
                        a.assignment().request());
            } else if (action instanceof CertificateRenewals.Action.Withdraw w) {
                value = null;
                LOG.info("Update {}: node {}: certificate renewal assignment removed", update.key(), w.node());
            } else {
                throw new IllegalStateException("unknown certificate renewal action " + action);
            }
            Map<String, String> annotations = new HashMap<>();
            annotations.put(NodeKeys.CERTIFICATE_RENEWAL_ANNOTATION, value);
            if (patch(new NodePatch(action.node(), Map.of(), annotations, null), now)) {
                certificateExpectations.put(action.node(), new Expected(value, now.plus(EXPECTATION_TIMEOUT)));
            }
        }
        renewal.events().forEach(e -> post(update, e, byName));
    }

    private void apply(Update update, RolloutDecision decision, Map<String, Node> byName, Instant now) {
        Map<String, List<NodeAction>> perNode = new LinkedHashMap<>();
        for (NodeAction action : decision.actions()) {
            perNode.computeIfAbsent(action.node(), k -> new ArrayList<>()).add(action);
        }
        for (Map.Entry<String, List<NodeAction>> e : perNode.entrySet()) {
            for (NodeAction action : e.getValue()) {
                LOG.info("Update {}: node {}: {}", update.key(), e.getKey(), describe(action));
            }
            patch(NodePatch.of(e.getKey(), e.getValue()), now);
        }
        for (RolloutEvent event : decision.events()) {
            if (followsNodeChange(event)) {
                post(update, event, byName);
            }
        }
        String uid = update.getMetadata().getUid();
        if (!decision.statusChanged()) {
            statusDeferred.remove(uid);
        } else {
            Instant last = statusWrittenAt.get(uid);
            boolean newPhase = update.getStatus() == null || update.getStatus().phase() != decision.status().phase();
            // a new blocking budget is written at once, with its Event: the next plan sees it told and posts no other
            boolean newBlock = decision.events().stream()
                    .anyMatch(e -> e.reason() == RolloutEvent.Reason.DRAIN_BLOCKED);
            if (newPhase || newBlock || last == null || !now.isBefore(last.plus(STATUS_INTERVAL))) {
                writeStatus(update, decision.status());
                statusWrittenAt.put(uid, now);
                statusDeferred.remove(uid);
            } else if (statusDeferred.add(uid)) {
                later(Duration.between(now, last.plus(STATUS_INTERVAL))); // re-planned then: the newest status wins
            }
        }
        for (RolloutEvent event : decision.events()) {
            if (!followsNodeChange(event)) {
                post(update, event, byName);
            }
        }
    }

    private static boolean followsNodeChange(RolloutEvent event) {
        return switch (event.reason()) {
            case NODE_SELECTED, NODE_RETRIED, NODE_RETARGETED, NODE_UPDATED -> true;
            default -> false;
        };
    }

    private void post(Update update, RolloutEvent event, Map<String, Node> byName) {
        if (event.warning()) {
            LOG.warn("Update {}: {}: {}", update.key(), event.reason().wire(), event.message());
        } else {
            LOG.info("Update {}: {}: {}", update.key(), event.reason().wire(), event.message());
        }
        events.post(update, event);
        Node node = event.node() == null ? null : byName.get(event.node());
        if (node != null) {
            events.post(node, event);
        }
    }

    /** @return whether the node was patched (false: it is gone) */
    private boolean patch(NodePatch patch, Instant now) {
        if (!leading.getAsBoolean() || closed) {
            throw new NotLeading();
        }
        try {
            // resource(stub), not withName(name): fabric8 7.5.2's by-name patch reads the whole Node first, one
            // request more per patch for nothing (a merge patch needs no resourceVersion)
            client.nodes().resource(new NodeBuilder().withNewMetadata().withName(patch.node()).endMetadata().build())
                    .patch(PatchContext.of(PatchType.JSON_MERGE), patch.json());
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404) {
                LOG.warn("node {} is gone; the next reconcile plans without it", patch.node());
                return false;
            }
            throw new KubernetesClientException("cannot patch node " + patch.node() + " (HTTP " + e.getCode() + ": "
                    + e.getMessage() + ")" + (e.getCode() == 403 ? "; the operator's ClusterRole needs patch on nodes"
                    : ""), e);
        }
        if (patch.touchesAssignment()) {
            expectations.put(patch.node(), new Expected(patch.assignment(), now.plus(EXPECTATION_TIMEOUT)));
        }
        return true;
    }

    private void writeStatus(Update update, UpdateStatus status) {
        if (!leading.getAsBoolean() || closed) {
            throw new NotLeading();
        }
        Update copy = new Update();
        copy.setMetadata(new ObjectMetaBuilder().withName(update.getMetadata().getName())
                .withNamespace(update.getMetadata().getNamespace())
                .withResourceVersion(update.getMetadata().getResourceVersion()).build());
        copy.setSpec(update.getSpec());
        copy.setStatus(status);
        try {
            Update result = client.resources(Update.class).inNamespace(update.getMetadata().getNamespace())
                    .resource(copy).updateStatus();
            written.put(update.getMetadata().getUid(), new Written(update.getMetadata().getResourceVersion(), result));
        } catch (KubernetesClientException e) {
            if (e.getCode() == 409) {
                throw new Conflict("Update " + update.key() + " changed since it was read (HTTP 409)", e);
            }
            if (e.getCode() == 404) {
                LOG.info("Update {} is gone; its status is not written", update.key());
                return;
            }
            throw new KubernetesClientException("cannot write the status of Update " + update.key() + " (HTTP "
                    + e.getCode() + ": " + e.getMessage() + ")" + (e.getCode() == 403
                    ? "; the operator's Role needs update on updates/status" : ""), e);
        }
        LOG.info("Update {}: phase {}: {} updated, {} updating, {} pending, {} failed", update.key(), status.phase(),
                status.updated(), status.updating(), status.pending(), status.failed());
    }

    /** No Update left in the namespace: assignments it made are withdrawn, so agents stop and uncordon. */
    private void releaseOrphans(List<NodeView> views, Map<String, Node> byName) {
        Instant now = clock.instant();
        for (NodeView v : views) {
            boolean ours = v.assignment().map(a -> a.update().startsWith(config.namespace() + "/")).orElse(false);
            if (ours) {
                LOG.info("node {}: withdrawing assignment {} of the deleted Update {}", v.name(),
                        v.assignment().get().id(), v.assignment().get().update());
                patch(NodePatch.of(v.name(), List.of(new NodeAction.Release(v.name()))), now);
            }
        }
    }

    private boolean expectationsMet(List<Node> nodeList) {
        boolean certificates = met(certificateExpectations, NodeKeys.CERTIFICATE_RENEWAL_ANNOTATION, nodeList);
        return met(expectations, NodeKeys.ASSIGNMENT_ANNOTATION, nodeList) && certificates;
    }

    private boolean met(Map<String, Expected> expectations, String annotation, List<Node> nodeList) {
        if (expectations.isEmpty()) {
            return true;
        }
        Map<String, Node> byName = new HashMap<>();
        nodeList.forEach(n -> byName.put(n.getMetadata().getName(), n));
        Instant now = clock.instant();
        boolean met = true;
        for (Iterator<Map.Entry<String, Expected>> it = expectations.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Expected> e = it.next();
            Node node = byName.get(e.getKey());
            if (node == null) {
                it.remove();
                continue;
            }
            Map<String, String> annotations = node.getMetadata().getAnnotations();
            String seen = annotations == null ? null : annotations.get(annotation);
            if (Objects.equals(seen, e.getValue().assignment())) {
                it.remove();
            } else if (now.isAfter(e.getValue().until())) {
                LOG.warn("node {}: the watch has not shown the operator's own assignment change for {}s; planning "
                        + "without waiting longer", e.getKey(), EXPECTATION_TIMEOUT.toSeconds());
                it.remove();
            } else {
                met = false;
            }
        }
        return met;
    }

    private static String describe(NodeAction action) {
        if (action instanceof NodeAction.Assign a) {
            var x = a.assignment();
            return switch (a.cause()) {
                case SELECTED -> "selected";
                case RETRY -> "retry";
                case RETARGET -> "retarget";
            } + ": assignment " + x.id() + " (osImageURL " + (x.osImageURL() == null ? "unchanged" : x.osImageURL())
                    + ", kubeVersion " + (x.kubeVersion() == null ? "unchanged" : x.kubeVersion()) + ", kubeadm "
                    + x.kubeadmUpgrade() + ")";
        }
        if (action instanceof NodeAction.Release) {
            return "released: verified at the target (upgrading label and assignment removed)";
        }
        if (action instanceof NodeAction.ClearCompleted) {
            return "rollout complete: upgradeCompleted label removed";
        }
        if (action instanceof NodeAction.ClearRetry) {
            return "retry annotation removed: nothing failed to retry";
        }
        throw new IllegalStateException("unknown node action " + action);
    }

    @Override
    public void close() {
        SharedIndexInformer<Update> u;
        SharedIndexInformer<Node> n;
        synchronized (this) {
            closed = true;
            u = updates;
            n = nodes;
        }
        loop.shutdownNow();
        if (u != null) {
            u.close();
        }
        if (n != null) {
            n.close();
        }
        etcd.close();
        events.close();
        try {
            loop.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
