package io.nkd.reconcile;

import io.nkd.cluster.ClusterNode;
import io.nkd.status.ClusterStatus;
import io.nkd.status.ClusterStatus.NodeKubernetes;
import io.nkd.status.ClusterStatus.NodeStatus;
import io.nkd.status.Condition;
import io.nkd.status.Condition.Status;
import io.nkd.status.KubernetesStatus;
import io.nkd.status.MachinePhase;
import io.nkd.status.Reasons;
import java.util.ArrayList;
import java.util.List;

/**
 * The Kubernetes half of a cluster's status, for {@link StatusComputer}: each node's phase after FETCHED (joined,
 * Ready, NotReady again) from the Node objects ObserveCluster read, and the conditions {@code ApiServerReady} and
 * {@code NodesReady} with the step the cluster is at (machines created → API up → nodes joined → Ready).
 */
final class KubernetesObservation {
    static final String API_SERVER_READY = "ApiServerReady";
    static final String NODES_READY = "NodesReady";
    /**
     * How long an API server may not answer before nkd says what to check: kubeadm init takes a few minutes on a booted
     * node, so before that, waiting is normal.
     */
    static final java.time.Duration LONG_WAIT = java.time.Duration.ofMinutes(15);

    private KubernetesObservation() {
    }

    /** A node's phase, message and Node facts once the Kubernetes side is known. */
    record NodeView(MachinePhase phase, String message, NodeKubernetes kubernetes) {
    }

    /** Whether a machine has come as far as fetching its config (and maybe further, into Kubernetes). */
    static boolean provisioned(MachinePhase phase) {
        return phase == MachinePhase.FETCHED || phase == MachinePhase.JOINED || phase == MachinePhase.READY
                || phase == MachinePhase.NOT_READY;
    }

    /**
     * Refines FETCHED with the node's Node object: JOINED (registered, not Ready), READY, or NOT_READY when it was Ready
     * before (the message quotes the Ready condition). When nkd could not read the Nodes this time, the node keeps what
     * nkd last saw of it (shown as such), since an API that is down for a moment says nothing new about the node.
     */
    static NodeView refine(Scope s, String node, MachinePhase phase, String message, NodeStatus old) {
        if (phase != MachinePhase.FETCHED || s.observed == null) {
            return new NodeView(phase, message, null);
        }
        boolean nodesRead = s.observed.apiReady() && s.observed.apiMessage() == null;
        if (!nodesRead) {
            return new NodeView(phase, message, old == null ? null : old.kubernetes());
        }
        ClusterNode n = s.kubeNodes.get(node);
        if (n == null) {
            return new NodeView(phase, "no Node object yet: its kubelet has not registered", null);
        }
        NodeKubernetes k = new NodeKubernetes(n.ready(), n.readyReason(), n.readyMessage(), n.readySince(), n.kubeletVersion(),
                n.osImage());
        if (n.ready()) {
            return new NodeView(MachinePhase.READY, null, k);
        }
        boolean wasReady = old != null && (old.phase() == MachinePhase.READY || old.phase() == MachinePhase.NOT_READY);
        String why = notReady(n);
        return new NodeView(wasReady ? MachinePhase.NOT_READY : MachinePhase.JOINED, why, k);
    }

    /** {@code NotReady (KubeletNotReady: container runtime is down) since 2026-…}. */
    private static String notReady(ClusterNode n) {
        if (n.readyReason() == null && n.readyMessage() == null) {
            return "registered; no Ready condition yet";
        }
        return "NotReady (" + (n.readyReason() == null ? "" : n.readyReason()) + (n.readyMessage() == null ? ""
                : (n.readyReason() == null ? "" : ": ") + n.readyMessage()) + ")" + (n.readySince() == null ? "" : " since " + n.readySince());
    }

    /** Where the Kubernetes side stands: whether it holds the cluster back from Ready, and the conditions to set. */
    record Verdict(Kind kind, String message, Condition api, Condition nodes) {
    }

    enum Kind {
        /** nkd cannot reach this cluster's API (no connector for its infrastructure): Ready means provisioned. */
        NOT_OBSERVED,
        /** The API server is not up yet, or nodes have not joined or are not Ready yet. */
        WAITING,
        /** The cluster was up, and its API or some of its nodes are not any more. */
        DEGRADED,
        /** The API answers and every node Git asks for is Ready. */
        READY
    }

