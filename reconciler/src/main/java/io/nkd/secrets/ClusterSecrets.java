package io.nkd.secrets;

import io.nkd.config.ClusterSpec;
import io.nkd.config.Endpoint;
import io.nkd.config.KeyAlgorithm;
import io.nkd.config.LoadedCluster;
import io.nkd.config.NodePool;
import io.nkd.config.Topology;
import io.nkd.pki.Authority;
import io.nkd.pki.BootstrapToken;
import io.nkd.pki.CertificateKey;
import io.nkd.pki.ClusterPki;
import io.nkd.pki.PkiGenerator;
import io.nkd.pki.PkiSpec;
import io.nkd.pki.UserCas;
import io.nkd.render.BootstrapSecrets;
import io.nkd.state.ClusterState;
import io.nkd.state.ClusterView;
import io.nkd.state.Sensitivity;
import io.nkd.state.StateStore;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A cluster's generated secrets in the state store: the PKI (kubeadm's layout under {@code pki/}, plus
 * kubeconfigs), the bootstrap token and the certificate key. Generated once, under the cluster's lock, and
 * reused ever after; CAs a user imported (only a CA certificate and key present) are kept and the rest is
 * generated around them. Never written to Git.
 */
public final class ClusterSecrets {
    /** Mirrors /etc/kubernetes on a control-plane node: pki/…, admin.conf, super-admin.conf. */
    public static final String PKI_DIR = "kubernetes/";
    static final String TOKEN = "bootstrap/token";
    static final String CERTIFICATE_KEY = "bootstrap/certificate-key";

    private final StateStore store;
    private final SecretResolver resolver;
    private final SecureRandom random;
    private final Clock clock;

    public ClusterSecrets(StateStore store, SecretResolver resolver, SecureRandom random, Clock clock) {
        this.store = store;
        this.resolver = resolver;
        this.random = random;
        this.clock = clock;
    }

    /** The cluster's secrets, generating what is missing. Holds the cluster's lock while it works. */
    public BootstrapSecrets ensure(LoadedCluster cluster) {
        try (ClusterState state = store.open(cluster.name())) {
            return ensure(state, cluster);
        }
    }

    /** The same, for a caller that already holds the cluster's lock (the reconciler). */
    public BootstrapSecrets ensure(ClusterState state, LoadedCluster cluster) {
        ClusterPki pki = ensurePki(state, cluster.name(), cluster.spec());
        String token = state.read(TOKEN).map(b -> new String(b, StandardCharsets.UTF_8))
                .orElseGet(() -> store(state, TOKEN, BootstrapToken.generate(random).value()));
        String key = state.read(CERTIFICATE_KEY).map(b -> new String(b, StandardCharsets.UTF_8))
                .orElseGet(() -> store(state, CERTIFICATE_KEY, CertificateKey.generate(random).hex()));
        TreeMap<String, BootstrapSecrets.PkiFile> files = new TreeMap<>();
        pki.sharedControlPlaneFiles().forEach((path, bytes) -> files.put(path,
                new BootstrapSecrets.PkiFile(new String(bytes, StandardCharsets.UTF_8), ClusterPki.isSecret(path) ? 0600 : 0644)));
        TreeMap<String, String> hashes = new TreeMap<>();
        for (var user : cluster.spec().access().users()) {
            if (user.passwordHash() != null) {
                hashes.put(user.name(), resolver.resolve(user.passwordHash()));
            }
        }
        return new BootstrapSecrets(BootstrapToken.parse(token).value(), new CertificateKey(key).hex(), pki.discoveryHash(),
                files, hashes);
    }

    /**
     * How long before expiry nkd renews the certificates it keeps: the reconcile renews them on its own this early, so
     * nkd's access to the cluster never lapses, and {@code nkd certs check} warns as early.
     */
    public static final java.time.Duration RENEW_BEFORE = java.time.Duration.ofDays(30);

