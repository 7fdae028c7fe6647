package io.nkd.git;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.security.SecureRandom;
import java.util.Date;
import org.bouncycastle.bcpg.ArmoredOutputStream;
import org.bouncycastle.bcpg.HashAlgorithmTags;
import org.bouncycastle.bcpg.PublicKeyAlgorithmTags;
import org.bouncycastle.bcpg.sig.KeyFlags;
import org.bouncycastle.crypto.generators.Ed25519KeyPairGenerator;
import org.bouncycastle.crypto.params.Ed25519KeyGenerationParameters;
import org.bouncycastle.openpgp.PGPKeyPair;
import org.bouncycastle.openpgp.PGPKeyRingGenerator;
import org.bouncycastle.openpgp.PGPPrivateKey;
import org.bouncycastle.openpgp.PGPPublicKey;
import org.bouncycastle.openpgp.PGPPublicKeyRing;
import org.bouncycastle.openpgp.PGPSignature;
import org.bouncycastle.openpgp.PGPSignatureGenerator;
import org.bouncycastle.openpgp.PGPSignatureSubpacketGenerator;
import org.bouncycastle.openpgp.operator.bc.BcPGPContentSignerBuilder;
import org.bouncycastle.openpgp.operator.bc.BcPGPDigestCalculatorProvider;
import org.bouncycastle.openpgp.operator.bc.BcPGPKeyPair;
import org.eclipse.jgit.lib.GpgConfig;
import org.eclipse.jgit.lib.GpgSignature;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.lib.Signer;
import org.eclipse.jgit.transport.CredentialsProvider;

/**
 * An OpenPGP key generated with BouncyCastle for tests (Ed25519, the "legacy" EdDSA that GnuPG 2.2 and
 * git use), and a JGit {@link Signer} that signs commits with it: {@code CommitCommand.setSign(true)
 * .setSigner(key.signer())}.
 */
final class PgpTestKey {
    private static final int ALGORITHM = PublicKeyAlgorithmTags.EDDSA_LEGACY;

    final PGPPublicKeyRing publicRing;
    private final PGPPrivateKey signingPrivate;
    private final PGPPublicKey signingPublic;

    private PgpTestKey(PGPPublicKeyRing publicRing, PGPPrivateKey signingPrivate, PGPPublicKey signingPublic) {
        this.publicRing = publicRing;
        this.signingPrivate = signingPrivate;
        this.signingPublic = signingPublic;
    }

    private static PGPKeyPair keyPair(Date created) throws Exception {
        Ed25519KeyPairGenerator g = new Ed25519KeyPairGenerator();
        g.init(new Ed25519KeyGenerationParameters(new SecureRandom()));
        return new BcPGPKeyPair(ALGORITHM, g.generateKeyPair(), created);
    }

    /** A primary key that certifies and signs. */
    static PgpTestKey generate(String userId) throws Exception {
        return generate(userId, new Date(), 0);
    }

    /** A primary key created at {@code created}, expiring {@code validSeconds} later (0: never). */
    static PgpTestKey generate(String userId, Date created, long validSeconds) throws Exception {
        PGPKeyPair primary = keyPair(created);
        PGPSignatureSubpacketGenerator hashed = new PGPSignatureSubpacketGenerator();
        hashed.setKeyFlags(false, KeyFlags.CERTIFY_OTHER | KeyFlags.SIGN_DATA);
        if (validSeconds > 0) {
            hashed.setKeyExpirationTime(false, validSeconds);
        }
        PGPKeyRingGenerator gen = generator(primary, userId, hashed);
        return new PgpTestKey(gen.generatePublicKeyRing(), primary.getPrivateKey(), primary.getPublicKey());
    }

