package io.nkd.config;

import io.nkd.yaml.WireEnum;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.RSAKeyGenParameterSpec;
import java.util.Locale;

/**
 * The key types nkd generates: what {@code spec.pki.keyAlgorithm} of cluster.yaml chooses (spelled
 * {@code ecdsa-p256}, {@code rsa-2048}, ...) and what the PKI generator draws. The names follow kubeadm's
 * {@code encryptionAlgorithm} (ECDSA-P256, RSA-2048, ...). nkd defaults to ECDSA P-256 where kubeadm defaults
 * to RSA-2048: smaller keys, faster handshakes, and every Kubernetes component accepts them.
 *
 * <p>One enum for the setting and the generator, kept here because the config model is the lower layer
 * ({@code pki} uses {@code config}, never the reverse).
 */
public enum KeyAlgorithm implements WireEnum {
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

    /** The spelling in cluster.yaml: kubeadm's name in lower case. */
    @Override
    public String wire() {
        return kubeadmName.toLowerCase(Locale.ROOT);
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
}
