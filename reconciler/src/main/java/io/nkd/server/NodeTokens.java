package io.nkd.server;

import io.nkd.state.ClusterState;
import io.nkd.state.ClusterView;
import io.nkd.state.InvalidStatePathException;
import io.nkd.state.Recovery;
import io.nkd.state.Sensitivity;
import io.nkd.state.StateStore;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

/**
 * The registry of node bearer tokens, in each cluster's state ({@value #PATH}): token hash → pool, node,
 * revoked. A token lets a booting node fetch its own overlay and its own pool's config, nothing else.
 * Only hashes are stored, so a copy of the state directory does not let anyone fetch configs.
 *
 * <p>Lookups read the file on every request (it is small, and reads need no lock): a revocation written
 * by another process ({@code nkd} on the command line while the daemon serves) applies to the next request.
 * Lookup is by hash in a map, which is not constant-time; that leaks nothing, because the attacker would
 * learn about a SHA-256 of their guess, not about the token.
 */
public final class NodeTokens {
    /** Where each cluster's registry lives in its state. */
    public static final String PATH = "ignition/node-tokens.json";
    static final Duration LOCK_WAIT = Duration.ofSeconds(30);
    private static final int TOKEN_BYTES = 32;
    /** URL-safe base64 without padding: 43 characters for 32 bytes; longer input is refused unread. */
    private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9_-]{22,128}");
    private static final Pattern NAME = Pattern.compile("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?");

    /** The stored document. */
    record TokenFile(List<TokenRecord> tokens) {
        TokenFile {
            tokens = tokens == null ? List.of() : List.copyOf(tokens);
        }
    }

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(NodeTokens.class);
    private final StateStore store;
    /** Per cluster store location: the live tokens as last read (see {@link #liveTokens}). */
    private final java.util.concurrent.ConcurrentHashMap<String, LiveTokens> live = new java.util.concurrent.ConcurrentHashMap<>();
    private final SecureRandom random;
    private final Clock clock;
    private final NodeFetches fetches;

    public NodeTokens(StateStore store, SecureRandom random, Clock clock) {
        this(store, random, clock, Runnable::run);
    }

    /**
     * @param fetchWrites where the Ignition server's fetch records are written ({@link NodeFetches}); a background thread
     *                    when the store is remote, so no node's request waits for the store
     */
    public NodeTokens(StateStore store, SecureRandom random, Clock clock, java.util.concurrent.Executor fetchWrites) {
        this.store = Objects.requireNonNull(store, "store");
        this.random = Objects.requireNonNull(random, "random");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.fetches = new NodeFetches(store, clock, fetchWrites);
    }

    /** The record of which node fetched which pool config with its token (written by the Ignition server). */
    public NodeFetches fetches() {
        return fetches;
    }

    /** A new token for {@code node} of {@code pool}, taking the cluster's lock. Earlier tokens of the node stay valid. */
    public NodeToken issue(String cluster, String pool, String node) {
        try (ClusterState state = open(cluster)) {
            return issue(state, pool, node);
        }
    }

    /** As {@link #issue(String, String, String)}, for a caller that already holds the cluster's lock. */
    public NodeToken issue(ClusterState state, String pool, String node) {
        Fresh fresh = fresh(pool, node);
        String id = fresh.id();
        String value = fresh.value();
        TokenRecord entry = new TokenRecord(id, sha256(value), pool, node, clock.instant(), null);
        update(state, tokens -> {
            List<TokenRecord> out = new ArrayList<>(tokens);
            out.add(entry);
            return out;
        });
        return new NodeToken(state.cluster(), pool, node, id, value);
    }

    /**
     * The token for a new pointer config of {@code node}: every earlier token of the node is revoked in the same
     * write, so a node never has two live tokens (a machine re-created after a crash, or after its provider forgot
     * it, gets a new pointer; the old one must stop working). Records the versions the pointer names, so the
     * served configs it needs are kept.
     */
    public NodeToken issueOnly(ClusterState state, String pool, String node, String poolVersion, String nodeVersion) {
        Fresh fresh = fresh(pool, node);
        String id = fresh.id();
        String value = fresh.value();
        java.time.Instant now = clock.instant();
        TokenRecord entry = new TokenRecord(id, sha256(value), pool, node, now, null, poolVersion, nodeVersion);
        int[] revoked = {0};
        update(state, tokens -> {
            List<TokenRecord> out = new ArrayList<>();
            for (TokenRecord t : tokens) {
                if (!t.revoked() && t.node().equals(node)) {
                    revoked[0]++;
                    out.add(t.revoke(now));
                } else {
                    out.add(t);
                }
            }
            out.add(entry);
            return out;
        });
        if (revoked[0] > 0) {
            LOG.info("cluster {}: node {} got a new token; revoked its {} earlier one(s)", state.cluster(), node, revoked[0]);
        }
        return new NodeToken(state.cluster(), pool, node, id, value);
    }

    /** A new token's public id and secret value (only its hash is stored). */
    private record Fresh(String id, String value) {
    }

    private Fresh fresh(String pool, String node) {
        checkName("pool", pool);
        checkName("node", node);
        byte[] secret = new byte[TOKEN_BYTES];
        random.nextBytes(secret);
        byte[] idBytes = new byte[8];
        random.nextBytes(idBytes);
        return new Fresh(HexFormat.of().formatHex(idBytes), Base64.getUrlEncoder().withoutPadding().encodeToString(secret));
    }

    /**
     * Revokes the live tokens of nodes not in {@code machines} (the machines that exist now), so the live tokens
     * are at most one per existing machine. Run on every reconcile, it also reads the registry, so a corrupt one
     * fails the reconcile (naming the file) instead of only every node's fetch.
     *
     * @return how many tokens were revoked
     */
    public int retainOnly(ClusterState state, java.util.Set<String> machines) {
        TokenFile now = read(state);
        boolean stale = now.tokens().stream().anyMatch(t -> !t.revoked() && !machines.contains(t.node()));
        if (!stale) {
            return 0; // no write: this runs on every reconcile
        }
        int revoked = revokeWhere(state, t -> !machines.contains(t.node()));
        LOG.info("cluster {}: revoked {} token(s) of machines that no longer exist", state.cluster(), revoked);
        return revoked;
    }

    /** The live tokens of a cluster (for keeping the configs their pointers name). */
    public List<TokenRecord> live(ClusterView view) {
        return read(view).tokens().stream().filter(t -> !t.revoked()).toList();
    }

    /** Revokes every valid token of {@code node}; returns how many. */
    public int revokeNode(String cluster, String node) {
        try (ClusterState state = open(cluster)) {
            return revokeNode(state, node);
        }
    }

    /** The same, for a caller that already holds the cluster's lock (the reconciler). */
    public int revokeNode(ClusterState state, String node) {
        return revokeWhere(state, t -> t.node().equals(node));
    }

    /** Revokes the token with this id; returns whether a valid one was found. */
    public boolean revoke(String cluster, String tokenId) {
        try (ClusterState state = open(cluster)) {
            return revokeWhere(state, t -> t.id().equals(tokenId)) > 0;
        }
    }

    /** The registry of {@code cluster}, revoked tokens included, in issue order. */
    public List<TokenRecord> list(String cluster) {
        return read(store.view(cluster)).tokens();
    }

    /**
     * Whom {@code token} belongs to, if it is a valid token of {@code cluster}. Empty for anything else: a
     * malformed, unknown or revoked token, or an invalid cluster name.
     */
    public Optional<TokenGrant> authenticate(String cluster, String token) {
        if (token == null || !TOKEN.matcher(token).matches()) {
            return Optional.empty();
        }
        ClusterView view;
        try {
            view = store.view(cluster);
        } catch (InvalidStatePathException e) {
            return Optional.empty();
        }
        TokenRecord t = liveTokens(view).get(sha256(token));
        return t == null ? Optional.empty() : Optional.of(new TokenGrant(view.cluster(), t.pool(), t.node(), t.id()));
    }

    /** A cluster's live tokens by hash, with the version of the registry they were read from. */
    private record LiveTokens(Object version, Map<String, TokenRecord> byHash) {
    }

    /**
     * The live tokens of a cluster by hash. Every fetch asks for them, so they are parsed once per version of the
     * registry: every issue or revocation replaces the file, so the next request reads it again and a revocation
     * applies at once. The version is taken before reading, so tokens are never kept under a version older than
     * the file they came from. A corrupt registry is never kept (it throws, every time).
     */
    private Map<String, TokenRecord> liveTokens(ClusterView view) {
        Optional<Object> version = view.version(PATH);
        LiveTokens kept = live.get(view.location());
        if (version.isPresent() && kept != null && kept.version().equals(version.get())) {
            return kept.byHash();
        }
        Map<String, TokenRecord> byHash = new HashMap<>();
        read(view).tokens().stream().filter(t -> !t.revoked()).forEach(t -> byHash.putIfAbsent(t.sha256(), t));
        version.ifPresent(v -> live.put(view.location(), new LiveTokens(v, Map.copyOf(byHash))));
        return byHash;
    }

    private int revokeWhere(ClusterState state, Predicate<TokenRecord> which) {
        int[] count = {0};
        update(state, tokens -> tokens.stream().map(t -> {
            if (!t.revoked() && which.test(t)) {
                count[0]++;
                return t.revoke(clock.instant());
            }
            return t;
        }).toList());
        return count[0];
    }

    private static void update(ClusterState state, UnaryOperator<List<TokenRecord>> change) {
        TokenFile now = read(state);
        state.writeJson(PATH, new TokenFile(change.apply(now.tokens())), Sensitivity.SECRET);
    }

    private static TokenFile read(ClusterView view) {
        // deleting the file would invalidate every pointer handed out: restore it instead
        return view.readJson(PATH, TokenFile.class, Recovery.REVOKES_ACCESS).orElse(new TokenFile(List.of()));
    }

    private ClusterState open(String cluster) {
        try {
            return store.open(cluster, LOCK_WAIT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the lock of cluster " + cluster, e);
        }
    }

    private static void checkName(String what, String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(what + " name \"" + name + "\" is not a valid DNS name");
        }
    }

    static String sha256(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JDK has no SHA-256", e);
        }
    }
}
