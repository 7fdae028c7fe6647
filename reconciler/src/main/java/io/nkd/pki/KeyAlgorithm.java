package io.nkd.pki;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.RSAKeyGenParameterSpec;

/**
 * The key types nkd generates, named like kubeadm's {@code encryptionAlgorithm} (ECDSA-P256, RSA-2048, ...).
 * nkd defaults to ECDSA P-256 where kubeadm defaults to RSA-2048: smaller keys, faster handshakes, and every
 * Kubernetes component accepts them.
 */
public enum KeyAlgorithm {
    ECDSA_P256("ECDSA-P256", 0),
    RSA_2048("RSA-2048", 2048),
    RSA_3072("RSA-3072", 3072),
    RSA_4096("RSA-4096", 4096);

    private final String kubeadmName;
    private final int rsaBits;

    KeyAlgorithm(String kubeadmName, int rsaBits) {
        this.kubeadmName = kubeadmName;
        this.rsaBits = rsaBits;
    }

    /** The value kubeadm's ClusterConfiguration {@code encryptionAlgorithm} uses for this type. */
    public String kubeadmName() {
        return kubeadmName;
    }

    public boolean isRsa() {
        return rsaBits > 0;
    }

    /**
     * The algorithm of the service-account signing key (sa.key). kubeadm signs service-account tokens with
     * its {@code encryptionAlgorithm}, whose default is RSA-2048; nkd keeps RSA for them even when the
     * certificates are ECDSA, because many consumers of projected tokens (cloud workload-identity
     * federation, older OIDC libraries) accept only RS256.
     */
    public KeyAlgorithm serviceAccountAlgorithm() {
        return isRsa() ? this : RSA_2048;
    }

    /** A new key pair drawn from {@code random} (the same random gives the same key: tests rely on that). */
    public KeyPair generate(SecureRandom random) {
        try {
            if (isRsa()) {
                KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
                g.initialize(new RSAKeyGenParameterSpec(rsaBits, RSAKeyGenParameterSpec.F4), random);
                return g.generateKeyPair();
            }
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"), random);
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK cannot generate " + kubeadmName + " keys", e);
        }
    }

    /** Parses kubeadm's spelling (ECDSA-P256, RSA-2048, ...) or the constant name. */
    public static KeyAlgorithm parse(String text) {
        for (KeyAlgorithm a : values()) {
            if (a.kubeadmName.equalsIgnoreCase(text) || a.name().equalsIgnoreCase(text)) {
                return a;
            }
        }
        throw new IllegalArgumentException("\"" + text + "\" is not a key algorithm; use ECDSA-P256, RSA-2048, RSA-3072 or RSA-4096");
    }
}
