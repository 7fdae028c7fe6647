package io.nkd.server;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * Presents one certificate chain and key, held in memory. Used instead of a key store because a PKCS#12
 * store encrypts the key with a salt from the JDK's own random source, and everything random in nkd comes
 * from the caller's {@link java.security.SecureRandom}.
 */
final class FixedKeyManager extends X509ExtendedKeyManager {
    private static final String ALIAS = "nkd-ignition";

    private final X509Certificate[] chain;
    private final PrivateKey key;

    FixedKeyManager(List<X509Certificate> chain, PrivateKey key) {
        this.chain = chain.toArray(X509Certificate[]::new);
        this.key = key;
    }

    /**
     * Whether the key suits what the handshake asks for: "EC" (or TLS 1.2's "EC_EC") for an ECDSA key;
     * "RSA" or "RSASSA-PSS" for an RSA key.
     */
    private boolean fits(String keyType) {
        return switch (key.getAlgorithm()) {
            case "EC" -> keyType.equals("EC") || keyType.equals("EC_EC");
            case "RSA" -> keyType.equals("RSA") || keyType.equals("RSASSA-PSS");
            default -> false;
        };
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        return fits(keyType) ? new String[] {ALIAS} : null;
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return fits(keyType) ? ALIAS : null;
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        return fits(keyType) ? ALIAS : null;
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        return ALIAS.equals(alias) ? chain.clone() : null;
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        return ALIAS.equals(alias) ? key : null;
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return null; // a server only
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
        return null;
    }

    @Override
    public String toString() {
        return "FixedKeyManager[" + chain[0].getSubjectX500Principal().getName() + ", privateKey=<redacted>]";
    }
}
