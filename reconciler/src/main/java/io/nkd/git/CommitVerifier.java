package io.nkd.git;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Date;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import org.bouncycastle.bcpg.ArmoredInputStream;
import org.bouncycastle.bcpg.KeyIdentifier;
import org.bouncycastle.bcpg.sig.KeyFlags;
import org.bouncycastle.openpgp.PGPException;
import org.bouncycastle.openpgp.PGPPublicKey;
import org.bouncycastle.openpgp.PGPPublicKeyRing;
import org.bouncycastle.openpgp.PGPPublicKeyRingCollection;
import org.bouncycastle.openpgp.PGPSignature;
import org.bouncycastle.openpgp.PGPSignatureList;
import org.bouncycastle.openpgp.bc.BcPGPObjectFactory;
import org.bouncycastle.openpgp.operator.bc.BcKeyFingerprintCalculator;
import org.bouncycastle.openpgp.operator.bc.BcPGPContentVerifierBuilderProvider;
import org.eclipse.jgit.errors.MissingObjectException;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevWalk;

/**
 * Checks the OpenPGP signature of a commit against a keyring of trusted public keys
 * ({@code nkd serve --verify-commits KEYRING}, an armored {@code gpg --export --armor} of the keys allowed
 * to change clusters). The keyring is the whole trust decision: no web of trust, no key server, no
 * {@code ~/.gnupg}. This is why JGit's own verifier is not used: it resolves keys from the user's GnuPG
 * home. BouncyCastle does the cryptography.
 *
 * <p>The signed payload is the raw commit with its {@code gpgsig} header removed, exactly as
 * {@code git verify-commit} computes it. A signing subkey counts only when the keyring binds it to its
 * primary key for signing; revoked keys and keys expired at signing time are refused.
 */
public final class CommitVerifier {
    private static final byte[] GPGSIG = "gpgsig ".getBytes(StandardCharsets.US_ASCII);

    private final PGPPublicKeyRingCollection keyring;
    private final String source;

    private CommitVerifier(PGPPublicKeyRingCollection keyring, String source) {
        this.keyring = keyring;
        this.source = source;
    }

    /** Reads an armored (one or more concatenated blocks) or binary keyring file. */
    public static CommitVerifier fromKeyring(Path file) throws IOException {
        return fromKeyring(Files.readAllBytes(file), file.toString());
    }

    /** As {@link #fromKeyring(Path)}, from bytes; {@code source} names them in messages. */
    public static CommitVerifier fromKeyring(byte[] keyringBytes, String source) throws IOException {
        List<PGPPublicKeyRing> rings = new ArrayList<>();
        try (InputStream in = new ByteArrayInputStream(keyringBytes)) {
            boolean armored = keyringBytes.length > 0 && (keyringBytes[0] & 0x80) == 0;
            if (!armored) {
                new PGPPublicKeyRingCollection(in, new BcKeyFingerprintCalculator()).forEach(rings::add);
            } else {
                // ArmoredInputStream stops at the end of a block; concatenated exports have several
                while (in.available() > 0) {
                    ArmoredInputStream armor = new ArmoredInputStream(in);
                    PGPPublicKeyRingCollection c = new PGPPublicKeyRingCollection(armor, new BcKeyFingerprintCalculator());
                    c.forEach(rings::add);
                    if (c.size() == 0) {
                        break;
                    }
                }
            }
        } catch (PGPException | IOException | RuntimeException e) {
            throw new IOException("trusted keyring " + source + " is not an OpenPGP public keyring: " + e.getMessage(), e);
        }
        if (rings.isEmpty()) {
            throw new IOException("trusted keyring " + source + " holds no public keys");
        }
        return new CommitVerifier(new PGPPublicKeyRingCollection(rings), source);
    }

    /** Fingerprints (upper-case hex) of the trusted primary keys, for the startup log. */
    public List<String> trustedFingerprints() {
        List<String> out = new ArrayList<>();
        keyring.forEach(r -> out.add(hex(r.getPublicKey().getFingerprint())));
        return out;
    }

    /** Verifies a commit of a repository. */
    public SignatureVerdict verify(Repository repo, ObjectId commit) {
        try (RevWalk walk = new RevWalk(repo)) {
            return verify(commit, walk.parseCommit(commit).getRawBuffer());
        } catch (MissingObjectException e) {
            return reject(commit, SignatureVerdict.Reason.MISSING_COMMIT, "commit " + commit.name() + " is not fetched");
        } catch (IOException e) {
            return reject(commit, SignatureVerdict.Reason.MISSING_COMMIT, "cannot read commit " + commit.name() + ": "
                    + e.getMessage());
        }
    }

