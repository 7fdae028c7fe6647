package io.nkd.pki;

import org.bouncycastle.asn1.x509.KeyPurposeId;

/** The two extended key usages kubeadm's certificates carry. */
public enum ExtendedKeyUsage {
    SERVER_AUTH(KeyPurposeId.id_kp_serverAuth),
    CLIENT_AUTH(KeyPurposeId.id_kp_clientAuth);

    private final KeyPurposeId id;

    ExtendedKeyUsage(KeyPurposeId id) {
        this.id = id;
    }

    KeyPurposeId purpose() {
        return id;
    }

    /** The dotted OID, as {@link java.security.cert.X509Certificate#getExtendedKeyUsage()} reports it. */
    public String oid() {
        return id.getId();
    }
}