    /** @param now the reconcile's time (the one the conditions' transition times are in) */
    static Verdict verdict(Scope s, List<NodeStatus> nodes, ClusterStatus prev, java.time.Instant now) {
        KubernetesStatus k = s.observed;
        if (k == null) {
            String why = "this nkd has no connection to the API of clusters on " + s.loaded.spec().infrastructure().provider()
                    + ": Ready means the machines are provisioned, not that Kubernetes runs on them";
            return new Verdict(Kind.NOT_OBSERVED, why, cond(API_SERVER_READY, Status.UNKNOWN, Reasons.NOT_OBSERVED, why),
                    cond(NODES_READY, Status.UNKNOWN, Reasons.NOT_OBSERVED, why));
        }
        boolean wasUp = prev.nodes().stream().anyMatch(n -> n.phase() == MachinePhase.READY || n.phase() == MachinePhase.NOT_READY);
        if (!k.apiReady()) {
            String msg = "waiting for the API server at " + k.server() + ": " + k.apiMessage();
            if (apiDownLong(prev, now)) {
                java.time.Instant since = prev.condition(API_SERVER_READY).lastTransitionTime();
                msg += "; for " + java.time.Duration.between(since, now).toMinutes() + " min now: check that"
                        + " this nkd can reach " + k.server() + " and, on the first control-plane node, kubeadm init's log"
                        + " (journalctl -u nkd-bootstrap.service)";
            }
            Condition api = cond(API_SERVER_READY, Status.FALSE, Reasons.WAITING_FOR_API_SERVER, msg);
            Condition nodesCond = cond(NODES_READY, Status.UNKNOWN, Reasons.WAITING_FOR_API_SERVER, "unknown until the API server answers");
            return new Verdict(wasUp ? Kind.DEGRADED : Kind.WAITING, msg, api, nodesCond);
        }
        Condition api = cond(API_SERVER_READY, Status.TRUE, Reasons.API_SERVER_READY, k.server() + "/readyz answers ok");
        if (k.apiMessage() != null) {
            String msg = "the API server at " + k.server() + " answers, but nkd cannot read its Nodes: " + k.apiMessage();
            return new Verdict(wasUp ? Kind.DEGRADED : Kind.WAITING, msg, api, cond(NODES_READY, Status.UNKNOWN, Reasons.CLUSTER_API_FAILED, msg));
        }
        List<String> notJoined = new ArrayList<>();
        List<String> joining = new ArrayList<>();
        List<String> notReady = new ArrayList<>();
        for (NodeStatus n : nodes) {
            if (n.phase() == MachinePhase.NOT_READY) {
                notReady.add(n.name() + " (" + n.message() + ")");
            } else if (n.phase() == MachinePhase.JOINED) {
                joining.add(n.name() + " (" + n.message() + ")");
            } else if (n.phase() != MachinePhase.READY) {
                notJoined.add(n.name());
            }
        }
        String counts = "API up; " + k.nodesJoined() + " of " + k.nodesExpected() + " nodes joined, " + k.nodesReady() + " Ready";
        if (!notReady.isEmpty()) {
            String msg = counts + "; NotReady: " + String.join(", ", notReady)
                    + (joining.isEmpty() ? "" : "; not Ready yet: " + String.join(", ", joining))
                    + (notJoined.isEmpty() ? "" : "; not joined: " + String.join(", ", notJoined));
            return new Verdict(Kind.DEGRADED, msg, api, cond(NODES_READY, Status.FALSE, Reasons.NODES_NOT_READY, msg));
        }
        if (!joining.isEmpty() || !notJoined.isEmpty()) {
            String msg = counts + "; waiting for " + String.join(", ", joining.isEmpty() ? List.of() : List.of("not Ready yet: " + String.join(", ", joining)))
                    + (joining.isEmpty() || notJoined.isEmpty() ? "" : "; ")
                    + (notJoined.isEmpty() ? "" : "to join: " + String.join(", ", notJoined));
            return new Verdict(Kind.WAITING, msg, api, cond(NODES_READY, Status.FALSE, Reasons.WAITING_FOR_NODES, msg));
        }
        return new Verdict(Kind.READY, counts, api, cond(NODES_READY, Status.TRUE, Reasons.NODES_READY, counts));
    }

    /** Whether the cluster's API server has not answered for longer than {@link #LONG_WAIT} as of {@code now}. */
    static boolean apiDownLong(ClusterStatus status, java.time.Instant now) {
        Condition api = status.condition(API_SERVER_READY);
        return api != null && api.status() == Status.FALSE && api.lastTransitionTime() != null && now != null
                && api.lastTransitionTime().plus(LONG_WAIT).isBefore(now);
    }

    private static Condition cond(String type, Status status, String reason, String message) {
        return new Condition(type, status, reason, message, null, null);
    }
}
