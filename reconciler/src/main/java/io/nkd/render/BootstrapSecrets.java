package io.nkd.render;

import java.util.Collections;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The secret material rendered into node configs: the kubeadm bootstrap token, the certificate key for
 * control-plane joins, the CA hash nodes pin, and the CA files control-plane nodes need. Rendering with
 * {@link #placeholders()} gives configs for review, and is also how a config's version id is computed, so that
 * rotating a secret never makes a new version.
 */
public record BootstrapSecrets(String bootstrapToken, String certificateKey, String discoveryHash,
                               SortedMap<String, PkiFile> controlPlaneFiles, SortedMap<String, String> passwordHashes) {

    /** A file under /etc/kubernetes/ on control-plane nodes. */
    public record PkiFile(String contents, int mode) {
        @Override
        public String toString() {
            return "PkiFile[mode=" + Integer.toOctalString(mode) + ", " + contents.length() + " characters]";
        }
    }

    /** What kubeadm shares between control-plane nodes (the set `kubeadm init --upload-certs` uploads). */
    public static final SortedMap<String, Integer> SHARED_CONTROL_PLANE_FILES;

    static {
        TreeMap<String, Integer> m = new TreeMap<>();
        m.put("pki/ca.crt", 0644);
        m.put("pki/ca.key", 0600);
        m.put("pki/sa.key", 0600);
        m.put("pki/sa.pub", 0644);
        m.put("pki/front-proxy-ca.crt", 0644);
        m.put("pki/front-proxy-ca.key", 0600);
        m.put("pki/etcd/ca.crt", 0644);
        m.put("pki/etcd/ca.key", 0600);
        SHARED_CONTROL_PLANE_FILES = Collections.unmodifiableSortedMap(m);
    }

    public BootstrapSecrets {
        controlPlaneFiles = Collections.unmodifiableSortedMap(new TreeMap<>(controlPlaneFiles));
        passwordHashes = Collections.unmodifiableSortedMap(new TreeMap<>(passwordHashes));
    }

    /** Without login password hashes (users log in with SSH keys). */
    public BootstrapSecrets(String bootstrapToken, String certificateKey, String discoveryHash,
                            SortedMap<String, PkiFile> controlPlaneFiles) {
        this(bootstrapToken, certificateKey, discoveryHash, controlPlaneFiles, new TreeMap<>());
    }

    /** The password hash of a login user: the resolved secret, or a placeholder when rendering for review. */
    public String passwordHash(String user) {
        return passwordHashes.getOrDefault(user, placeholder("password-hash:" + user));
    }

    public static String placeholder(String name) {
        return "<nkd-secret:" + name + ">";
    }

    public static BootstrapSecrets placeholders() {
        TreeMap<String, PkiFile> files = new TreeMap<>();
        SHARED_CONTROL_PLANE_FILES.forEach((path, mode) -> files.put(path, new PkiFile(placeholder(path), mode)));
        return new BootstrapSecrets(placeholder("bootstrap-token"), placeholder("certificate-key"),
                placeholder("discovery-token-ca-cert-hash"), files);
    }

    @Override
    public String toString() {
        return "BootstrapSecrets[redacted]";
    }
}
