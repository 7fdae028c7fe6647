package io.nkd.state.kube;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;

/** Names, labels and annotations of the store's objects (see the package documentation). */
final class StateObjects {
    static final String MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
    static final String MANAGED_BY = "nkd";
    static final String CLUSTER_LABEL = "nkd.io/cluster";
    /** The state path the object holds: the store's index (object names are lossy, this is exact). */
    static final String PATH_ANNOTATION = "nkd.io/path";
    /** The lock term of the write (the Lease's leaseTransitions when the writer took the lock). */
    static final String TERM_ANNOTATION = "nkd.io/lock-term";
    /** The lock holder's identity (pid@host/handle) that wrote it. */
    static final String WRITER_ANNOTATION = "nkd.io/written-by";
    static final String SELECTOR = MANAGED_BY_LABEL + "=" + MANAGED_BY;
    /** Room for "nkd-", a 63-character cluster, '-', the readable part, '-' and the hash under the 253 of a name. */
    private static final int READABLE = 120;

    private StateObjects() {
    }

    /**
     * {@code nkd-<cluster>-<path, lowercased, other characters as '-'>-<12 hex of SHA-256(cluster/path)>}: readable in
     * {@code kubectl get}, a DNS-1123 subdomain whatever the path (paths allow uppercase and '_'), unique by the hash.
     */
    static String objectName(String cluster, String path) {
        String readable = path.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-+|-+$", "");
        if (readable.length() > READABLE) {
            readable = readable.substring(0, READABLE).replaceAll("-+$", "");
        }
        return "nkd-" + cluster + "-" + (readable.isEmpty() ? "" : readable + "-") + hash(cluster + "/" + path);
    }

    /** The data key: the file's own name (a valid key by the path rules), so {@code kubectl get -o yaml} shows it. */
    static String dataKey(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }

    static String leaseName(String cluster) {
        return "nkd-lock-" + cluster;
    }

    static Map<String, String> labels(String cluster) {
        return Map.of(MANAGED_BY_LABEL, MANAGED_BY, CLUSTER_LABEL, cluster);
    }

    private static String hash(String s) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