    /** Verifies a raw commit object (the bytes {@code git cat-file commit} prints). */
    public SignatureVerdict verify(ObjectId commit, byte[] raw) {
        int[] header = findSignatureHeader(raw);
        if (header == null) {
            return reject(commit, SignatureVerdict.Reason.UNSIGNED, "commit " + commit.name() + " is not signed");
        }
        String armored = signatureText(raw, header[0], header[1]);
        if (!armored.startsWith("-----BEGIN PGP SIGNATURE-----")) {
            String kind = armored.startsWith("-----BEGIN SSH SIGNATURE-----") ? "an SSH key" : "a non-OpenPGP format";
            return reject(commit, SignatureVerdict.Reason.UNSUPPORTED_FORMAT, "commit " + commit.name()
                    + " is signed with " + kind + "; nkd verifies OpenPGP signatures only");
        }
        byte[] payload = new byte[raw.length - (header[1] - header[0])];
        System.arraycopy(raw, 0, payload, 0, header[0]);
        System.arraycopy(raw, header[1], payload, header[0], raw.length - header[1]);

        List<PGPSignature> signatures;
        try {
            signatures = parseSignatures(armored);
        } catch (IOException | PGPException | RuntimeException e) {
            return reject(commit, SignatureVerdict.Reason.MALFORMED_SIGNATURE, "commit " + commit.name()
                    + " has an unreadable signature: " + e.getMessage());
        }
        SignatureVerdict last = null;
        for (PGPSignature sig : signatures) {
            last = check(commit, sig, payload);
            if (last.trusted()) {
                return last;
            }
        }
        return last != null ? last : reject(commit, SignatureVerdict.Reason.MALFORMED_SIGNATURE,
                "commit " + commit.name() + " has an empty signature block");
    }

    private SignatureVerdict check(ObjectId commit, PGPSignature sig, byte[] payload) {
        PGPPublicKey key = findKey(sig);
        if (key == null) {
            return reject(commit, SignatureVerdict.Reason.UNTRUSTED_KEY, "commit " + commit.name()
                    + " is signed by key " + issuer(sig) + ", which is not in the trusted keyring " + source);
        }
        PGPPublicKeyRing ring;
        try {
            ring = keyring.getPublicKeyRing(key.getKeyID());
            if (sig.getSignatureType() != PGPSignature.BINARY_DOCUMENT
                    && sig.getSignatureType() != PGPSignature.CANONICAL_TEXT_DOCUMENT) {
                return reject(commit, SignatureVerdict.Reason.BAD_SIGNATURE, "commit " + commit.name()
                        + " carries a signature of type " + sig.getSignatureType() + ", not a document signature");
            }
            sig.init(new BcPGPContentVerifierBuilderProvider(), key);
            sig.update(payload);
            if (!sig.verify()) {
                return reject(commit, SignatureVerdict.Reason.BAD_SIGNATURE, "commit " + commit.name()
                        + " has a bad signature by key " + hex(key.getFingerprint())
                        + ": the commit was modified after signing");
            }
        } catch (PGPException | RuntimeException e) {
            return reject(commit, SignatureVerdict.Reason.BAD_SIGNATURE, "commit " + commit.name()
                    + ": the signature cannot be checked: " + e.getMessage());
        }
        String invalid = KeyValidity.whyInvalid(ring, key, sig.getCreationTime());
        if (invalid != null) {
            return reject(commit, SignatureVerdict.Reason.KEY_NOT_VALID, "commit " + commit.name() + " is signed by key "
                    + hex(key.getFingerprint()) + ", which " + invalid);
        }
        PGPPublicKey primary = ring.getPublicKey();
        Iterator<String> ids = primary.getUserIDs();
        return new SignatureVerdict.Trusted(commit, hex(primary.getFingerprint()), ids.hasNext() ? ids.next() : "");
    }

    private PGPPublicKey findKey(PGPSignature sig) {
        try {
            for (KeyIdentifier id : sig.getKeyIdentifiers()) {
                PGPPublicKey k = id.getFingerprint() != null ? keyring.getPublicKey(id.getFingerprint())
                        : keyring.getPublicKey(id.getKeyId());
                if (k != null) {
                    return k;
                }
            }
            return sig.getKeyID() == 0 ? null : keyring.getPublicKey(sig.getKeyID());
        } catch (RuntimeException e) {
            return null; // a malformed issuer subpacket: treated as an unknown key
        }
    }

