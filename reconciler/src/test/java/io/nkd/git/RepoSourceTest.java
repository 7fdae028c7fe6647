package io.nkd.git;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectIdRef;
import org.eclipse.jgit.lib.Ref;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Configuration records: URLs, ref selectors, auth rules, secret sources. */
class RepoSourceTest {
    @TempDir
    Path tmp;

    @Test
    void refSelectorsParseFromConfiguration() {
        assertEquals(new RefSelector.Branch("main"), RefSelector.parse(null));
        assertEquals(new RefSelector.Branch("main"), RefSelector.parse(""));
        assertEquals(new RefSelector.Branch("production"), RefSelector.parse("production"));
        assertEquals(new RefSelector.Branch("release/1.x"), RefSelector.parse("branch:release/1.x"));
        assertEquals(new RefSelector.Branch("main"), RefSelector.parse("refs/heads/main"));
        assertEquals(new RefSelector.Tag("v1.2.0"), RefSelector.parse("tag:v1.2.0"));
        assertEquals(new RefSelector.Tag("v1.2.0"), RefSelector.parse("refs/tags/v1.2.0"));
        assertEquals(new RefSelector.Semver(">=1.2.0 <2.0.0"), RefSelector.parse("semver: >=1.2.0 <2.0.0"));
        String id = "6113728f27ae82c7b1a177c8d03f9e96e0adf246";
        assertEquals(new RefSelector.Commit(ObjectId.fromString(id)), RefSelector.parse(id.toUpperCase()));
        assertEquals(new RefSelector.Commit(id), RefSelector.parse("commit:" + id));
        assertEquals("the highest tag in semver range \"^1.2\"", RefSelector.parse("semver:^1.2").describe());
        assertEquals("branch main", RefSelector.defaultBranch().describe());
    }

    @Test
    void badSelectorsAreRejectedWithTheReason() {
        assertMessage("unknown ref kind \"sha\"", () -> RefSelector.parse("sha:abc"));
        assertMessage("\"a..b\" is not a valid branch name", () -> RefSelector.parse("a..b"));
        assertMessage("not \"6113728\"", () -> RefSelector.parse("commit:6113728"));
        assertMessage("is not a version", () -> RefSelector.parse("semver:latest"));
        assertMessage("empty tag name", () -> RefSelector.parse("tag:"));
    }

    @Test
    void theHighestMatchingTagWinsAndTiesBreakByName() {
        ObjectId a = ObjectId.fromString("1111111111111111111111111111111111111111");
        List<Ref> tags = List.of(tag("refs/tags/v1.2.0", a), tag("refs/tags/1.2.0", a), tag("refs/tags/v1.10.0", a),
                tag("refs/tags/v1.2.0+build.5", a), tag("refs/tags/nightly", a), tag("refs/heads/v9.0.0", a));
        assertEquals("refs/tags/v1.10.0", RefAdvertisement.highest(tags, VersionRange.parse("^1")).orElseThrow().getName());
        assertEquals("refs/tags/1.2.0", RefAdvertisement.highest(tags, VersionRange.parse("~1.2")).orElseThrow().getName());
        assertEquals(Optional.empty(), RefAdvertisement.highest(tags, VersionRange.parse(">=9")),
                "branches are never candidates");
    }

    private static Ref tag(String name, ObjectId id) {
        return new ObjectIdRef.PeeledNonTag(Ref.Storage.NETWORK, name, id);
    }

    @Test
    void urlsOfEveryKind() {
        assertEquals(RepoSource.Scheme.HTTPS, RepoSource.of("https://github.com/acme/clusters.git").scheme());
        assertEquals(RepoSource.Scheme.HTTP, RepoSource.of("http://git.lab/clusters.git").scheme());
        assertEquals(RepoSource.Scheme.GIT, RepoSource.of("git://127.0.0.1:9418/clusters.git").scheme());
        assertEquals(RepoSource.Scheme.FILE, RepoSource.of("file:///srv/git/clusters.git").scheme());
        RepoSource local = RepoSource.of("relative/clusters.git");
        assertEquals(RepoSource.Scheme.FILE, local.scheme());
        assertTrue(Path.of(local.url()).isAbsolute(), local.url());
        GitAuth ssh = new GitAuth.SshKey(tmp.resolve("id"), tmp.resolve("known_hosts"));
        RepoSource scp = new RepoSource("git@github.com:acme/clusters.git", RefSelector.defaultBranch(), ssh);
        assertEquals(RepoSource.Scheme.SSH, scp.scheme());
        assertEquals("github.com", scp.uri().getHost());
        assertEquals(RepoSource.Scheme.SSH,
                new RepoSource("ssh://git@git.acme.example:2222/clusters.git", RefSelector.defaultBranch(), ssh).scheme());
    }

