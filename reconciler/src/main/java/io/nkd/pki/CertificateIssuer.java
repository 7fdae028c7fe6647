package io.nkd.pki;

import io.nkd.config.KeyAlgorithm;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Makes CA and end-entity certificates the way kubeadm's pkiutil does, with the time from a {@link Clock}
 * and every random bit (keys, serials, ECDSA nonces) from one {@link SecureRandom}.
 */
final class CertificateIssuer {
    /** kubeadm's CertificateBackdate: certificates start 5 minutes early so small clock skew does not reject them. */
    static final Duration BACKDATE = Duration.ofMinutes(5);

    private final SecureRandom random;
    private final Clock clock;

    CertificateIssuer(SecureRandom random, Clock clock) {
        this.random = Objects.requireNonNull(random, "random");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * A new self-signed CA: CA:true, keyCertSign + cRLSign + digitalSignature, and (like kubeadm) its name as
     * DNS SAN. kubeadm also sets keyEncipherment and omits cRLSign; nkd uses RFC 5280's CA profile instead,
     * which Kubernetes does not look at and {@code openssl verify -x509_strict} accepts.
     */
    CertKeyPair selfSignedCa(String commonName, KeyAlgorithm algorithm, Duration validity) {
        KeyPair keys = algorithm.generate(random);
        Instant now = now();
        X500Name subject = name(commonName, List.of());
        try {
            var utils = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(subject, serial(), Date.from(now.minus(BACKDATE)),
                    Date.from(now.plus(validity)), subject, keys.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
                    .addExtension(Extension.keyUsage, true,
                            new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature))
                    .addExtension(Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(keys.getPublic()))
                    .addExtension(Extension.subjectAlternativeName, false,
                            new GeneralNames(new GeneralName(GeneralName.dNSName, commonName)));
            return new CertKeyPair(sign(b, keys.getPrivate()), keys.getPrivate());
        } catch (GeneralSecurityException | CertIOException e) {
            throw new IllegalStateException("cannot create CA \"" + commonName + "\"", e);
        }
    }

    /** A new key of {@code algorithm} and a certificate for it, signed by {@code ca}. */
    CertKeyPair issue(CertKeyPair ca, LeafProfile profile, KeyAlgorithm algorithm, Duration validity) {
        KeyPair keys = algorithm.generate(random);
        return new CertKeyPair(certify(ca, profile, keys.getPublic(), validity), keys.getPrivate());
    }

    /**
     * A certificate for {@code subjectKey}, signed by {@code ca}. It starts {@link #BACKDATE} ago and ends
     * {@code validity} from now, but never after the CA does: a certificate outliving its CA only fails later.
     */
    X509Certificate certify(CertKeyPair ca, LeafProfile profile, PublicKey subjectKey, Duration validity) {
        Instant now = now();
        Instant notAfter = now.plus(validity);
        Instant caEnd = ca.certificate().getNotAfter().toInstant();
        if (notAfter.isAfter(caEnd)) {
            notAfter = caEnd;
        }
        int usage = KeyUsage.digitalSignature;
        if (subjectKey instanceof java.security.interfaces.RSAKey) {
            usage |= KeyUsage.keyEncipherment; // RSA key exchange in TLS 1.2; meaningless for ECDSA keys (RFC 5480)
        }
        try {
            var utils = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(ca.certificate(), serial(), Date.from(now.minus(BACKDATE)),
                    Date.from(notAfter), name(profile.commonName(), profile.organizations()), subjectKey)
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(usage))
                    .addExtension(Extension.extendedKeyUsage, false, new org.bouncycastle.asn1.x509.ExtendedKeyUsage(
                            profile.usages().stream().map(ExtendedKeyUsage::purpose).toArray(KeyPurposeId[]::new)))
                    .addExtension(Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(subjectKey))
                    .addExtension(Extension.authorityKeyIdentifier, false, authorityKeyId(ca.certificate(), utils));
            if (!profile.altNames().isEmpty()) {
                b.addExtension(Extension.subjectAlternativeName, false, generalNames(profile.altNames()));
            }
            return sign(b, ca.privateKey());
        } catch (GeneralSecurityException | CertIOException e) {
            throw new IllegalStateException("cannot issue certificate \"" + profile.commonName() + "\"", e);
        }
    }

    private X509Certificate sign(X509v3CertificateBuilder builder, java.security.PrivateKey signerKey) throws GeneralSecurityException {
        try {
            var contentSigner = new JcaContentSignerBuilder(Keys.signatureAlgorithm(signerKey))
                    .setSecureRandom(random).build(signerKey);
            return new JcaX509CertificateConverter().getCertificate(builder.build(contentSigner));
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException("cannot sign with a " + signerKey.getAlgorithm() + " key", e);
        }
    }

    /** The CA's own subject key identifier when it has one (a user CA may compute it differently), else SHA-1 of its key. */
    private static AuthorityKeyIdentifier authorityKeyId(X509Certificate ca, JcaX509ExtensionUtils utils) {
        byte[] ext = ca.getExtensionValue(Extension.subjectKeyIdentifier.getId());
        if (ext != null) {
            byte[] ski = SubjectKeyIdentifier.getInstance(ASN1OctetString.getInstance(ext).getOctets()).getKeyIdentifier();
            return new AuthorityKeyIdentifier(ski);
        }
        return new AuthorityKeyIdentifier(utils.createSubjectKeyIdentifier(ca.getPublicKey()).getKeyIdentifier());
    }

    private static GeneralNames generalNames(AltNames names) {
        List<GeneralName> out = new ArrayList<>();
        names.dnsNames().forEach(d -> out.add(new GeneralName(GeneralName.dNSName, d)));
        names.ipAddresses().forEach(ip -> out.add(new GeneralName(GeneralName.iPAddress, new DEROctetString(ip.getAddress()))));
        return new GeneralNames(out.toArray(GeneralName[]::new));
    }

    /** Organizations then common name: the order Go's pkix.Name writes, so subjects read as kubeadm's do. */
    private static X500Name name(String commonName, List<String> organizations) {
        X500NameBuilder b = new X500NameBuilder(BCStyle.INSTANCE);
        organizations.forEach(o -> b.addRDN(BCStyle.O, o));
        b.addRDN(BCStyle.CN, commonName);
        return b.build();
    }

    /** Random, positive and at least 63 bits like kubeadm's; 127 bits so collisions never matter. */
    private BigInteger serial() {
        return new BigInteger(127, random).setBit(126);
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.SECONDS); // X.509 times have whole seconds
    }
}