    /** A certify-only primary key with a subkey that signs (flags {@code subkeyFlags}); signatures use the subkey. */
    static PgpTestKey generateWithSubkey(String userId, int subkeyFlags) throws Exception {
        PGPKeyPair primary = keyPair(new Date());
        PGPSignatureSubpacketGenerator hashed = new PGPSignatureSubpacketGenerator();
        hashed.setKeyFlags(false, KeyFlags.CERTIFY_OTHER);
        PGPKeyRingGenerator gen = generator(primary, userId, hashed);
        PGPKeyPair sub = keyPair(new Date());
        PGPSignatureSubpacketGenerator subHashed = new PGPSignatureSubpacketGenerator();
        subHashed.setKeyFlags(false, subkeyFlags);
        gen.addSubKey(sub, subHashed.generate(), null);
        PGPPublicKeyRing ring = gen.generatePublicKeyRing();
        return new PgpTestKey(ring, sub.getPrivateKey(), ring.getPublicKey(sub.getKeyID()));
    }

    private static PGPKeyRingGenerator generator(PGPKeyPair primary, String userId, PGPSignatureSubpacketGenerator hashed)
            throws Exception {
        return new PGPKeyRingGenerator(PGPSignature.POSITIVE_CERTIFICATION, primary, userId,
                new BcPGPDigestCalculatorProvider().get(HashAlgorithmTags.SHA1), hashed.generate(), null,
                new BcPGPContentSignerBuilder(ALGORITHM, HashAlgorithmTags.SHA256), null);
    }

    /** This key with a key-revocation signature added (as {@code gpg --gen-revoke} + import would). */
    PgpTestKey revoked() throws Exception {
        PGPSignatureGenerator g = new PGPSignatureGenerator(new BcPGPContentSignerBuilder(ALGORITHM,
                HashAlgorithmTags.SHA256), publicRing.getPublicKey());
        g.init(PGPSignature.KEY_REVOCATION, signingPrivate);
        PGPPublicKey primary = publicRing.getPublicKey();
        PGPSignature revocation = g.generateCertification(primary);
        PGPPublicKey revokedKey = PGPPublicKey.addCertification(primary, revocation);
        return new PgpTestKey(PGPPublicKeyRing.insertPublicKey(publicRing, revokedKey), signingPrivate, revokedKey);
    }

    String fingerprint() {
        return CommitVerifier.hex(publicRing.getPublicKey().getFingerprint());
    }

    /** {@code gpg --export --armor}. */
    byte[] armoredPublicKey() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ArmoredOutputStream armor = new ArmoredOutputStream(out)) {
            publicRing.encode(armor);
        }
        return out.toByteArray();
    }

    /** A detached, armored OpenPGP signature, as {@code gpg --detach-sign --armor} makes for {@code git commit -S}. */
    byte[] sign(byte[] data) throws Exception {
        PGPSignatureGenerator g = new PGPSignatureGenerator(new BcPGPContentSignerBuilder(ALGORITHM,
                HashAlgorithmTags.SHA256), signingPublic);
        g.init(PGPSignature.BINARY_DOCUMENT, signingPrivate);
        PGPSignatureSubpacketGenerator hashed = new PGPSignatureSubpacketGenerator();
        hashed.setSignatureCreationTime(false, new Date());
        hashed.setIssuerFingerprint(false, signingPublic);
        g.setHashedSubpackets(hashed.generate());
        g.update(data);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ArmoredOutputStream armor = new ArmoredOutputStream(out)) {
            g.generate().encode(armor);
        }
        return out.toByteArray();
    }

    Signer signer() {
        return new Signer() {
            @Override
            public GpgSignature sign(Repository repo, GpgConfig config, byte[] data, PersonIdent committer,
                    String signingKey, CredentialsProvider credentials) throws IOException {
                try {
                    return new GpgSignature(PgpTestKey.this.sign(data));
                } catch (IOException e) {
                    throw e;
                } catch (Exception e) {
                    throw new IOException(e);
                }
            }

            @Override
            public boolean canLocateSigningKey(Repository repo, GpgConfig config, PersonIdent committer,
                    String signingKey, CredentialsProvider credentials) {
                return true;
            }
        };
    }
}
