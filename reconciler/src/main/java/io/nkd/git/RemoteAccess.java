package io.nkd.git;

import java.io.File;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.KeyPair;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;
import javax.net.ssl.SSLHandshakeException;
import org.eclipse.jgit.api.TransportCommand;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.api.errors.InvalidRemoteException;
import org.eclipse.jgit.api.errors.JGitInternalException;
import org.eclipse.jgit.errors.NoRemoteRepositoryException;
import org.eclipse.jgit.transport.SshTransport;
import org.eclipse.jgit.transport.URIish;
import org.eclipse.jgit.transport.UsernamePasswordCredentialsProvider;
import org.eclipse.jgit.transport.sshd.KeyCache;
import org.eclipse.jgit.transport.sshd.KeyPasswordProvider;
import org.eclipse.jgit.transport.sshd.SshdSessionFactory;
import org.eclipse.jgit.transport.sshd.SshdSessionFactoryBuilder;

/**
 * Runs JGit transport commands against one {@link RepoSource}: applies its credentials and SSH setup, and
 * turns JGit's exceptions into {@link GitException}s. Secrets are read for each command and wiped after it.
 */
final class RemoteAccess implements AutoCloseable {
    /** A transport command to run with credentials applied by {@link Configurer}. */
    interface Body<T> {
        T run(Configurer configure) throws GitAPIException, IOException;
    }

    /** Applies timeout, credentials and the SSH session factory to a JGit command. */
    interface Configurer {
        <C extends TransportCommand<?, ?>> C apply(C command);
    }

    /** "401 Unauthorized" / "403 Forbidden" as JGit's HTTP transport words them, not any 401 in an id. */
    private static final Pattern HTTP_DENIED =
            Pattern.compile("\\b40[13]\\b(?![0-9a-f])");

    private final RepoSource source;
    private final Duration timeout;
    private final Function<String, String> environment;
    private final SshdSessionFactory ssh;
    private final KnownHostsDatabase knownHosts;

    RemoteAccess(RepoSource source, Path sshHome, Duration timeout, Function<String, String> environment) {
        this.source = source;
        this.timeout = timeout;
        this.environment = environment;
        if (source.auth() instanceof GitAuth.SshKey key) {
            this.knownHosts = new KnownHostsDatabase(key.knownHosts());
            this.ssh = sshFactory(key, sshHome);
        } else {
            this.knownHosts = null;
            this.ssh = null;
        }
    }

    RepoSource source() {
        return source;
    }

    <T> T run(String what, Body<T> body) throws GitException {
        char[] secret = null;
        UsernamePasswordCredentialsProvider credentials = null;
        try {
            if (source.auth() instanceof GitAuth.HttpsBasic basic) {
                secret = readSecret(basic.password());
                credentials = new UsernamePasswordCredentialsProvider(basic.username(), secret);
            } else if (source.auth() instanceof GitAuth.HttpsToken token) {
                secret = readSecret(token.token());
                credentials = new UsernamePasswordCredentialsProvider(token.username(), secret);
            } else if (source.auth() instanceof GitAuth.SshKey key && !Files.isReadable(key.privateKey())) {
                throw new GitException.AuthenticationFailed("SSH private key file " + key.privateKey()
                        + (Files.exists(key.privateKey()) ? " is not readable" : " does not exist"), null);
            }
            if (knownHosts != null) {
                knownHosts.clearRejection();
            }
            UsernamePasswordCredentialsProvider cp = credentials;
            return body.run(new Configurer() {
                @Override
                public <C extends TransportCommand<?, ?>> C apply(C command) {
                    command.setTimeout((int) Math.max(1, timeout.toSeconds()));
                    if (cp != null) {
                        command.setCredentialsProvider(cp);
                    }
                    if (ssh != null) {
                        command.setTransportConfigCallback(t -> {
                            if (t instanceof SshTransport st) {
                                st.setSshSessionFactory(ssh);
                            }
                        });
                    }
                    return command;
                }
            });
        } catch (GitAPIException | JGitInternalException | IOException e) {
            throw classify(what, e);
        } finally {
            if (credentials != null) {
                credentials.clear();
            }
            if (secret != null) {
                Arrays.fill(secret, '\0');
            }
        }
    }

    private char[] readSecret(SecretSource s) throws GitException {
        try {
            return s.read(environment);
        } catch (SecretSource.SecretUnavailableException e) {
            throw new GitException.AuthenticationFailed("credentials for " + source.url() + " unavailable: "
                    + e.getMessage(), null);
        }
    }