    @Test
    void authMustFitTheUrl() {
        GitAuth token = new GitAuth.HttpsToken(new SecretSource.FromEnv("NKD_GIT_TOKEN"));
        GitAuth ssh = new GitAuth.SshKey(tmp.resolve("id"), tmp.resolve("known_hosts"));
        new RepoSource("https://github.com/acme/clusters.git", RefSelector.defaultBranch(), token);
        assertMessage("clear text", () -> new RepoSource("http://git.lab/c.git", RefSelector.defaultBranch(), token));
        assertMessage("need an https:// URL", () -> new RepoSource("git@github.com:a/c.git", RefSelector.defaultBranch(), token));
        assertMessage("needs an ssh://", () -> new RepoSource("https://github.com/a/c.git", RefSelector.defaultBranch(), ssh));
        assertMessage("an SSH URL needs an SSH key and a known_hosts file", () -> RepoSource.of("git@github.com:a/c.git"));
        assertMessage("unsupported URL scheme \"ftp\"", () -> RepoSource.of("ftp://example.org/c.git"));
        assertMessage("repository URL is empty", () -> RepoSource.of(" "));
    }

    @Test
    void aPasswordInTheUrlIsRefusedWithoutRepeatingIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RepoSource.of("https://ops:hunter2@github.com/acme/clusters.git"));
        assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
        assertTrue(e.getMessage().contains("contains a password"), e.getMessage());
    }

    @Test
    void toStringNamesSourcesNeverSecrets() throws Exception {
        Path tokenFile = tmp.resolve("token");
        Files.writeString(tokenFile, "ghp_supersecret\n");
        RepoSource s = new RepoSource("https://github.com/acme/clusters.git", RefSelector.parse("semver:^1"),
                new GitAuth.HttpsToken(new SecretSource.FromFile(tokenFile)));
        assertEquals("https://github.com/acme/clusters.git (the highest tag in semver range \"^1\", HTTPS token from file "
                + tokenFile + ")", s.toString());
        assertFalse(s.auth().toString().contains("ghp_"), s.auth().toString());
        GitAuth basic = new GitAuth.HttpsBasic("ops", new SecretSource.FromEnv("GIT_PASSWORD"));
        assertEquals("HTTPS user ops with password from environment variable GIT_PASSWORD", basic.describe());
    }

    @Test
    void secretsAreReadAtUseWithOneTrailingNewlineDropped() throws Exception {
        Path file = tmp.resolve("token");
        Files.writeString(file, "abc\r\n");
        assertArrayEquals("abc".toCharArray(), new SecretSource.FromFile(file).read());
        Files.writeString(file, "rotated\n\n");
        assertArrayEquals("rotated\n".toCharArray(), new SecretSource.FromFile(file).read(), "only one newline");
        SecretSource env = new SecretSource.FromEnv("NKD_TOKEN");
        assertArrayEquals("t0k".toCharArray(), env.read(Map.of("NKD_TOKEN", "t0k")::get));
        assertMessage("environment variable NKD_TOKEN is not set",
                () -> env.read(Map.<String, String>of()::get));
        assertMessage("environment variable NKD_TOKEN is empty", () -> env.read(Map.of("NKD_TOKEN", "\n")::get));
        assertMessage("secret file " + tmp.resolve("absent") + " does not exist",
                () -> new SecretSource.FromFile(tmp.resolve("absent")).read());
        Files.write(file, new byte[] {(byte) 0xff, (byte) 0xfe});
        assertMessage("is not UTF-8 text", () -> new SecretSource.FromFile(file).read());
        assertMessage("not an environment variable name", () -> new SecretSource.FromEnv("A-B"));
    }

    private interface Action {
        void run() throws Exception;
    }

    private static void assertMessage(String part, Action action) {
        Exception e = assertThrows(Exception.class, action::run);
        assertTrue(e.getMessage().contains(part), "expected \"" + part + "\" in: " + e.getMessage());
    }
}
