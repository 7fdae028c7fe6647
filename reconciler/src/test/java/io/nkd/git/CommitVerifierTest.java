package io.nkd.git;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.bcpg.sig.KeyFlags;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.revwalk.RevCommit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Signed-commit verification. Keys are generated with BouncyCastle and commits signed through JGit's
 * {@code CommitCommand.setSign(true).setSigner(…)}; one test signs with the real git CLI and GnuPG
 * (temporary GNUPGHOME) and checks the two agree in both directions.
 */
class CommitVerifierTest {
    static PgpTestKey trusted;
    static PgpTestKey stranger;

    @TempDir
    Path tmp;
    Git git;

    @BeforeAll
    static void keys() throws Exception {
        trusted = PgpTestKey.generate("Cluster Admin <admin@example.org>");
        stranger = PgpTestKey.generate("Someone Else <mallory@example.org>");
    }

    @BeforeEach
    void repo() throws Exception {
        git = Git.init().setDirectory(tmp.resolve("repo").toFile()).setInitialBranch("main").call();
    }

    private RevCommit commit(String content, PgpTestKey signer) throws Exception {
        Files.writeString(tmp.resolve("repo/cluster.yaml"), content);
        git.add().addFilepattern("cluster.yaml").call();
        var cmd = git.commit().setMessage("change to " + content.trim()).setAuthor("A", "a@example.org")
                .setCommitter("A", "a@example.org");
        if (signer != null) {
            cmd.setSign(true).setSigner(signer.signer()).setSigningKey(signer.fingerprint());
        } else {
            cmd.setSign(false);
        }
        return cmd.call();
    }

    private static CommitVerifier verifierFor(PgpTestKey... keys) throws Exception {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (PgpTestKey k : keys) {
            all.write(k.armoredPublicKey());
        }
        return CommitVerifier.fromKeyring(all.toByteArray(), "test-keyring.asc");
    }

    private SignatureVerdict.Rejected rejected(SignatureVerdict v) {
        return assertInstanceOf(SignatureVerdict.Rejected.class, v);
    }

    @Test
    void aCommitSignedByATrustedKeyIsTrusted() throws Exception {
        RevCommit c = commit("v: 1\n", trusted);
        assertTrue(new String(c.getRawGpgSignature(), StandardCharsets.US_ASCII).startsWith("-----BEGIN PGP SIGNATURE"));
        SignatureVerdict v = verifierFor(trusted).verify(git.getRepository(), c);
        assertEquals(new SignatureVerdict.Trusted(c, trusted.fingerprint(), "Cluster Admin <admin@example.org>"), v);
    }

    @Test
    void anUnsignedCommitIsRejected() throws Exception {
        RevCommit c = commit("v: 1\n", null);
        SignatureVerdict.Rejected r = rejected(verifierFor(trusted).verify(git.getRepository(), c));
        assertEquals(SignatureVerdict.Reason.UNSIGNED, r.reason());
        assertEquals("commit " + c.name() + " is not signed", r.message());
    }

    @Test
    void aCommitSignedByAnotherKeyIsRejectedNamingTheKey() throws Exception {
        RevCommit c = commit("v: 1\n", stranger);
        SignatureVerdict.Rejected r = rejected(verifierFor(trusted).verify(git.getRepository(), c));
        assertEquals(SignatureVerdict.Reason.UNTRUSTED_KEY, r.reason());
        assertEquals("commit " + c.name() + " is signed by key " + stranger.fingerprint()
                + ", which is not in the trusted keyring test-keyring.asc", r.message());
    }

    @Test
    void aKeyringOfSeveralExportsTrustsEach() throws Exception {
        CommitVerifier both = verifierFor(trusted, stranger);
        assertEquals(List.of(trusted.fingerprint(), stranger.fingerprint()), both.trustedFingerprints());
        assertTrue(both.verify(git.getRepository(), commit("v: 1\n", stranger)).trusted());
        assertTrue(both.verify(git.getRepository(), commit("v: 2\n", trusted)).trusted());
    }

    @Test
    void aCommitChangedAfterSigningHasABadSignature() throws Exception {
        RevCommit c = commit("v: 1\n", trusted);
        String raw = new String(c.getRawBuffer(), StandardCharsets.UTF_8);
        byte[] forged = raw.replace("change to v: 1", "change to v: 666").getBytes(StandardCharsets.UTF_8);
        ObjectId forgedId;
        try (ObjectInserter ins = git.getRepository().newObjectInserter()) {
            forgedId = ins.insert(Constants.OBJ_COMMIT, forged);
            ins.flush();
        }
        SignatureVerdict.Rejected r = rejected(verifierFor(trusted).verify(git.getRepository(), forgedId));
        assertEquals(SignatureVerdict.Reason.BAD_SIGNATURE, r.reason(), r.message());
    }

    @Test
    void aSigningSubkeyCountsForItsPrimaryKeyUnlessNotCertifiedToSign() throws Exception {
        PgpTestKey withSubkey = PgpTestKey.generateWithSubkey("Sub Signer <sub@example.org>", KeyFlags.SIGN_DATA);
        SignatureVerdict v = verifierFor(withSubkey).verify(git.getRepository(), commit("v: 1\n", withSubkey));
        assertEquals(withSubkey.fingerprint(), assertInstanceOf(SignatureVerdict.Trusted.class, v).fingerprint());

        PgpTestKey encryptOnly = PgpTestKey.generateWithSubkey("Enc <enc@example.org>", KeyFlags.ENCRYPT_COMMS);
        SignatureVerdict.Rejected r = rejected(verifierFor(encryptOnly).verify(git.getRepository(),
                commit("v: 2\n", encryptOnly)));
        assertEquals(SignatureVerdict.Reason.KEY_NOT_VALID, r.reason());
        assertTrue(r.message().endsWith("which is a subkey not certified for signing"), r.message());
    }