    /**
     * Re-issues from the cluster's CAs, each with a new key, every certificate nkd keeps for the cluster that expires
     * within {@code renewBefore} or already has: {@code admin.conf} and {@code super-admin.conf} (nkd's own access to the
     * cluster, and what {@code nkd kubeconfig} hands out) and the leaves under {@code pki/}. CAs and the
     * service-account keys are never touched (a CA rotation is another procedure), so every node and every token stays
     * valid. {@link java.time.Duration#ZERO} renews only what expired; a very long {@code renewBefore} renews everything. Key
     * algorithm and lifetime come from {@code clusterSpec.pki}, as for certificates generated later.
     * The caller holds the cluster's lock; nothing is written when nothing is due.
     *
     * @return the paths renewed (kubeadm layout), each with its old and new expiry
     */
    public java.util.List<Renewal> renewExpiring(ClusterState state, String name, ClusterSpec clusterSpec, java.time.Duration renewBefore) {
        SortedMap<String, byte[]> stored = pkiFiles(state);
        if (!stored.containsKey(ClusterPki.ADMIN_CONF)) {
            return java.util.List.of();
        }
        ClusterPki pki = ClusterPki.fromFiles(stored);
        PkiSpec spec = pkiSpec(name, clusterSpec);
        PkiGenerator generator = new PkiGenerator(random, clock);
        java.time.Instant now = clock.instant();
        java.util.List<Renewal> renewed = new java.util.ArrayList<>();
        Map<io.nkd.pki.Leaf, io.nkd.pki.CertKeyPair> leaves = new java.util.EnumMap<>(io.nkd.pki.Leaf.class);
        leaves.putAll(pki.leaves());
        for (var e : pki.leaves().entrySet()) {
            java.time.Instant notAfter = e.getValue().certificate().getNotAfter().toInstant();
            if (due(e.getValue().certificate(), now, renewBefore)) {
                io.nkd.pki.CertKeyPair fresh = generator.issue(pki.ca(e.getKey().authority()), e.getKey().profile(spec),
                        spec.keyAlgorithm(), spec.leafValidity());
                leaves.put(e.getKey(), fresh);
                renewed.add(new Renewal(e.getKey().certPath(), notAfter, fresh.certificate().getNotAfter().toInstant()));
            }
        }
        io.nkd.pki.Kubeconfig admin = renewKubeconfig(pki.admin(), ClusterPki.ADMIN_CONF, io.nkd.pki.Leaf.CLUSTER_ADMINS_GROUP,
                generator, pki, spec, now, renewBefore, renewed);
        io.nkd.pki.Kubeconfig superAdmin = renewKubeconfig(pki.superAdmin(), ClusterPki.SUPER_ADMIN_CONF,
                io.nkd.pki.Leaf.SYSTEM_MASTERS_GROUP, generator, pki, spec, now, renewBefore, renewed);
        if (renewed.isEmpty()) {
            return renewed;
        }
        ClusterPki next = new ClusterPki(pki.authorities(), leaves, pki.serviceAccountKey(), pki.serviceAccountPublicKey(), admin, superAdmin);
        SortedMap<String, byte[]> files = next.files();
        files.forEach((path, bytes) -> {
            if (!java.util.Arrays.equals(bytes, stored.get(path)) && !path.equals(ClusterPki.SA_KEY) && !path.equals(ClusterPki.SA_PUB)) {
                state.write(PKI_DIR + path, bytes, ClusterPki.isSecret(path) ? Sensitivity.SECRET : Sensitivity.PUBLIC);
            }
        });
        return java.util.List.copyOf(renewed);
    }

    /** Every certificate nkd keeps for the cluster, with its expiry as of now (empty before the PKI exists). */
    public java.util.List<io.nkd.pki.CertificateInfo> certificates(ClusterView view) {
        return io.nkd.pki.CertificateInfo.list(pkiFiles(view), clock);
    }

    /**
     * Whether a certificate is due for renewal: it expires within {@code renewBefore}, or within a third of its lifetime
     * when that is shorter (a ten-day certificate is renewed after about a week, not at every reconcile).
     */
    public static boolean due(java.security.cert.X509Certificate cert, java.time.Instant now, java.time.Duration renewBefore) {
        return due(cert.getNotBefore().toInstant(), cert.getNotAfter().toInstant(), now, renewBefore);
    }

    /** {@link #due(java.security.cert.X509Certificate, java.time.Instant, java.time.Duration)} from the validity period. */
    public static boolean due(java.time.Instant notBefore, java.time.Instant notAfter, java.time.Instant now, java.time.Duration renewBefore) {
        java.time.Duration lifetime = java.time.Duration.between(notBefore, notAfter);
        java.time.Duration window = renewBefore.compareTo(lifetime.dividedBy(3)) > 0 && renewBefore.compareTo(RENEW_BEFORE) <= 0
                ? lifetime.dividedBy(3) : renewBefore;
        return notAfter.isBefore(now.plus(window));
    }

    /** A certificate re-issued by {@link #renewExpiring}: its path (kubeadm layout) and expiry before and after. */
    public record Renewal(String path, java.time.Instant expired, java.time.Instant expires) {
    }

    private static io.nkd.pki.Kubeconfig renewKubeconfig(io.nkd.pki.Kubeconfig current, String path, String group, PkiGenerator generator,
                                                        ClusterPki pki, PkiSpec spec, java.time.Instant now,
                                                        java.time.Duration renewBefore, java.util.List<Renewal> renewed) {
        java.time.Instant notAfter = current.clientCertificate().getNotAfter().toInstant();
        if (!due(current.clientCertificate(), now, renewBefore)) {
            return current;
        }
        // same user and group, the server the kubeconfig already names (an endpoint change is not a renewal's business)
        io.nkd.pki.Kubeconfig fresh = generator.kubeconfig(pki.ca(Authority.CLUSTER), current.clusterName(), current.server(),
                io.nkd.pki.LeafProfile.client(current.userName(), java.util.List.of(group)), spec.keyAlgorithm(), spec.leafValidity());
        renewed.add(new Renewal(path, notAfter, fresh.clientCertificate().getNotAfter().toInstant()));
        return fresh;
    }

