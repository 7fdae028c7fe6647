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
                        + "WITHOUT draining the node", s.cluster, Steps.shortId(s.revision), node, since, down);
                all.remove(node);
                write(s, all);
                s.undrained.add(node);
                count(s, "api_down");
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
                + "deleted without draining, this nkd cannot reach the cluster's API)")
                .tag("cluster", s.cluster).tag("result", result).register(s.calls.metrics()).increment();
    }
}
