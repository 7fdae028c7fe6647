package io.nkd.cluster.kube;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.nkd.cluster.ClusterApiException;
import io.nkd.cluster.EtcdMembers;
import io.nkd.cluster.NodeRemovals;
import io.nkd.housekeeper.agent.drain.Evictions;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link NodeRemovals} on a real API server, through fabric8, one bounded step per call, as {@code kubectl drain} does
 * it: cordon (a merge patch of {@code spec.unschedulable}); evict the node's pods through the Eviction API in the
 * {@code policy} version the server serves ({@code policy/v1}, or {@code policy/v1beta1} on 1.20: the Housekeeper
 * agent's {@link Evictions}, which also turns off fabric8's own retry of 429 answers so a refusal returns at once),
 * leaving DaemonSet pods (their controller would put them back) and mirror pods (the kubelet's static pods, which the
 * API cannot delete); a PodDisruptionBudget's refusal is reported as "blocked by PodDisruptionBudget NS/NAME"; past the
 * drain timeout the pods left are deleted when the policy forces it, else the removal is Blocked; once no pod is left,
 * a control-plane node's etcd member is removed and the Node is deleted.
 */
public final class KubeNodeRemovals implements NodeRemovals {
    private static final Logger LOG = LoggerFactory.getLogger(KubeNodeRemovals.class);
    static final String MIRROR_ANNOTATION = "kubernetes.io/config.mirror";

    private final KubernetesClient client;
    private final Clock clock;
    private final EtcdMembers etcd;

    public KubeNodeRemovals(KubernetesClient client) {
        this(client, Clock.systemUTC(), null);
    }

    /** @param etcd the cluster's etcd members, for control-plane nodes; null when nkd cannot reach them */
    public KubeNodeRemovals(KubernetesClient client, Clock clock, EtcdMembers etcd) {
        this.client = client;
        this.clock = clock;
        this.etcd = etcd;
    }

