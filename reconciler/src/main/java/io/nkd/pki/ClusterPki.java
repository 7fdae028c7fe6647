package io.nkd.pki;

import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Everything kubeadm's {@code certs} and {@code kubeconfig} phases would create on the first control-plane
 * node, for nkd to place there (so kubeadm finds it and skips generating) and to keep: a stored PKI is read
 * back with {@link #fromFiles} and reused, never generated anew. {@link #toString()} never shows a key.
 */
public record ClusterPki(Map<Authority, CertKeyPair> authorities, Map<Leaf, CertKeyPair> leaves,
        PrivateKey serviceAccountKey, PublicKey serviceAccountPublicKey, Kubeconfig admin, Kubeconfig superAdmin) {

    public static final String SA_KEY = "pki/sa.key";
    public static final String SA_PUB = "pki/sa.pub";
    public static final String ADMIN_CONF = "admin.conf";
    public static final String SUPER_ADMIN_CONF = "super-admin.conf";
    /** The user in admin.conf; in group kubeadm:cluster-admins, bound to cluster-admin. */
    public static final String ADMIN_USER = "kubernetes-admin";
    /** The user in super-admin.conf; in system:masters, which RBAC cannot restrict (break-glass only). */
    public static final String SUPER_ADMIN_USER = "kubernetes-super-admin";

    public ClusterPki {
        authorities = complete(authorities, Authority.class, "CA");
        leaves = complete(leaves, Leaf.class, "certificate");
        serviceAccountKey = Pem.canonical(Objects.requireNonNull(serviceAccountKey, "serviceAccountKey"));
        Objects.requireNonNull(serviceAccountPublicKey, "serviceAccountPublicKey");
        Objects.requireNonNull(admin, "admin");
        Objects.requireNonNull(superAdmin, "superAdmin");
    }

    public CertKeyPair ca(Authority authority) {
        return authorities.get(authority);
    }

    public CertKeyPair leaf(Leaf leaf) {
        return leaves.get(leaf);
    }

    public String clusterName() {
        return admin.clusterName();
    }

    /** The API server URL the kubeconfigs use. */
    public String server() {
        return admin.server();
    }

    /** kubeadm's {@code --discovery-token-ca-cert-hash} for joining nodes. */
    public String discoveryHash() {
        return DiscoveryHash.of(ca(Authority.CLUSTER).certificate());
    }

    /**
     * kubeadm's file layout, paths relative to {@code /etc/kubernetes/}: {@code pki/ca.crt}, {@code pki/ca.key},
     * ..., {@code pki/etcd/ca.crt}, ..., {@code pki/sa.key}, {@code pki/sa.pub}, {@code admin.conf},
     * {@code super-admin.conf}. Byte-for-byte stable for the same PKI.
     */
    public SortedMap<String, byte[]> files() {
        SortedMap<String, byte[]> out = new TreeMap<>();
        authorities.forEach((a, pair) -> put(out, a.certPath(), a.keyPath(), pair));
        leaves.forEach((l, pair) -> put(out, l.certPath(), l.keyPath(), pair));
        out.put(SA_KEY, Pem.bytes(Pem.encodePrivateKey(serviceAccountKey)));
        out.put(SA_PUB, Pem.bytes(Pem.encodePublicKey(serviceAccountPublicKey)));
        out.put(ADMIN_CONF, admin.toYaml());
        out.put(SUPER_ADMIN_CONF, superAdmin.toYaml());
        return Collections.unmodifiableSortedMap(out);
    }

    /**
     * What another control-plane node needs before {@code kubeadm join --control-plane}: the three CAs and
     * the service-account keys (kubeadm's certificate-key upload carries exactly these). Each node makes its
     * own leaves.
     */
    public SortedMap<String, byte[]> sharedControlPlaneFiles() {
        SortedMap<String, byte[]> all = files();
        SortedMap<String, byte[]> out = new TreeMap<>();
        for (Authority a : Authority.values()) {
            out.put(a.certPath(), all.get(a.certPath()));
            out.put(a.keyPath(), all.get(a.keyPath()));
        }
        out.put(SA_KEY, all.get(SA_KEY));
        out.put(SA_PUB, all.get(SA_PUB));
        return Collections.unmodifiableSortedMap(out);
    }

    /** Private keys and kubeconfigs (which embed one) are secrets; certificates and sa.pub are not. */
    public static boolean isSecret(String path) {
        return path.endsWith(".key") || path.endsWith(".conf");
    }

    /**
     * Reads a set written by {@link #files()} (or by kubeadm) back. Files outside the layout are ignored;
     * a missing or unreadable one fails with a {@link PkiFileException} naming it. Nothing is checked beyond
     * parsing: {@link CertificateCheck} reports expiry, wrong issuers and mismatched keys.
     */
    public static ClusterPki fromFiles(Map<String, byte[]> files) {
        Map<Authority, CertKeyPair> cas = new EnumMap<>(Authority.class);
        for (Authority a : Authority.values()) {
            cas.put(a, pair(files, a.certPath(), a.keyPath()));
        }
        Map<Leaf, CertKeyPair> leaves = new EnumMap<>(Leaf.class);
        for (Leaf l : Leaf.values()) {
            leaves.put(l, pair(files, l.certPath(), l.keyPath()));
        }
        return new ClusterPki(cas, leaves,
                read(files, SA_KEY, Pem::decodePrivateKey),
                read(files, SA_PUB, Pem::decodePublicKey),
                readKubeconfig(files, ADMIN_CONF),
                readKubeconfig(files, SUPER_ADMIN_CONF));
    }

    @Override
    public String toString() {
        return "ClusterPki[cluster=" + clusterName() + ", server=" + server() + ", cas=" + authorities.keySet()
                + ", leaves=" + leaves.keySet() + ", keys=<redacted>]";
    }

    private static CertKeyPair pair(Map<String, byte[]> files, String certPath, String keyPath) {
        return new CertKeyPair(read(files, certPath, Pem::decodeCertificate), read(files, keyPath, Pem::decodePrivateKey));
    }

    private static Kubeconfig readKubeconfig(Map<String, byte[]> files, String path) {
        byte[] bytes = files.get(path);
        if (bytes == null) {
            throw new PkiFileException(path, "missing", null);
        }
        try {
            return Kubeconfig.parse(bytes);
        } catch (IllegalArgumentException e) {
            throw new PkiFileException(path, e.getMessage(), e);
        }
    }

    private static <T> T read(Map<String, byte[]> files, String path, Function<String, T> parse) {
        byte[] bytes = files.get(path);
        if (bytes == null) {
            throw new PkiFileException(path, "missing", null);
        }
        try {
            return parse.apply(new String(bytes, StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            throw new PkiFileException(path, e.getMessage(), e);
        }
    }

    private static void put(Map<String, byte[]> out, String certPath, String keyPath, CertKeyPair pair) {
        out.put(certPath, Pem.bytes(Pem.encodeCertificate(pair.certificate())));
        out.put(keyPath, Pem.bytes(Pem.encodePrivateKey(pair.privateKey())));
    }

    private static <K extends Enum<K>, V> Map<K, V> complete(Map<K, V> map, Class<K> type, String what) {
        Map<K, V> copy = new EnumMap<>(type);
        copy.putAll(Objects.requireNonNull(map, what + "s"));
        for (K k : type.getEnumConstants()) {
            if (copy.get(k) == null) {
                throw new IllegalArgumentException("the PKI lacks the " + k + " " + what);
            }
        }
        return Collections.unmodifiableMap(copy);
    }
}
