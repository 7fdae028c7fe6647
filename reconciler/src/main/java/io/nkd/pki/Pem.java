package io.nkd.pki;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * PEM for certificates and keys. Writes what kubeadm (Go's keyutil) writes: {@code CERTIFICATE},
 * {@code EC PRIVATE KEY} (SEC 1, with curve and public key), {@code RSA PRIVATE KEY} (PKCS#1) and
 * {@code PUBLIC KEY}; reads those and PKCS#8 {@code PRIVATE KEY} too, as openssl writes it. Output is
 * byte-for-byte stable (64-column base64, LF), so a stored PKI re-encodes to the same bytes.
 * Messages about keys never quote their content.
 */
public final class Pem {
    private Pem() {
    }

    public static String encodeCertificate(X509Certificate certificate) {
        try {
            return block("CERTIFICATE", certificate.getEncoded());
        } catch (CertificateException e) {
            throw new IllegalStateException("cannot encode certificate", e);
        }
    }

    /** SEC 1 for EC keys and PKCS#1 for RSA keys, like kubeadm. */
    public static String encodePrivateKey(PrivateKey key) {
        try {
            PrivateKeyInfo info = PrivateKeyInfo.getInstance(key.getEncoded());
            if (key instanceof ECPrivateKey ec) {
                SubjectPublicKeyInfo pub = SubjectPublicKeyInfo.getInstance(Keys.publicKeyOf(ec).getEncoded());
                var sec1 = new org.bouncycastle.asn1.sec.ECPrivateKey(ec.getParams().getOrder().bitLength(), ec.getS(),
                        pub.getPublicKeyData(), info.getPrivateKeyAlgorithm().getParameters());
                return block("EC PRIVATE KEY", sec1.getEncoded(ASN1Encoding.DER));
            }
            if (PKCSObjectIdentifiers.rsaEncryption.equals(info.getPrivateKeyAlgorithm().getAlgorithm())) {
                return block("RSA PRIVATE KEY", info.parsePrivateKey().toASN1Primitive().getEncoded(ASN1Encoding.DER));
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode a " + key.getAlgorithm() + " private key");
        }
        throw new IllegalArgumentException("unsupported private key type " + key.getAlgorithm() + "; nkd handles RSA and ECDSA keys");
    }

    /** X.509 SubjectPublicKeyInfo, {@code PUBLIC KEY}: the form of kubeadm's sa.pub. */
    public static String encodePublicKey(PublicKey key) {
        return block("PUBLIC KEY", key.getEncoded());
    }

    /** The first certificate in {@code pem} (for a chain, the leaf: it comes first). */
    public static X509Certificate decodeCertificate(String pem) {
        return decodeCertificates(pem).get(0);
    }

    /** Every certificate in {@code pem}, in order; other blocks are skipped. */
    public static List<X509Certificate> decodeCertificates(String pem) {
        List<X509Certificate> out = new ArrayList<>();
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            for (Object o = parser.readObject(); o != null; o = parser.readObject()) {
                if (o instanceof X509CertificateHolder holder) {
                    out.add((X509Certificate) factory.generateCertificate(new java.io.ByteArrayInputStream(holder.getEncoded())));
                }
            }
        } catch (IOException | CertificateException | RuntimeException e) {
            // no parser message: the input may hold a private key next to the certificate
            throw new IllegalArgumentException("not a valid PEM certificate (malformed block)");
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("no PEM CERTIFICATE block found");
        }
        return out;
    }

    /** The first private key in {@code pem}: PKCS#8, SEC 1 (EC) or PKCS#1 (RSA); not encrypted ones. */
    public static PrivateKey decodePrivateKey(String pem) {
        Object o;
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            do {
                o = parser.readObject();
            } while (o != null && !(o instanceof PEMKeyPair) && !(o instanceof PrivateKeyInfo)
                    && !(o instanceof PKCS8EncryptedPrivateKeyInfo) && !(o instanceof PEMEncryptedKeyPair));
        } catch (IOException | RuntimeException e) {
            // the parser's own message could quote the input; say only what kind of problem it was
            throw new IllegalArgumentException("not a valid PEM private key (malformed block)");
        }
        if (o == null) {
            throw new IllegalArgumentException("no PEM private key found (expected PRIVATE KEY, EC PRIVATE KEY or RSA PRIVATE KEY)");
        }
        if (o instanceof PKCS8EncryptedPrivateKeyInfo || o instanceof PEMEncryptedKeyPair) {
            throw new IllegalArgumentException("the private key is encrypted; nkd needs it unencrypted");
        }
        PrivateKeyInfo info = o instanceof PEMKeyPair pair ? pair.getPrivateKeyInfo() : (PrivateKeyInfo) o;
        try {
            String algorithm = keyFactoryAlgorithm(info.getPrivateKeyAlgorithm().getAlgorithm());
            return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(info.getEncoded()));
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("not a valid RSA or ECDSA private key");
        }
    }

    /** A {@code PUBLIC KEY} (or PKCS#1 {@code RSA PUBLIC KEY}) block. */
    public static PublicKey decodePublicKey(String pem) {
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            for (Object o = parser.readObject(); o != null; o = parser.readObject()) {
                if (o instanceof SubjectPublicKeyInfo info) {
                    String algorithm = keyFactoryAlgorithm(info.getAlgorithm().getAlgorithm());
                    return KeyFactory.getInstance(algorithm).generatePublic(new X509EncodedKeySpec(info.getEncoded()));
                }
            }
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            throw new IllegalArgumentException("not a valid RSA or ECDSA PEM public key");
        }
        throw new IllegalArgumentException("no PEM PUBLIC KEY block found");
    }

    /**
     * The key as {@link #decodePrivateKey} returns it after {@link #encodePrivateKey}: JDK keys compare by
     * their PKCS#8 bytes, which differ between a generated key and the same key read back (SEC 1 carries the
     * public point), so records holding keys store this form and stay equal across a store-and-load.
     */
    static PrivateKey canonical(PrivateKey key) {
        return decodePrivateKey(encodePrivateKey(key));
    }

    public static byte[] bytes(String pem) {
        return pem.getBytes(StandardCharsets.US_ASCII);
    }

    private static String keyFactoryAlgorithm(ASN1ObjectIdentifier oid) throws GeneralSecurityException {
        if (PKCSObjectIdentifiers.rsaEncryption.equals(oid)) {
            return "RSA";
        }
        if (X9ObjectIdentifiers.id_ecPublicKey.equals(oid)) {
            return "EC";
        }
        throw new GeneralSecurityException("unsupported key algorithm " + oid + "; nkd handles RSA and ECDSA keys");
    }

    private static String block(String type, byte[] der) {
        String body = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der);
        return "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n";
    }
}