    /** Maps a JGit failure to the family; messages carry JGit's text (URL and reason, never credentials). */
    GitException classify(String what, Exception e) {
        String url = source.url();
        if (knownHosts != null) {
            Optional<KnownHostsDatabase.Rejection> r = knownHosts.lastRejection();
            if (r.isPresent()) {
                KnownHostsDatabase.Rejection rej = r.get();
                return new GitException.HostKeyRejected(what + " " + url + ": " + rej.message(), rej.host(),
                        rej.knownHosts().toString(), rej.fingerprint(), e);
            }
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof UnknownHostException) {
                return new GitException.Unreachable(what + " " + url + ": unknown host " + t.getMessage(), e);
            }
            if (t instanceof ConnectException || t instanceof NoRouteToHostException) {
                return new GitException.Unreachable(what + " " + url + ": cannot connect (" + t.getMessage() + ")", e);
            }
            if (t instanceof SocketTimeoutException || t instanceof InterruptedIOException) {
                return new GitException.Unreachable(what + " " + url + ": timed out after " + timeout.toSeconds()
                        + " s", e);
            }
            if (t instanceof SSLHandshakeException || t instanceof CertificateException) {
                return new GitException.RemoteFailure(what + " " + url + ": the server's TLS certificate is not "
                        + "trusted (" + t.getMessage() + "); nkd uses the Java trust store, add the server's CA to it "
                        + "(-Djavax.net.ssl.trustStore)", true, e);
            }
            if (t instanceof NoRemoteRepositoryException || t instanceof InvalidRemoteException) {
                return new GitException.RefNotFound(what + " " + url + ": no such repository, or no access to it ("
                        + source.auth().describe() + ")");
            }
        }
        String text = messages(e);
        String lower = text.toLowerCase(Locale.ROOT);
        if (lower.contains("no such repository") || lower.contains("repository not found")
                || lower.contains("not exported") || lower.contains("not a git repository")) {
            return new GitException.RefNotFound(what + " " + url + ": no such repository, or no access to it ("
                    + source.auth().describe() + "): " + text);
        }
        if (lower.contains("not authorized") || lower.contains("authentication") || lower.contains("auth fail")
                || lower.contains("not permitted") || lower.contains("cannot log in")
                || HTTP_DENIED.matcher(text).find()) {
            return new GitException.AuthenticationFailed(what + " " + url + ": the server refused "
                    + source.auth().describe() + " (" + text + ")", e);
        }
        if (lower.contains("connection refused") || lower.contains("timeout") || lower.contains("timed out")) {
            return new GitException.Unreachable(what + " " + url + ": " + text, e);
        }
        if (e instanceof IOException && !(e instanceof org.eclipse.jgit.errors.TransportException)) {
            return new GitException.LocalFailure(what + " " + url + ": local clone: " + text, e);
        }
        return new GitException.RemoteFailure(what + " " + url + " failed: " + text, e);
    }

    /** The distinct messages of a cause chain, without JGit's "URL: " prefix (the caller names the URL). */
    private String messages(Throwable e) {
        List<String> prefixes = List.of(source.url() + ": ", source.uri().toString() + ": ");
        StringBuilder sb = new StringBuilder();
        for (Throwable t = e; t != null && sb.length() < 500; t = t.getCause()) {
            String m = t.getMessage();
            if (m == null || m.isBlank()) {
                continue;
            }
            m = m.strip();
            for (String p : prefixes) {
                if (m.startsWith(p)) {
                    m = m.substring(p.length());
                }
            }
            if (sb.indexOf(m) < 0) {
                sb.append(sb.length() == 0 ? "" : ": ").append(m);
            }
        }
        return sb.length() == 0 ? e.getClass().getSimpleName() : sb.toString();
    }

    private SshdSessionFactory sshFactory(GitAuth.SshKey key, Path home) {
        File homeDir = home.toFile();
        KnownHostsDatabase db = knownHosts;
        return new SshdSessionFactoryBuilder()
                // an empty home of nkd's own: ~/.ssh of whoever runs the daemon (config, keys, agent) never applies
                .setHomeDirectory(homeDir)
                .setSshDirectory(homeDir)
                .setConfigFile(dir -> null)
                .setDefaultIdentities(dir -> List.of(key.privateKey()))
                .setDefaultKnownHostsFiles(dir -> List.of(key.knownHosts()))
                .setServerKeyDatabase((h, s) -> db)
                .setPreferredAuthentications("publickey")
                .setKeyPasswordProvider(cp -> new PassphraseProvider(key.passphrase(), environment))
                // no cache: a rotated key file is read at the next connection
                .build(new KeyCache() {
                    @Override
                    public KeyPair get(Path path, Function<? super Path, ? extends KeyPair> loader) {
                        return loader.apply(path);
                    }

                    @Override
                    public void close() {
                    }
                });
    }

    /** Answers an encrypted key's passphrase prompt from the configured source; one attempt, no prompting. */
    private static final class PassphraseProvider implements KeyPasswordProvider {
        private final Optional<SecretSource> passphrase;
        private final Function<String, String> environment;

        PassphraseProvider(Optional<SecretSource> passphrase, Function<String, String> environment) {
            this.passphrase = passphrase;
            this.environment = environment;
        }

        @Override
        public char[] getPassphrase(URIish uri, int attempt) throws IOException {
            if (passphrase.isEmpty() || attempt > 0) {
                return null;
            }
            try {
                return passphrase.get().read(environment);
            } catch (SecretSource.SecretUnavailableException e) {
                throw new IOException("SSH key passphrase unavailable: " + e.getMessage());
            }
        }

        @Override
        public void setAttempts(int attempts) {
        }

        @Override
        public boolean keyLoaded(URIish uri, int attempt, Exception error) {
            return false; // never retry: the passphrase source gives the same answer again
        }
    }

    @Override
    public void close() {
        if (ssh != null) {
            ssh.close();
        }
    }
}
