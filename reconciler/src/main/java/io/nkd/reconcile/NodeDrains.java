package io.nkd.reconcile;

import io.micrometer.core.instrument.Counter;
import io.nkd.cluster.ClusterApiException;
import io.nkd.cluster.NodeRemovals;
import io.nkd.config.UpgradePolicy;
import io.nkd.state.Recovery;
import io.nkd.state.Sensitivity;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes a node out of Kubernetes before ReconcileMachines deletes its machine (a node Git no longer asks for, a pruned
 * orphan, the old machine of a replacement): cordon, drain through the Eviction API, delete the Node (and, for a
 * control-plane node, its etcd member), one bounded call per reconcile ({@link NodeRemovals}). The machine is deleted
 * only once that is done; meanwhile it waits, the status says "draining NODE: …" with what is left or what blocks, and
 * the reconcile comes back within seconds. When each node's drain started is kept in the cluster's state
 * ({@value #STATE_FILE}), so spec.upgrade.drainTimeout counts from the first attempt across reconciles and restarts.
 *
 * <p>When the cluster's API does not answer, nothing can be drained: nkd waits {@link #API_DOWN_GRACE} (an API server
 * restarting, a network blip) and then deletes the machine without draining, saying so in the log and the status.
 * A cluster whose control plane is gone must still be scalable down, and its pods are not running anywhere nkd could
 * reach anyway. When this nkd has no way to reach the cluster's API at all (no connector for its infrastructure), the
 * machine is deleted at once, without draining, as the plan says.
 */
final class NodeDrains {
    private static final Logger LOG = LoggerFactory.getLogger(NodeDrains.class);
    static final String STATE_FILE = "cluster/drains.json";
    /** How long nkd waits for an unreachable API before it deletes a machine without draining its node. */
    static final Duration API_DOWN_GRACE = Duration.ofMinutes(10);

    /** One node's drain: when it started, and since when the API has not answered (null while it answers). */
    record Drain(Instant started, Instant apiDownSince) {
    }

    /** The stored drains, by node. */
    record Drains(Map<String, Drain> nodes) {
        Drains {
            nodes = nodes == null ? Map.of() : Map.copyOf(nodes);
        }
    }

    /** Where nkd remembers what machines deleted without a drain left in Kubernetes, until it is removed. */
    static final String LEFTOVERS_FILE = "cluster/undrained.json";

    /**
     * A machine deleted without draining its node: when, and whether its node was a control-plane node (an etcd member
     * is left too).
     */
    record Leftover(Instant machineDeleted, boolean controlPlane) {
    }

    /** The stored leftovers, by node name. */
    record Leftovers(Map<String, Leftover> nodes) {
        Leftovers {
            nodes = nodes == null ? Map.of() : Map.copyOf(nodes);
        }
    }

    private NodeDrains() {
    }

    /**
     * Whether the machine of {@code node} may be deleted now. Fills scope.draining / drainBlocked / undrained.
     *
     * @param controlPlane whether the node is a control-plane node (its etcd member goes too)
     */
    static boolean readyToDelete(Scope s, String node, boolean controlPlane) {
        if (s.workload == null) {
            s.undrained.add(node);
            count(s, "not_reachable");
            return true;
        }
        Instant now = s.calls.clock().instant();
        Map<String, Drain> all = new TreeMap<>(read(s).nodes());
        Drain drain = all.getOrDefault(node, new Drain(now, null));
        // whether the API answered: as ObserveCluster saw it last, and as the removal call itself finds it
        io.nkd.status.KubernetesStatus seen = s.previous.kubernetes();
        String down = seen == null ? "the cluster's API has not answered nkd yet" : seen.apiReady() ? null : seen.apiMessage();
        NodeRemovals.Progress progress = null;
        if (down == null) {
            UpgradePolicy policy = s.loaded.spec().upgrade();
            try {
                progress = s.workload.nodeRemovals().remove(node, controlPlane,
                        new NodeRemovals.Policy(policy.drainTimeout(), policy.evictPodForce(), drain.started(),
                                controlPlane ? etcd(s) : null));
            } catch (ClusterApiException e) {
                down = e.getMessage();
            }
        }
        if (down != null && neverJoined(s, node)) {
            // no Node to drain as far as nkd ever saw (a machine that never got as far as kubeadm join, a cluster whose
            // API never came up): like Cluster API without a nodeRef, the machine goes at once, not after the grace time
            LOG.info("cluster={} commit={} node={}: never seen in Kubernetes, nothing to drain ({}); deleting the machine",
                    s.cluster, Steps.shortId(s.revision), node, down);
            if (all.remove(node) != null) {
                write(s, all);
            }
            count(s, "never_joined");
            return true;
        }
        if (down != null) {
            Instant since = drain.apiDownSince() == null ? now : drain.apiDownSince();
            Instant giveUp = since.plus(API_DOWN_GRACE);
            if (!now.isBefore(giveUp)) {
                LOG.warn("cluster={} commit={} node={}: the cluster's API has not answered since {} ({}); deleting the machine "
                        + "WITHOUT draining the node; its Node{} removed once the API answers again", s.cluster,
                        Steps.shortId(s.revision), node, since, down, controlPlane ? " and etcd member are" : " is");
                all.remove(node);
                write(s, all);
                s.undrained.add(node);
                count(s, "api_down");
                // its Node (and etcd member) stay in the cluster: removed once the API answers (removeLeftovers)
                Map<String, Leftover> left = new TreeMap<>(readLeftovers(s).nodes());
                left.put(node, new Leftover(now, controlPlane));
                writeLeftovers(s, left);
                return true;
            }
            all.put(node, new Drain(drain.started(), since));
            write(s, all);
            s.draining.put(node, "waiting for the cluster's API to drain it (" + down + "); without an answer by "
                    + giveUp + " the machine is deleted without draining");
            return false;
        }
        if (progress instanceof NodeRemovals.Progress.Done) {
            if (all.remove(node) != null) {
                write(s, all);
            }
            LOG.info("cluster={} commit={} node={}: drained and removed from Kubernetes (drain started {})", s.cluster,
                    Steps.shortId(s.revision), node, drain.started());
            count(s, "drained");
            return true;
        }
        if (!drain.equals(all.get(node)) || drain.apiDownSince() != null) {
            all.put(node, new Drain(drain.started(), null));
            write(s, all);
        }
        if (progress instanceof NodeRemovals.Progress.InProgress p) {
            s.draining.put(node, p.what());
            LOG.info("cluster={} commit={} node={}: draining since {}: {}", s.cluster, Steps.shortId(s.revision), node,
                    drain.started(), p.what());
        } else if (progress instanceof NodeRemovals.Progress.Blocked b) {
            s.drainBlocked.put(node, b.why());
            LOG.warn("cluster={} commit={} node={}: drain blocked: {}", s.cluster, Steps.shortId(s.revision), node, b.why());
        } else {
            throw new IllegalStateException("unknown drain progress " + progress);
        }
        return false;
    }

    /**
     * Whether nkd's last status shows the node and never saw it in Kubernetes (no Node facts, never joined). A node the
     * status does not list (an orphan of a removed pool) is not known to be unjoined: it waits for the API like any.
     */
    private static boolean neverJoined(Scope s, String node) {
        return s.previous.nodes().stream().filter(n -> n.name().equals(node)).findFirst()
                .map(n -> n.kubernetes() == null && n.phase() != io.nkd.status.MachinePhase.JOINED
                        && n.phase() != io.nkd.status.MachinePhase.READY && n.phase() != io.nkd.status.MachinePhase.NOT_READY)
                .orElse(false);
    }

    /**
     * The cluster's etcd members, reached with a client certificate nkd issues itself from the cluster's etcd CA (valid
     * one hour, kept in memory only); null when the PKI holds no etcd CA (an external etcd).
     */
    private static io.nkd.cluster.EtcdMembers etcd(Scope s) {
        var files = s.secrets == null ? null : s.secrets.controlPlaneFiles();
        if (files == null || !files.containsKey("pki/etcd/ca.crt") || !files.containsKey("pki/etcd/ca.key")) {
            return null;
        }
        io.nkd.pki.CertKeyPair ca = new io.nkd.pki.CertKeyPair(io.nkd.pki.Pem.decodeCertificate(files.get("pki/etcd/ca.crt").contents()),
                io.nkd.pki.Pem.decodePrivateKey(files.get("pki/etcd/ca.key").contents()));
        io.nkd.pki.CertKeyPair client = new io.nkd.pki.PkiGenerator(new java.security.SecureRandom(), s.calls.clock()).issue(ca,
                io.nkd.pki.LeafProfile.client("nkd-etcd-client", java.util.List.of()), io.nkd.config.KeyAlgorithm.ECDSA_P256,
                Duration.ofHours(1));
        return new io.nkd.cluster.etcd.EtcdGateway(ca.certificate(), client);
    }

    /**
     * Removes what machines deleted without a drain left in Kubernetes (their Node objects, and a control-plane node's
     * etcd member), one call per node and pass, once the cluster's API answers again. A name a machine carries again
     * (the pool grew back, a replacement) is never cleaned up: whatever is under the name now may be that machine's,
     * whose kubelet takes over a NotReady Node of its name. Until done, each node is in scope.leftovers for the status.
     *
     * @param machines the names of the machines that exist now
     */
    static void removeLeftovers(Scope s, java.util.Set<String> machines) {
        Map<String, Leftover> all = new TreeMap<>(readLeftovers(s).nodes());
        if (all.isEmpty()) {
            return;
        }
        boolean changed = false;
        io.nkd.status.KubernetesStatus seen = s.previous.kubernetes();
        for (Map.Entry<String, Leftover> e : new TreeMap<>(all).entrySet()) {
            String node = e.getKey();
            Leftover l = e.getValue();
            String what = "Node" + (l.controlPlane() ? " and etcd member" : "") + " of the machine deleted without draining at "
                    + l.machineDeleted();
            if (machines.contains(node)) {
                LOG.warn("cluster={} commit={} node={}: a new machine carries the name of the one deleted without draining at {}: "
                                + "its leftovers are not removed, the new machine's kubelet takes over the Node{}", s.cluster,
                        Steps.shortId(s.revision), node, l.machineDeleted(), l.controlPlane() ? "; check `etcdctl member list` "
                                + "on a control-plane node for a member of the old machine and remove it by its ID" : "");
                all.remove(node);
                changed = true;
                count(s, "leftover_reused");
                continue;
            }
            if (s.workload == null || seen == null || !seen.apiReady()) {
                s.leftovers.put(node, what + ": removed once the cluster's API answers"
                        + (seen == null || seen.apiMessage() == null ? "" : " (" + seen.apiMessage() + ")"));
                continue;
            }
            NodeRemovals.Progress p;
            try {
                UpgradePolicy policy = s.loaded.spec().upgrade();
                p = s.workload.nodeRemovals().removeLeftover(node, l.controlPlane(), l.machineDeleted(),
                        new NodeRemovals.Policy(policy.drainTimeout(), policy.evictPodForce(), null, l.controlPlane() ? etcd(s) : null));
            } catch (ClusterApiException ex) {
                s.leftovers.put(node, what + ": not removed yet: " + ex.getMessage());
                continue;
            }
            if (p instanceof NodeRemovals.Progress.Done) {
                LOG.info("cluster={} commit={} node={}: removed the {}", s.cluster, Steps.shortId(s.revision), node, what);
                all.remove(node);
                changed = true;
                count(s, "leftover_removed");
            } else if (p instanceof NodeRemovals.Progress.Reused r) {
                LOG.warn("cluster={} commit={} node={}: leftovers of the machine deleted without draining at {} not removed: {}",
                        s.cluster, Steps.shortId(s.revision), node, l.machineDeleted(), r.why());
                all.remove(node);
                changed = true;
                count(s, "leftover_reused");
            } else if (p instanceof NodeRemovals.Progress.Blocked b) {
                s.leftovers.put(node, what + ": not removed: " + b.why());
                // once per cause, not on every pass: the status keeps saying it
                var before = s.previous.condition("MachinesReady");
                if (before == null || before.message() == null || !before.message().contains(b.why())) {
                    LOG.warn("cluster={} commit={} node={}: {} not removed: {}", s.cluster, Steps.shortId(s.revision), node, what, b.why());
                }
            } else if (p instanceof NodeRemovals.Progress.InProgress ip) {
                s.leftovers.put(node, what + ": " + ip.what());
            } else {
                throw new IllegalStateException("unknown removal progress " + p);
            }
        }
        if (changed) {
            writeLeftovers(s, all);
        }
    }

    private static Leftovers readLeftovers(Scope s) {
        // not regenerated: deleting it makes nkd forget what to remove (docs/clusters.md says what to do by hand then)
        return s.state.readJson(LEFTOVERS_FILE, Leftovers.class, Recovery.UNSPECIFIED).orElse(new Leftovers(Map.of()));
    }

    private static void writeLeftovers(Scope s, Map<String, Leftover> all) {
        if (all.isEmpty()) {
            s.state.delete(LEFTOVERS_FILE);
        } else {
            s.state.writeJson(LEFTOVERS_FILE, new Leftovers(all), Sensitivity.PUBLIC);
        }
    }

    /** Forgets drains of nodes whose machines no longer exist (deleted by hand, or by a commit that kept them after all). */
    static void retainOnly(Scope s, java.util.Set<String> machines) {
        Map<String, Drain> all = new TreeMap<>(read(s).nodes());
        if (all.keySet().retainAll(machines)) {
            write(s, all);
        }
    }

    private static Drains read(Scope s) {
        return s.state.readJson(STATE_FILE, Drains.class, Recovery.REGENERATED).orElse(new Drains(Map.of()));
    }

    private static void write(Scope s, Map<String, Drain> all) {
        if (all.isEmpty()) {
            s.state.delete(STATE_FILE);
        } else {
            s.state.writeJson(STATE_FILE, new Drains(all), Sensitivity.PUBLIC);
        }
    }

    private static void count(Scope s, String result) {
        Counter.builder("nkd_node_drains_total").description("Nodes nkd took out of a cluster before deleting their machines, "
                + "by result (drained, api_down: deleted without draining after the API stayed down, not_reachable: "
                + "deleted without draining, this nkd cannot reach the cluster's API; leftover_removed: the Node and etcd "
                + "member of an api_down deletion removed later, leftover_reused: not removed, a new machine has the name)")
                .tag("cluster", s.cluster).tag("result", result).register(s.calls.metrics()).increment();
    }
}