    @Test
    void revokedAndExpiredKeysAreRejected() throws Exception {
        PgpTestKey revoked = trusted.revoked();
        SignatureVerdict.Rejected r = rejected(verifierFor(revoked).verify(git.getRepository(), commit("v: 1\n", trusted)));
        assertEquals(SignatureVerdict.Reason.KEY_NOT_VALID, r.reason());
        assertTrue(r.message().endsWith("which is revoked"), r.message());

        PgpTestKey expired = PgpTestKey.generate("Old <old@example.org>",
                new Date(System.currentTimeMillis() - Duration.ofDays(2).toMillis()), Duration.ofDays(1).toSeconds());
        r = rejected(verifierFor(expired).verify(git.getRepository(), commit("v: 2\n", expired)));
        assertEquals(SignatureVerdict.Reason.KEY_NOT_VALID, r.reason());
        assertTrue(r.message().endsWith("which had expired when the signature was made"), r.message());
    }

    @Test
    void sshSignaturesAreNotSupportedAndGarbageIsMalformed() throws Exception {
        String tree = "tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n";
        String who = "author A <a@example.org> 1700000000 +0000\ncommitter A <a@example.org> 1700000000 +0000\n";
        byte[] ssh = (tree + who + "gpgsig -----BEGIN SSH SIGNATURE-----\n U1NIU0lH\n -----END SSH SIGNATURE-----\n\nmsg\n")
                .getBytes(StandardCharsets.US_ASCII);
        CommitVerifier v = verifierFor(trusted);
        assertEquals(SignatureVerdict.Reason.UNSUPPORTED_FORMAT, rejected(v.verify(ObjectId.zeroId(), ssh)).reason());
        byte[] garbage = (tree + who + "gpgsig -----BEGIN PGP SIGNATURE-----\n \n bm90IGEgc2lnbmF0dXJl\n"
                + " -----END PGP SIGNATURE-----\n\nmsg\n").getBytes(StandardCharsets.US_ASCII);
        assertEquals(SignatureVerdict.Reason.MALFORMED_SIGNATURE, rejected(v.verify(ObjectId.zeroId(), garbage)).reason());
        // "gpgsig" in the message is not a header
        byte[] inMessage = (tree + who + "\ngpgsig -----BEGIN PGP SIGNATURE-----\n").getBytes(StandardCharsets.US_ASCII);
        assertEquals(SignatureVerdict.Reason.UNSIGNED, rejected(v.verify(ObjectId.zeroId(), inMessage)).reason());
    }

    @Test
    void aMissingCommitAndABadKeyringAreReported() throws Exception {
        ObjectId absent = ObjectId.fromString("0123456789abcdef0123456789abcdef01234567");
        assertEquals(SignatureVerdict.Reason.MISSING_COMMIT,
                rejected(verifierFor(trusted).verify(git.getRepository(), absent)).reason());
        Path bad = tmp.resolve("keys.asc");
        Files.writeString(bad, "not a key\n");
        String message = assertThrows(java.io.IOException.class, () -> CommitVerifier.fromKeyring(bad)).getMessage();
        assertTrue(message.startsWith("trusted keyring " + bad), message);
    }

    @Test
    void gitAndGnuPgAgreeWithTheVerifier() throws Exception {
        io.nkd.testkit.Ci.require(onPath("gpg") && onPath("gpgconf"), "gpg or gpgconf is not on PATH: apt-get install gpg gpgconf");
        Path gnupg = Files.createDirectories(tmp.resolve("gnupg"));
        Files.setPosixFilePermissions(gnupg, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        Map<String, String> env = Map.of("GNUPGHOME", gnupg.toString());
        try {
            run(env, "gpg", "--batch", "--pinentry-mode", "loopback", "--passphrase", "", "--quick-gen-key",
                    "CLI Signer <cli@example.org>", "ed25519", "sign", "never");
            Path keyring = tmp.resolve("cli.asc");
            Files.writeString(keyring, run(env, "gpg", "--armor", "--export", "cli@example.org"));
            Path work = tmp.resolve("repo");
            Files.writeString(work.resolve("cluster.yaml"), "v: cli\n");
            GitDaemon.git(work, env, "add", "cluster.yaml");
            GitDaemon.git(work, env, "-c", "user.signingkey=cli@example.org", "-c", "gpg.program=gpg",
                    "commit", "-q", "-S", "-m", "signed by git and gpg");
            ObjectId cliCommit = ObjectId.fromString(GitDaemon.git(work, "rev-parse", "HEAD"));

            SignatureVerdict v = CommitVerifier.fromKeyring(keyring).verify(git.getRepository(), cliCommit);
            assertEquals("CLI Signer <cli@example.org>", assertInstanceOf(SignatureVerdict.Trusted.class, v).userId());
            assertFalse(verifierFor(trusted).verify(git.getRepository(), cliCommit).trusted());

            // and git verify-commit accepts what JGit signed with the BouncyCastle key
            Path ours = tmp.resolve("ours.asc");
            Files.write(ours, trusted.armoredPublicKey());
            run(env, "gpg", "--batch", "--import", ours.toString());
            RevCommit jgitCommit = commit("v: jgit\n", trusted);
            GitDaemon.git(work, env, "-c", "gpg.program=gpg", "verify-commit", jgitCommit.name());
        } finally {
            // only the agent of this test's GNUPGHOME
            new ProcessBuilder("gpgconf", "--homedir", gnupg.toString(), "--kill", "all").redirectErrorStream(true)
                    .start().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static boolean onPath(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }

    private static String run(Map<String, String> env, String... cmd) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + ": " + out);
        return out;
    }
}
