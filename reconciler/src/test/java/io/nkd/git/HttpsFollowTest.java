package io.nkd.git;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.StoredConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Token and basic authentication over HTTPS against {@code git http-backend} behind the JDK's HTTPS server
 * on loopback. The server's certificate is self-signed, so these clones set {@code http.sslVerify=false};
 * nkd itself never does.
 */
class HttpsFollowTest {
    static final String TOKEN = "ghp_TestToken1234567890";

    @TempDir
    static Path tmp;
    static HttpsGitServer server;
    static String head;

    @BeforeAll
    static void start() throws Exception {
        Path repos = Files.createDirectories(tmp.resolve("repos"));
        GitDaemon.git(repos, "init", "-q", "--bare", "--initial-branch=main", "config.git");
        GitDaemon.Work w = new GitDaemon.Work(tmp.resolve("work"), repos.resolve("config.git").toString());
        head = w.commit("clusters/a/cluster.yaml", "name: a\n");
        w.push("main");
        server = HttpsGitServer.start(repos, GitAuth.HttpsToken.TOKEN_USER, TOKEN);
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    @BeforeEach
    void reset() {
        server.setCredentials(GitAuth.HttpsToken.TOKEN_USER, TOKEN);
        server.offeredUsers.clear();
        server.statuses.clear();
    }

    private static RepoFollower follow(String state, GitAuth auth, Map<String, String> env) throws Exception {
        RepoFollower f = RepoFollower.open(new RepoSource(server.url("config"), RefSelector.defaultBranch(), auth),
                tmp.resolve(state), Duration.ofSeconds(20), env::get);
        StoredConfig config = f.repository().getConfig();
        config.setBoolean("http", null, "sslVerify", false); // the test server's certificate is self-signed
        config.save();
        return f;
    }

    private static Path tokenFile(String name, String content) throws Exception {
        Path file = tmp.resolve(name);
        Files.writeString(file, content);
        return file;
    }

    @Test
    void aTokenFromAFileAuthenticates() throws Exception {
        GitAuth auth = new GitAuth.HttpsToken(new SecretSource.FromFile(tokenFile("token-ok", TOKEN + "\n")));
        try (RepoFollower f = follow("state-token", auth, Map.of())) {
            assertEquals(Optional.of(ObjectId.fromString(head)), f.remoteHead());
            assertEquals(new FetchOutcome.Initial(ObjectId.fromString(head), "refs/heads/main"), f.fetch());
            assertEquals("name: a\n", f.snapshot(ObjectId.fromString(head)).text("clusters/a/cluster.yaml").orElseThrow());
        }
        assertTrue(server.offeredUsers.stream().allMatch("x-access-token"::equals), server.offeredUsers.toString());
    }

    @Test
    void basicAuthFromTheEnvironmentAndARotatedTokenFile() throws Exception {
        server.setCredentials("ops", "pa55word");
        GitAuth basic = new GitAuth.HttpsBasic("ops", new SecretSource.FromEnv("GIT_PASSWORD"));
        try (RepoFollower f = follow("state-basic", basic, Map.of("GIT_PASSWORD", "pa55word"))) {
            assertEquals(Optional.of(ObjectId.fromString(head)), f.remoteHead());
        }
        Path file = tokenFile("token-rotating", TOKEN);
        server.setCredentials(GitAuth.HttpsToken.TOKEN_USER, TOKEN);
        try (RepoFollower f = follow("state-rotate", new GitAuth.HttpsToken(new SecretSource.FromFile(file)), Map.of())) {
            assertTrue(f.remoteHead().isPresent());
            server.setCredentials(GitAuth.HttpsToken.TOKEN_USER, "ghp_Rotated");
            Files.writeString(file, "ghp_Rotated\n");
            assertTrue(f.remoteHead().isPresent(), "the new token is read at the next poll");
        }
    }

    @Test
    void aWrongTokenIsAnAuthenticationFailureThatNeverShowsTheToken() throws Exception {
        Path file = tokenFile("token-wrong", "ghp_WrongToken999\n");
        try (RepoFollower f = follow("state-wrong", new GitAuth.HttpsToken(new SecretSource.FromFile(file)), Map.of())) {
            GitException e = assertThrows(GitException.AuthenticationFailed.class, f::remoteHead);
            assertTrue(e.getMessage().startsWith("list refs of " + server.url("config") + ": the server refused HTTPS "
                    + "token from file " + file), e.getMessage());
            assertTrue(e.needsOperator());
            for (Throwable t = e; t != null; t = t.getCause()) {
                String m = String.valueOf(t.getMessage());
                assertFalse(m.contains("ghp_WrongToken999") || m.contains(TOKEN), m);
            }
            assertThrows(GitException.AuthenticationFailed.class, f::fetch);
        }
        assertTrue(server.statuses.contains(401));
    }

    @Test
    void anUntrustedCertificateNeedsTheOperator() throws Exception {
        GitAuth auth = new GitAuth.HttpsToken(new SecretSource.FromFile(tokenFile("token-tls", TOKEN)));
        RepoSource source = new RepoSource(server.url("config"), RefSelector.defaultBranch(), auth);
        try (RepoFollower f = RepoFollower.open(source, tmp.resolve("state-tls"))) {
            GitException e = assertThrows(GitException.RemoteFailure.class, f::remoteHead);
            assertTrue(e.needsOperator());
            assertTrue(e.getMessage().contains("TLS certificate is not trusted"), e.getMessage());
        }
        assertEquals(List.of(), server.statuses, "no credentials were sent to an unverified server");
    }

    @Test
    void anUnreadableSecretFailsBeforeAnyRequest() throws Exception {
        GitAuth auth = new GitAuth.HttpsToken(new SecretSource.FromFile(tmp.resolve("no-token-file")));
        try (RepoFollower f = follow("state-nofile", auth, Map.of())) {
            GitException e = assertThrows(GitException.AuthenticationFailed.class, f::remoteHead);
            assertEquals("credentials for " + server.url("config") + " unavailable: secret file "
                    + tmp.resolve("no-token-file") + " does not exist", e.getMessage());
        }
        GitAuth env = new GitAuth.HttpsToken(new SecretSource.FromEnv("NKD_GIT_TOKEN"));
        try (RepoFollower f = follow("state-noenv", env, Map.of())) {
            assertTrue(assertThrows(GitException.AuthenticationFailed.class, f::fetch).getMessage()
                    .endsWith("environment variable NKD_GIT_TOKEN is not set"));
        }
        assertEquals(List.of(), server.statuses, "no request was made");
    }
}
