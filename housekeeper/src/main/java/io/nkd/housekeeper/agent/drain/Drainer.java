package io.nkd.housekeeper.agent.drain;

import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.nkd.housekeeper.agent.time.Sleeper;
import io.nkd.housekeeper.api.DisruptionBudgetBlock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.BooleanSupplier;

/**
 * Drains a node the way {@code kubectl drain --ignore-daemonsets --delete-emptydir-data} does, through the Eviction
 * API so that PodDisruptionBudgets are honoured:
 * <ul>
 *   <li>DaemonSet pods stay (their controller would put them back at once, and they tolerate the cordon); mirror
 *   pods (annotation {@code kubernetes.io/config.mirror}) stay (the kubelet runs them from static manifests: they
 *   cannot be evicted through the API);</li>
 *   <li>pods with emptyDir volumes are evicted (their scratch data is lost, as it is on any reschedule);</li>
 *   <li>an eviction answered with 429 (a budget would be violated) is retried with backoff until the timeout; then
 *   the drain fails naming the pods and budgets, or, with {@code force}, deletes those pods without eviction;</li>
 *   <li>while evictions are refused, a {@link DrainObserver} is told which budgets refuse which pods whenever that
 *   changes (not on every retry), so that the refusal shows before the timeout;</li>
 *   <li>it returns when every evicted pod is gone (matched by uid, so a replacement of the same name does not
 *   count).</li>
 * </ul>
 */
