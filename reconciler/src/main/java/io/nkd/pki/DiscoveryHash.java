package io.nkd.pki;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.x509.Certificate;

/** kubeadm's {@code --discovery-token-ca-cert-hash}: the pin a joining node checks the cluster CA against. */
public final class DiscoveryHash {
    private DiscoveryHash() {
    }

    /**
     * {@code sha256:<hex>} of the CA's DER SubjectPublicKeyInfo, taken from the certificate itself rather
     * than re-encoded by a key provider, so the bytes are the ones kubeadm (Go's RawSubjectPublicKeyInfo) hashes.
     */
    public static String of(X509Certificate ca) {
        try {
            byte[] spki = Certificate.getInstance(ca.getEncoded()).getSubjectPublicKeyInfo().getEncoded(ASN1Encoding.DER);
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(spki));
        } catch (CertificateEncodingException | java.io.IOException | NoSuchAlgorithmException e) {
            throw new IllegalStateException("cannot hash the CA's public key", e);
        }
    }
}