    private static String issuer(PGPSignature sig) {
        for (KeyIdentifier id : sig.getKeyIdentifiers()) {
            if (id.getFingerprint() != null) {
                return hex(id.getFingerprint());
            }
        }
        return String.format(Locale.ROOT, "%016X", sig.getKeyID());
    }

    private static List<PGPSignature> parseSignatures(String armored) throws IOException, PGPException {
        List<PGPSignature> out = new ArrayList<>();
        try (InputStream in = new ArmoredInputStream(new ByteArrayInputStream(armored.getBytes(StandardCharsets.US_ASCII)))) {
            BcPGPObjectFactory factory = new BcPGPObjectFactory(in);
            for (Object o = factory.nextObject(); o != null; o = factory.nextObject()) {
                if (o instanceof PGPSignatureList list) {
                    list.forEach(out::add);
                }
            }
        }
        return out;
    }

    /** Start (inclusive) and end (exclusive, after the last continuation line's LF) of the gpgsig header. */
    private static int[] findSignatureHeader(byte[] raw) {
        int lineStart = 0;
        while (lineStart < raw.length && raw[lineStart] != '\n') { // a blank line ends the headers
            if (startsWith(raw, lineStart, GPGSIG)) {
                int end = nextLine(raw, lineStart);
                while (end < raw.length && raw[end] == ' ') {
                    end = nextLine(raw, end);
                }
                return new int[] {lineStart, end};
            }
            lineStart = nextLine(raw, lineStart);
        }
        return null;
    }

    private static String signatureText(byte[] raw, int start, int end) {
        String header = new String(raw, start + GPGSIG.length, end - start - GPGSIG.length, StandardCharsets.US_ASCII);
        return header.replace("\n ", "\n").strip();
    }

    private static int nextLine(byte[] raw, int from) {
        for (int i = from; i < raw.length; i++) {
            if (raw[i] == '\n') {
                return i + 1;
            }
        }
        return raw.length;
    }

    private static boolean startsWith(byte[] raw, int at, byte[] prefix) {
        if (at + prefix.length > raw.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (raw[at + i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    static String hex(byte[] bytes) {
        return HexFormat.of().withUpperCase().formatHex(bytes);
    }

    private static SignatureVerdict reject(ObjectId commit, SignatureVerdict.Reason reason, String message) {
        return new SignatureVerdict.Rejected(commit.copy(), reason, message);
    }

    /** Whether a trusted key could sign at a given time. */
    static final class KeyValidity {
        private KeyValidity() {
        }

        /** Null when valid, else the end of "key X, which …". */
        static String whyInvalid(PGPPublicKeyRing ring, PGPPublicKey key, Date signedAt) {
            PGPPublicKey primary = ring.getPublicKey();
            if (primary.hasRevocation() || key.hasRevocation()) {
                return "is revoked";
            }
            for (PGPPublicKey k : key.isMasterKey() ? List.of(key) : List.of(primary, key)) {
                if (signedAt.before(k.getCreationTime())) {
                    return "did not exist when the signature was made";
                }
                long valid = k.getValidSeconds();
                if (valid > 0 && signedAt.getTime() > k.getCreationTime().getTime() + valid * 1000) {
                    return "had expired when the signature was made";
                }
            }
            return key.isMasterKey() ? null : subkeyBindingProblem(primary, key);
        }

        private static String subkeyBindingProblem(PGPPublicKey primary, PGPPublicKey subkey) {
            Iterator<PGPSignature> bindings = subkey.getSignaturesOfType(PGPSignature.SUBKEY_BINDING);
            while (bindings.hasNext()) {
                PGPSignature binding = bindings.next();
                try {
                    binding.init(new BcPGPContentVerifierBuilderProvider(), primary);
                    if (!binding.verifyCertification(primary, subkey)) {
                        continue;
                    }
                } catch (PGPException | RuntimeException e) {
                    continue;
                }
                int flags = binding.getHashedSubPackets() == null ? 0 : binding.getHashedSubPackets().getKeyFlags();
                return flags == 0 || (flags & KeyFlags.SIGN_DATA) != 0 ? null : "is a subkey not certified for signing";
            }
            return "is a subkey without a valid binding to its primary key";
        }
    }
}