public final class Drainer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Drainer.class);
    public static final String MIRROR_ANNOTATION = "kubernetes.io/config.mirror";
    private static final Duration FIRST_BACKOFF = Duration.ofSeconds(1);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(10);
    /** After a forced delete: how long beyond the pods' grace period to wait for them to go. */
    private static final Duration TERMINATION_MARGIN = Duration.ofSeconds(30);

    private final KubernetesClient client;
    private final Evictions evictions;
    private final Clock clock;
    private final Sleeper sleeper;

    public Drainer(KubernetesClient client, Clock clock, Sleeper sleeper) {
        this(client, new Evictions(client), clock, sleeper);
    }

    public Drainer(KubernetesClient client, Evictions evictions, Clock clock, Sleeper sleeper) {
        this.client = Objects.requireNonNull(client, "client");
        this.evictions = Objects.requireNonNull(evictions, "evictions");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
    }

    public Evictions evictions() {
        return evictions;
    }

    /** Closes the eviction client; the main client stays open (it belongs to the caller). */
    @Override
    public void close() {
        evictions.close();
    }

    /**
     * Drains {@code node}. The caller has cordoned it.
     *
     * @param timeout   how long evictions may be retried (PodDisruptionBudgets) and pods may take to go
     * @param force     at the timeout, delete pods that still cannot be evicted instead of failing
     * @param cancelled checked between attempts: true stops the drain (result {@code cancelled})
     * @throws DrainTimeoutException naming the pods and budgets that kept the node from draining
     */
    public DrainResult drain(String node, Duration timeout, boolean force, BooleanSupplier cancelled)
            throws DrainTimeoutException, InterruptedException {
        return drain(node, timeout, force, cancelled, List.of(), DrainObserver.NONE);
    }

    /**
     * Drains {@code node}, telling {@code observer} what refuses evictions whenever that changes.
     *
     * @param resumed  the blocks an earlier agent process reported for this same drain (its report): a budget still
     *                 refusing keeps its {@code since}; empty for a new drain
     * @param observer told after the first pass, then after each pass whose refusals differ from the last ones it was
     *                 told
     */
    public DrainResult drain(String node, Duration timeout, boolean force, BooleanSupplier cancelled,
                             List<DisruptionBudgetBlock> resumed, DrainObserver observer)
            throws DrainTimeoutException, InterruptedException {
        Instant deadline = clock.instant().plus(timeout);
        Refusals refusals = new Refusals(node, resumed);
        List<DisruptionBudgetBlock> told = null; // nothing told yet
        Set<String> refusedBefore = Set.of(); // pods refused (429) in the last pass
        Map<String, String> evictedUids = new LinkedHashMap<>(); // "ns/name" -> uid
        Set<String> skipped = new LinkedHashSet<>();
        Map<String, String> lastError = new LinkedHashMap<>();
        Duration backoff = FIRST_BACKOFF;
        while (true) {
            if (cancelled.getAsBoolean()) {
                LOG.info("node={} drain stopped: the assignment was withdrawn", node);
                return new DrainResult(List.copyOf(evictedUids.keySet()), List.of(), List.copyOf(skipped), true);
            }
            List<Pod> pending = new ArrayList<>();
            List<Pod> refused = new ArrayList<>();
            boolean blocked = false;
            for (Pod pod : podsOn(node)) {
                String key = key(pod);
                String why = skipReason(pod);
                if (why != null) {
                    if (skipped.add(key)) {
                        LOG.info("node={} drain leaves pod {}: {}", node, key, why);
                    }
                    continue;
                }
                pending.add(pod);
                if (pod.getMetadata().getDeletionTimestamp() != null) {
                    continue; // already going: evicted by us or deleted by someone else
                }
                Evictions.Result r;
                try {
                    r = evictions.evict(pod);
                } catch (KubernetesClientException e) {
                    lastError.put(key, "HTTP " + e.getCode() + ": " + e.getMessage());
                    LOG.warn("node={} eviction of pod {} failed, will retry: HTTP {} {}", node, key, e.getCode(),
                            e.getMessage());
                    if (refusedBefore.contains(key)) {
                        refused.add(pod); // an error says nothing new about its budget: still refused, no flapping
                    }
                    blocked = true;
                    continue;
                }
                switch (r) {
                    case EVICTED -> {
                        evictedUids.put(key, pod.getMetadata().getUid());
                        lastError.remove(key);
                        LOG.info("node={} evicted pod {} ({})", node, key, evictions.policyVersion().apiVersion());
                    }
                    case BLOCKED -> {
                        if (!lastError.containsKey(key)) {
                            LOG.info("node={} eviction of pod {} refused (429): a PodDisruptionBudget does not allow "
                                    + "it now; retrying until {}", node, key, deadline);
                        }
                        lastError.put(key, "429");
                        refused.add(pod);
                        blocked = true;
                    }
                    case GONE -> pending.remove(pod);
                }
            }
            if (pending.isEmpty()) {
                LOG.info("node={} drained: {} pods evicted, {} left (DaemonSet or mirror)", node, evictedUids.size(),
                        skipped.size());
                return new DrainResult(List.copyOf(evictedUids.keySet()), List.of(), List.copyOf(skipped), false);
            }
            Instant now = clock.instant();
            if (!now.isBefore(deadline)) {
                return atDeadline(node, timeout, force, pending, lastError, evictedUids, skipped, cancelled);
            }
            refusedBefore = refused.stream().map(Drainer::key).collect(java.util.stream.Collectors.toSet());
            if (Thread.currentThread().isInterrupted()) {
                // the agent is stopping: this pass's failures say nothing about the budgets, tell nobody
                throw new InterruptedException("the drain of node " + node + " was interrupted");
            }
            DrainRefusals refusedNow = refusals.after(refused, deadline, force);
            if (!refusedNow.blocks().equals(told)) {
                try {
                    observer.refusalsChanged(refusedNow);
                    told = refusedNow.blocks();
                } catch (RuntimeException e) {
                    LOG.warn("node={} cannot pass on what refuses the evictions, trying again after the next pass: {}",
                            node, e.toString());
                }
            }
            Duration wait = blocked ? backoff : FIRST_BACKOFF;
            if (blocked) {
                backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
            }
            Duration left = Duration.between(now, deadline);
            sleeper.sleep(wait.compareTo(left) > 0 ? left : wait);
        }
    }

    private DrainResult atDeadline(String node, Duration timeout, boolean force, List<Pod> pending,
                                   Map<String, String> lastError, Map<String, String> evictedUids, Set<String> skipped,
                                   BooleanSupplier cancelled) throws DrainTimeoutException, InterruptedException {
        List<Pod> notEvicted = pending.stream().filter(p -> p.getMetadata().getDeletionTimestamp() == null).toList();
        List<Pod> terminating = pending.stream().filter(p -> p.getMetadata().getDeletionTimestamp() != null).toList();
        if (!notEvicted.isEmpty() && !force) {
            throw new DrainTimeoutException(timeoutMessage(node, timeout, notEvicted, terminating, lastError),
                    notEvicted.stream().map(Drainer::key).toList());
        }
        List<String> deleted = new ArrayList<>();
        for (Pod pod : notEvicted) {
            LOG.warn("node={} drain timeout: deleting pod {} without eviction (evictPodForce); its "
                    + "PodDisruptionBudget is not honoured", node, key(pod));
            client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName()).delete();
            deleted.add(key(pod));
        }
        // pods already on their way out (evicted or deleted) get their grace period and a margin to go
        long grace = pending.stream().map(p -> p.getSpec().getTerminationGracePeriodSeconds())
                .filter(Objects::nonNull).mapToLong(Long::longValue).max().orElse(30);
        Instant end = clock.instant().plus(Duration.ofSeconds(grace)).plus(TERMINATION_MARGIN);
        while (true) {
            List<Pod> left = podsOn(node).stream().filter(p -> skipReason(p) == null).toList();
            if (left.isEmpty()) {
                return new DrainResult(List.copyOf(evictedUids.keySet()), deleted, List.copyOf(skipped), false);
            }
            if (cancelled.getAsBoolean()) {
                return new DrainResult(List.copyOf(evictedUids.keySet()), deleted, List.copyOf(skipped), true);
            }
            if (!clock.instant().isBefore(end)) {
                throw new DrainTimeoutException("node " + node + ": " + left.size() + " pod(s) still terminating "
                        + grace + "s + " + TERMINATION_MARGIN.toSeconds() + "s after the drain timeout of "
                        + timeout.toSeconds() + "s: " + String.join(", ", left.stream().map(Drainer::key).toList())
                        + "; check their finalizers and the kubelet on the node",
                        left.stream().map(Drainer::key).toList());
            }
            sleeper.sleep(FIRST_BACKOFF);
        }
    }

    /** Pods named in a drain timeout's message (as many as a report names budgets); the rest are counted. */
    private static final int NAMED_AT_TIMEOUT = io.nkd.housekeeper.api.DisruptionBudgetBlock.MAX_BUDGETS;

    private String timeoutMessage(String node, Duration timeout, List<Pod> notEvicted, List<Pod> terminating,
                                  Map<String, String> lastError) {
        StringBuilder b = new StringBuilder("node ").append(node).append(": ").append(notEvicted.size())
                .append(" pod(s) could not be evicted within the drain timeout of ").append(timeout.toSeconds())
                .append("s: ");
        List<String> parts = new ArrayList<>();
        // the message goes into the report, the Update's status and nkd's conditions: name a bounded number of pods
        // (and look up the budgets of those only), count the rest
        for (Pod pod : notEvicted.subList(0, Math.min(notEvicted.size(), NAMED_AT_TIMEOUT))) {
            String key = key(pod);
            String err = lastError.get(key);
            if ("429".equals(err)) {
                List<String> budgets;
                try {
                    budgets = evictions.budgetsFor(pod);
                } catch (KubernetesClientException e) {
                    budgets = List.of();
                }
                parts.add(key + " (blocked by " + (budgets.isEmpty() ? "a PodDisruptionBudget"
                        : String.join(", ", budgets)) + ")");
            } else {
                parts.add(key + (err == null ? "" : " (" + err + ")"));
            }
        }
        b.append(String.join("; ", parts));
        if (notEvicted.size() > NAMED_AT_TIMEOUT) {
            b.append("; and ").append(notEvicted.size() - NAMED_AT_TIMEOUT).append(" more");
        }
        if (!terminating.isEmpty()) {
            b.append("; still terminating: ").append(String.join(", ", terminating.stream().limit(NAMED_AT_TIMEOUT)
                    .map(Drainer::key).toList())).append(terminating.size() > NAMED_AT_TIMEOUT
                    ? " and " + (terminating.size() - NAMED_AT_TIMEOUT) + " more" : "");
        }
        b.append(". Let the budget allow a disruption (more replicas, or a lower minAvailable), raise drainTimeout, "
                + "or set evictPodForce on the Update to delete such pods without eviction");
        return b.toString();
    }

    /**
     * One drain's memory of the refusals: the budgets each refused pod falls under (looked up once per pod and drain:
     * a lookup lists the namespace's budgets, which every retry would otherwise repeat) and when each budget was first
     * seen refusing.
     */
    private final class Refusals {
        private final String node;
        /** pod uid → the keys ("namespace/name") of the budgets that select it; empty when none could be read */
        private final Map<String, List<String>> budgetsByPod = new HashMap<>();
        /** budget key ("" for refusals no readable budget explains) → first refusal in this drain */
        private final Map<String, Instant> since = new HashMap<>();

        Refusals(String node, List<DisruptionBudgetBlock> resumed) {
            this.node = node;
            for (DisruptionBudgetBlock b : resumed) {
                if (b.since() == null) {
                    continue;
                }
                try {
                    since.put(b.budget() == null ? "" : b.budget(), Instant.parse(b.since()));
                } catch (DateTimeParseException e) {
                    // an unreadable time in an earlier report (edited by hand): this budget counts from now
                }
            }
        }

        DrainRefusals after(List<Pod> refused, Instant deadline, boolean force) {
            Map<String, TreeSet<String>> podsByBudget = new TreeMap<>(Comparator.comparing((String k) -> k.isEmpty())
                    .thenComparing(Comparator.naturalOrder()));
            for (Pod pod : refused) {
                List<String> budgets = budgetsByPod.computeIfAbsent(pod.getMetadata().getUid(), uid -> lookUp(pod));
                for (String b : budgets.isEmpty() ? List.of("") : budgets) {
                    podsByBudget.computeIfAbsent(b, k -> new TreeSet<>()).add(key(pod));
                }
            }
            Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
            List<DrainRefusals.Refusal> out = new ArrayList<>();
            for (Map.Entry<String, TreeSet<String>> e : podsByBudget.entrySet()) {
                if (out.size() == DisruptionBudgetBlock.MAX_BUDGETS) {
                    break;
                }
                Instant first = since.computeIfAbsent(e.getKey(), k -> now);
                List<String> pods = e.getValue().stream().limit(DisruptionBudgetBlock.MAX_PODS).toList();
                out.add(new DrainRefusals.Refusal(new DisruptionBudgetBlock(e.getKey().isEmpty() ? null : e.getKey(),
                        pods, first.truncatedTo(ChronoUnit.SECONDS).toString()), e.getValue().size()));
            }
            return new DrainRefusals(out, podsByBudget.size() - out.size(), refused.size(), deadline, force);
        }

        private List<String> lookUp(Pod pod) {
            try {
                return evictions.budgets(pod).stream().map(Evictions.Budget::key).sorted().toList();
            } catch (KubernetesClientException e) {
                LOG.warn("node={} cannot list the PodDisruptionBudgets of namespace {} to name the one refusing pod {} "
                                + "(HTTP {}: {}); the agent's ClusterRole needs list on poddisruptionbudgets", node,
                        pod.getMetadata().getNamespace(), key(pod), e.getCode(), e.getMessage());
                return List.of();
            }
        }
    }

    private List<Pod> podsOn(String node) {
        return client.pods().inAnyNamespace().withField("spec.nodeName", node).list().getItems();
    }

    /** Why a pod stays on the node, or null if it must go. */
    static String skipReason(Pod pod) {
        var annotations = pod.getMetadata().getAnnotations();
        if (annotations != null && annotations.containsKey(MIRROR_ANNOTATION)) {
            return "a mirror pod of a static manifest (the kubelet runs it; it cannot be evicted)";
        }
        List<OwnerReference> owners = pod.getMetadata().getOwnerReferences();
        if (owners != null) {
            for (OwnerReference o : owners) {
                if (Boolean.TRUE.equals(o.getController()) && "DaemonSet".equals(o.getKind())) {
                    return "owned by DaemonSet " + o.getName() + " (it runs on every node)";
                }
            }
        }
        return null;
    }

    static String key(Pod pod) {
        return pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
    }
}