    @Override
    public Progress remove(String node, boolean controlPlane, Policy policy) {
        Node n = call("Node " + node, "read", () -> client.nodes().withName(node).get());
        if (n == null) {
            return new Progress.Done();
        }
        Map<String, String> labels = n.getMetadata().getLabels() == null ? Map.of() : n.getMetadata().getLabels();
        boolean cp = controlPlane || labels.containsKey("node-role.kubernetes.io/control-plane")
                || labels.containsKey("node-role.kubernetes.io/master");
        if (n.getSpec() == null || !Boolean.TRUE.equals(n.getSpec().getUnschedulable())) {
            call("Node " + node, "cordon", () -> client.nodes().withName(node)
                    .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"unschedulable\":true}}"));
            LOG.info("node={}: cordoned", node);
        }
        Instant now = clock.instant();
        boolean pastTimeout = policy.drainStarted() != null && !now.isBefore(policy.drainStarted().plus(policy.drainTimeout()));
        List<Pod> pods = call("Pods on node " + node, "list", () -> client.pods().inAnyNamespace()
                .withField("spec.nodeName", node).list().getItems()).stream().filter(KubeNodeRemovals::mustLeave).toList();
        List<String> blocked = new ArrayList<>();
        List<String> left = new ArrayList<>();
        try (Evictions evictions = new Evictions(client)) {
            for (Pod p : pods) {
                String name = p.getMetadata().getNamespace() + "/" + p.getMetadata().getName();
                if (p.getMetadata().getDeletionTimestamp() != null) {
                    Instant due = Instant.parse(p.getMetadata().getDeletionTimestamp());
                    if (pastTimeout && policy.evictPodForce() && !now.isBefore(due)) {
                        // its kubelet did not finish it in its grace period (a node whose kubelet is gone): forced
                        deletePod(p, 0L);
                        LOG.warn("node={}: pod {} was still terminating after its grace period; deleted at once "
                                + "(spec.upgrade.evictPodForce)", node, name);
                    } else {
                        left.add(name + " (terminating)");
                    }
                    continue;
                }
                if (pastTimeout && policy.evictPodForce()) {
                    deletePod(p, null);
                    LOG.warn("node={}: pod {} deleted without eviction: the drain timeout {} passed and spec.upgrade.evictPodForce "
                            + "is true", node, name, policy.drainTimeout());
                    left.add(name + " (terminating)");
                    continue;
                }
                Evictions.Result r;
                try {
                    r = evictions.evict(p);
                } catch (KubernetesClientException e) {
                    throw new ClusterApiException("Pod " + name, "cannot evict it from node " + node + ": "
                            + KubeJoinTokens.reason(e), e);
                }
                switch (r) {
                    case EVICTED -> left.add(name + " (evicted, terminating)");
                    case GONE -> { }
                    case BLOCKED -> {
                        List<String> budgets = evictions.budgetsFor(p);
                        blocked.add(name + " blocked by " + (budgets.isEmpty() ? "a PodDisruptionBudget" : String.join(", ", budgets)));
                    }
                }
            }
        }
        if (!blocked.isEmpty() || !left.isEmpty()) {
            List<String> all = new ArrayList<>(blocked);
            all.addAll(left);
            String what = (blocked.size() + left.size()) + " pod(s) left: " + String.join("; ", all);
            if (pastTimeout && !policy.evictPodForce()) {
                return new Progress.Blocked("the drain timeout " + policy.drainTimeout() + " has passed (started "
                        + policy.drainStarted() + ") and " + what + "; fix what blocks the evictions (scale the workload, "
                        + "relax the budget) or set spec.upgrade.evictPodForce: true to delete the pods left");
            }
            return new Progress.InProgress(what);
        }
        EtcdMembers members = etcd != null ? etcd : policy.etcd();
        if (cp && members != null) {
            EtcdMembers.Removal removal = members.remove(node, etcdEndpoints(node));
            if (removal instanceof EtcdMembers.Removal.Refused refused) {
                return new Progress.Blocked("etcd member " + node + " is not removed: " + refused.why());
            }
            LOG.info("node={}: etcd member {}", node, removal);
        } else if (cp) {
            LOG.warn("node={}: a control-plane node, but nkd cannot reach the cluster's etcd: its member stays; remove it with "
                    + "`etcdctl member remove` on another control-plane node", node);
        }
        call("Node " + node, "delete", () -> client.nodes().withName(node).delete());
        LOG.info("node={}: drained and deleted from Kubernetes", node);
        return new Progress.Done();
    }

    @Override
    public Progress removeLeftover(String node, boolean controlPlane, Instant machineDeleted, Policy policy) {
        Node n = call("Node " + node, "read", () -> client.nodes().withName(node).get());
        if (n != null) {
            Instant created = n.getMetadata().getCreationTimestamp() == null ? null
                    : Instant.parse(n.getMetadata().getCreationTimestamp());
            if (created == null || !created.isBefore(machineDeleted)) {
                return new Progress.Reused("Node " + node + " was registered at " + created + ", after its old machine was "
                        + "deleted at " + machineDeleted + ": it is another machine's");
            }
            Instant alive = lastSignOfLife(n);
            if (alive != null && alive.isAfter(machineDeleted)) {
                return new Progress.Reused("the kubelet of Node " + node + " reported at " + alive + ", after the machine of "
                        + "that name was deleted at " + machineDeleted + ": a kubelet runs under this name again");
            }
        }
        Map<String, String> labels = n == null || n.getMetadata().getLabels() == null ? Map.of() : n.getMetadata().getLabels();
        boolean cp = controlPlane || labels.containsKey("node-role.kubernetes.io/control-plane")
                || labels.containsKey("node-role.kubernetes.io/master");
        EtcdMembers members = etcd != null ? etcd : policy.etcd();
        if (cp && members != null) {
            // the member is the old machine's: no machine carries the name now (the caller checks), and a member
            // that never answers again counts against the quorum of every later change
            EtcdMembers.Removal removal = members.remove(node, etcdEndpoints(node));
            if (removal instanceof EtcdMembers.Removal.Refused refused) {
                return new Progress.Blocked("etcd member " + node + " is not removed: " + refused.why());
            }
            LOG.info("node={}: etcd member of the machine deleted without draining: {}", node, removal);
        } else if (cp) {
            return new Progress.Blocked("nkd cannot reach the cluster's etcd, so the member " + node + " of the deleted "
                    + "machine stays: remove it with `etcdctl member remove` on another control-plane node");
        }
        if (n != null) {
            call("Node " + node, "delete", () -> client.nodes().withName(node).delete());
            LOG.info("node={}: Node of the machine deleted without draining removed from Kubernetes", node);
        }
        return new Progress.Done();
    }

    /**
     * When a kubelet last reported for the node: its Lease's renewal ({@code kube-node-lease/NODE}, every 10 s while the
     * kubelet runs) or its Ready condition's heartbeat, whichever is later; null when neither says.
     */
    private Instant lastSignOfLife(Node n) {
        String name = n.getMetadata().getName();
        Instant heartbeat = n.getStatus() == null || n.getStatus().getConditions() == null ? null : n.getStatus().getConditions()
                .stream().filter(c -> "Ready".equals(c.getType()) && c.getLastHeartbeatTime() != null)
                .map(c -> Instant.parse(c.getLastHeartbeatTime())).findFirst().orElse(null);
        Lease lease = call("Lease kube-node-lease/" + name, "read",
                () -> client.resources(Lease.class).inNamespace("kube-node-lease").withName(name).get());
        Instant renewed = lease == null || lease.getSpec() == null || lease.getSpec().getRenewTime() == null ? null
                : lease.getSpec().getRenewTime().toInstant();
        return heartbeat == null ? renewed : renewed == null || heartbeat.isAfter(renewed) ? heartbeat : renewed;
    }

    /** The etcd client URLs of the other control-plane nodes (kubeadm's stacked etcd listens on the InternalIP, port 2379). */
    private List<String> etcdEndpoints(String leaving) {
        List<String> out = new ArrayList<>();
        for (Node n : call("Nodes", "list", () -> client.nodes().list().getItems())) {
            Map<String, String> l = n.getMetadata().getLabels() == null ? Map.of() : n.getMetadata().getLabels();
            if (n.getMetadata().getName().equals(leaving) || !(l.containsKey("node-role.kubernetes.io/control-plane")
                    || l.containsKey("node-role.kubernetes.io/master")) || n.getStatus() == null || n.getStatus().getAddresses() == null) {
                continue;
            }
            n.getStatus().getAddresses().stream().filter(a -> "InternalIP".equals(a.getType())).findFirst()
                    .ifPresent(a -> out.add("https://" + (a.getAddress().contains(":") ? "[" + a.getAddress() + "]" : a.getAddress()) + ":2379"));
        }
        return out;
    }

    /** Pods a drain moves: not DaemonSet pods, not mirror pods, not pods that already finished. */
    static boolean mustLeave(Pod p) {
        Map<String, String> annotations = p.getMetadata().getAnnotations();
        if (annotations != null && annotations.containsKey(MIRROR_ANNOTATION)) {
            return false;
        }
        List<OwnerReference> owners = p.getMetadata().getOwnerReferences();
        if (owners != null && owners.stream().anyMatch(o -> "DaemonSet".equals(o.getKind()) && Boolean.TRUE.equals(o.getController()))) {
            return false;
        }
        String phase = p.getStatus() == null ? null : p.getStatus().getPhase();
        return !"Succeeded".equals(phase) && !"Failed".equals(phase);
    }

    private void deletePod(Pod p, Long gracePeriodSeconds) {
        String name = p.getMetadata().getNamespace() + "/" + p.getMetadata().getName();
        call("Pod " + name, "delete", () -> {
            var r = client.pods().inNamespace(p.getMetadata().getNamespace()).withName(p.getMetadata().getName());
            return gracePeriodSeconds == null ? r.delete() : r.withGracePeriod(gracePeriodSeconds).delete();
        });
    }

    private static <T> T call(String object, String verb, java.util.function.Supplier<T> call) {
        try {
            return call.get();
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404 && !"read".equals(verb) && !"list".equals(verb)) {
                return null; // gone meanwhile: what the call wanted
            }
            throw new ClusterApiException(object, "cannot " + verb + " it: " + KubeJoinTokens.reason(e), e);
        }
    }
}