    /** The stored PKI files (kubeadm layout), for {@code nkd certs}; empty when none were generated yet. */
    public static SortedMap<String, byte[]> pkiFiles(ClusterView view) {
        TreeMap<String, byte[]> files = new TreeMap<>();
        collect(view, PKI_DIR, files);
        return files;
    }

    private static void collect(ClusterView view, String dir, Map<String, byte[]> out) {
        for (String name : view.list(dir.isEmpty() ? "" : dir.substring(0, dir.length() - 1))) {
            if (name.endsWith("/")) {
                collect(view, dir + name, out);
            } else {
                view.read(dir + name).ifPresent(b -> out.put((dir + name).substring(PKI_DIR.length()), b));
            }
        }
    }

    /**
     * Stores CAs (and service-account keys) a user brings, e.g. from {@code nkd import}, so that PKI generation
     * uses them. Refused once the cluster has a generated PKI: certificates already issued would not change.
     */
    public static void importAuthorities(StateStore store, String cluster, Map<String, byte[]> kubeadmFiles) {
        try (ClusterState state = store.open(cluster)) {
            if (state.exists(PKI_DIR + ClusterPki.ADMIN_CONF)) {
                throw new IllegalStateException("cluster " + cluster + " already has a PKI in the state directory; importing CAs "
                        + "now would not re-issue its certificates. Remove the cluster's kubernetes/ state first to re-key it.");
            }
            kubeadmFiles.forEach((path, pem) -> state.write(PKI_DIR + path, pem,
                    ClusterPki.isSecret(path) ? Sensitivity.SECRET : Sensitivity.PUBLIC));
        }
    }

    private ClusterPki ensurePki(ClusterState state, String name, ClusterSpec spec) {
        SortedMap<String, byte[]> stored = pkiFiles(state);
        if (stored.containsKey(ClusterPki.SA_KEY) && stored.containsKey(ClusterPki.ADMIN_CONF)) {
            return ClusterPki.fromFiles(stored);
        }
        UserCas userCas = UserCas.none();
        for (Authority a : Authority.values()) {
            byte[] cert = stored.get(a.certPath());
            byte[] key = stored.get(a.keyPath());
            if (cert != null && key != null) {
                userCas = userCas.with(a, new String(cert, StandardCharsets.UTF_8), new String(key, StandardCharsets.UTF_8));
            }
        }
        ClusterPki generated = new PkiGenerator(random, clock).generate(pkiSpec(name, spec), userCas);
        TreeMap<String, byte[]> files = new TreeMap<>(generated.files());
        // an imported service-account key pair is kept too (tokens signed with it stay valid)
        if (stored.containsKey(ClusterPki.SA_KEY) && stored.containsKey(ClusterPki.SA_PUB)) {
            files.put(ClusterPki.SA_KEY, stored.get(ClusterPki.SA_KEY));
            files.put(ClusterPki.SA_PUB, stored.get(ClusterPki.SA_PUB));
        }
        files.forEach((path, bytes) -> state.write(PKI_DIR + path, bytes,
                ClusterPki.isSecret(path) ? Sensitivity.SECRET : Sensitivity.PUBLIC));
        return ClusterPki.fromFiles(files);
    }

    /**
     * kubeadm regenerates per-node certificates on each node from the shared CAs; the leaves nkd keeps are for
     * its own use and name the first control-plane node (by its address when the pool gives one, else the
     * endpoint's address, else loopback).
     */
    static PkiSpec pkiSpec(String name, ClusterSpec spec) {
        Endpoint endpoint = Endpoint.parse(spec.kubernetes().controlPlaneEndpoint());
        NodePool cp = spec.pools().stream().filter(p -> p.role() == NodePool.Role.CONTROL_PLANE).findFirst().orElseThrow();
        Topology.PlannedNode first = Topology.nodes(name, cp).get(0);
        String node = first.name();
        String ip = first.ip() != null ? first.ip() : endpoint.isIp() ? endpoint.host() : "127.0.0.1";
        ClusterSpec.PkiSettings settings = spec.pki();
        return PkiSpec.of(name, endpoint, node, ip, spec.kubernetes().serviceSubnet())
                .withDnsDomain(spec.kubernetes().dnsDomain())
                .withExtraSans(spec.kubernetes().apiServerCertSANs())
                .withKeyAlgorithm(settings.keyAlgorithm())
                .withValidity(settings.caValidity(), settings.certificateValidity());
    }

    private static String store(ClusterState state, String path, String value) {
        state.write(path, value.getBytes(StandardCharsets.UTF_8), Sensitivity.SECRET);
        return value;
    }
}
