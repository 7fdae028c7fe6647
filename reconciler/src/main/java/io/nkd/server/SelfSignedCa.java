package io.nkd.server;

import io.nkd.pki.CertKeyPair;
import io.nkd.config.KeyAlgorithm;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A self-signed ECDSA P-256 CA. io.nkd.pki makes its CAs only as part of a cluster's PKI, so this builds
 * the one the server needs with the same profile (RFC 5280 CA usages, backdated 5 minutes for clock skew),
 * plus path length 0: it signs server certificates only, never another CA.
 */
final class SelfSignedCa {
    private static final Duration BACKDATE = Duration.ofMinutes(5);

    private SelfSignedCa() {
    }

    static CertKeyPair create(String commonName, Duration validity, SecureRandom random, Clock clock) {
        KeyPair keys = KeyAlgorithm.ECDSA_P256.generate(random);
        Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, commonName).build();
        BigInteger serial = new BigInteger(127, random).setBit(126);
        try {
            var builder = new JcaX509v3CertificateBuilder(subject, serial, Date.from(now.minus(BACKDATE)), Date.from(now.plus(validity)),
                    subject, keys.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                    .addExtension(Extension.keyUsage, true,
                            new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature))
                    .addExtension(Extension.subjectKeyIdentifier, false,
                            new JcaX509ExtensionUtils().createSubjectKeyIdentifier(keys.getPublic()));
            var signer = new JcaContentSignerBuilder("SHA256withECDSA").setSecureRandom(random).build(keys.getPrivate());
            return new CertKeyPair(new JcaX509CertificateConverter().getCertificate(builder.build(signer)), keys.getPrivate());
        } catch (GeneralSecurityException | CertIOException | OperatorCreationException e) {
            throw new IllegalStateException("cannot create the CA " + commonName, e);
        }
    }
}
