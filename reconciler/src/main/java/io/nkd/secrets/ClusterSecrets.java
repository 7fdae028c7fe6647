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
