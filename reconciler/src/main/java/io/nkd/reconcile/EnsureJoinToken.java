package io.nkd.reconcile;

import io.nkd.cluster.ClusterApiException;
import io.nkd.status.ClusterStatus;
import io.nkd.cluster.JoinTokens;
import io.nkd.config.Topology;
import io.nkd.pki.BootstrapToken;
import io.nkd.render.ClusterRenderer;
import io.nkd.render.RenderedCluster;
import io.nkd.state.Recovery;
import io.nkd.state.Sensitivity;
import io.nkd.status.Reasons;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fresh bootstrap tokens for machines that join a running cluster. The cluster's first token (in every pool config)
 * is made for the first control-plane node's {@code kubeadm init}, which gives it kubeadm's 24 h lifetime; a machine
 * created months later needs another one. On a cluster whose API answered when ObserveCluster last looked (the previous
 * reconcile), while some node Git asks for had no Node object then, this step makes sure nkd holds a bootstrap token (a Secret {@code kube-system/bootstrap-token-<id>}) that
 * is valid for at least {@link #MIN_REMAINING} more, creating one valid {@link #LIFETIME} when not; it is kept in the
 * cluster's state (secret) and reused for every machine created while it is fresh enough. ReconcileMachines then
 * renders the node overlays with it ({@link #overlays}) before its first create, so each new machine's node config
 * (pinned in its pointer) carries the token it joins with; the pool configs and their versions do not change.
 *
 * <p>nkd's expired tokens are deleted; once every node Git asks for has joined, nkd's tokens are deleted too (nothing
 * needs them; a later scale-up makes a new one). Tokens an operator made with kubeadm are never touched (nkd lists
 * only Secrets it labelled). While the API is not up (a cluster being bootstrapped), nothing happens here: the
 * machines join with the cluster's first token, which the first control-plane node's {@code kubeadm init} creates.
 * Fills {@code joinToken} and {@code joinTokenExpires} (or {@code joinTokenFailure}, which stops the reconcile in
 * ReconcileMachines only when it is about to create a machine); never logs a token's secret.
 */
record EnsureJoinToken(Collaborators c) implements Step {
    private static final Logger LOG = LoggerFactory.getLogger(EnsureJoinToken.class);
    /**
     * How long a fresh token is valid: a slow bare-metal machine (PXE, firmware, the OS rebase and its reboot) joins
     * well within it, while a token copied from a node's config or the provider's metadata stops working the same
     * afternoon, not a day later as kubeadm's default.
     */
    static final Duration LIFETIME = Duration.ofHours(4);
    /** A token is reused for another machine only while it stays valid this much longer: the new machine's boot time. */
    static final Duration MIN_REMAINING = Duration.ofHours(2);
    /** nkd's current fresh token (secret: it holds the token itself). */
    static final String STATE_FILE = "cluster/join-token.json";
    private static final SecureRandom RANDOM = new SecureRandom();

    /** The stored token; {@link #toString()} hides the secret. */
    record Stored(String token, Instant expires) {
        BootstrapToken parsed() {
            return BootstrapToken.parse(token);
        }

        @Override
        public String toString() {
            return "Stored[id=" + parsed().id() + ", expires=" + expires + "]";
        }
    }

    @Override
    public String name() {
        return "EnsureJoinToken";
    }

    @Override
    public boolean run(Scope s) throws ReconcileException {
        if (s.workload == null) {
            return true;
        }
        // what ObserveCluster saw at the end of the previous reconcile: no second /readyz and list of Nodes per pass
        io.nkd.status.KubernetesStatus seen = s.previous.kubernetes();
        if (seen == null || !seen.apiReady()) {
            LOG.debug("cluster={} commit={}: API not up ({}); new machines join with the cluster's first token", s.cluster,
                    Steps.shortId(s.revision), seen == null ? "not observed yet" : seen.apiMessage());
            return true;
        }
        Instant now = s.calls.clock().instant();
        Set<String> joined = s.previous.nodes().stream().filter(n -> n.kubernetes() != null).map(ClusterStatus.NodeStatus::name)
                .collect(Collectors.toSet());
        Set<String> waiting = Topology.nodes(s.cluster, s.loaded.spec()).stream().map(Topology.PlannedNode::name)
                .filter(n -> !joined.contains(n)).collect(Collectors.toCollection(java.util.TreeSet::new));
        Stored stored = s.state.readJson(STATE_FILE, Stored.class, Recovery.REGENERATED).orElse(null);
        if (waiting.isEmpty() && stored == null) {
            return true; // every node joined and nkd holds no token: nothing to ask the API (expired Secrets of a crash
                         // between create and record are deleted by kubeadm's token cleaner)
        }
        JoinTokens tokens = s.workload.joinTokens();
        try {
            Map<String, Instant> listed = tokens.list();
            for (Map.Entry<String, Instant> t : listed.entrySet()) {
                if (!t.getValue().isAfter(now) || waiting.isEmpty()) {
                    tokens.delete(t.getKey());
                    LOG.info("cluster={} commit={}: deleted bootstrap token {} ({})", s.cluster, Steps.shortId(s.revision),
                            t.getKey(), waiting.isEmpty() ? "every node has joined" : "expired " + t.getValue());
                }
            }
            if (stored != null && (waiting.isEmpty() || !listed.containsKey(stored.parsed().id())
                    || stored.expires().isBefore(now.plus(MIN_REMAINING)))) {
                s.state.delete(STATE_FILE); // spent: expired, deleted from the cluster, or no longer needed
                stored = null;
            }
            if (waiting.isEmpty()) {
                return true;
            }
            if (stored == null) {
                BootstrapToken fresh = BootstrapToken.generate(RANDOM);
                Instant expires = now.plus(LIFETIME);
                tokens.create(fresh, expires, "nkd: joins of nodes of cluster " + s.cluster + " (commit "
                        + Steps.shortId(s.revision) + ")");
                stored = new Stored(fresh.value(), expires);
                io.micrometer.core.instrument.Counter.builder("nkd_join_tokens_created_total")
                        .description("Fresh bootstrap tokens nkd created for machines joining a running cluster")
                        .tag("cluster", s.cluster).register(s.calls.metrics()).increment();
                s.state.writeJson(STATE_FILE, stored, Sensitivity.SECRET);
                LOG.info("cluster={} commit={}: created bootstrap token {} valid until {} for nodes that have not joined: {}",
                        s.cluster, Steps.shortId(s.revision), fresh.id(), expires, String.join(", ", waiting));
            }
            s.joinToken = stored.parsed();
            s.joinTokenExpires = stored.expires();
            return true;
        } catch (ClusterApiException e) {
            // fails the reconcile only if a machine is to be created (ReconcileMachines): deletes and drains go on
            LOG.warn("cluster={} commit={}: cannot prepare a bootstrap token: {}", s.cluster, Steps.shortId(s.revision), e.getMessage());
            s.joinTokenFailure = new ReconcileException.Transient(Reasons.JOIN_TOKEN_FAILED, e.getMessage()
                    + "; nkd retries (machines are created once a bootstrap token exists for them)", e);
            return true;
        }
    }

    /**
     * The cluster rendered with node overlays that carry {@code s.joinToken}, published, once per reconcile, before
     * ReconcileMachines creates a machine (a no-op when there is no fresh token: the API is not up).
     */
    static void overlays(Collaborators c, Scope s) {
        if (s.joinToken == null || s.joinTokenRendered) {
            return;
        }
        RenderedCluster withToken = ClusterRenderer.render(s.loaded, s.config.images(), s.secrets, s.joinToken.value());
        if (!withToken.ok() || !withToken.versions().equals(s.rendered.versions())) {
            // the same inputs rendered a moment ago: cannot happen unless rendering stopped being deterministic
            throw new IllegalStateException("cluster " + s.cluster + " rendered differently with its bootstrap token: "
                    + withToken.report().entries());
        }
        c.publisher().publish(s.state, withToken);
        s.rendered = withToken;
        s.joinTokenRendered = true;
    }
}
