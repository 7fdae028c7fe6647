package io.nkd.git;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;
import org.eclipse.jgit.transport.URIish;

/**
 * Where the config repository lives, which revision to follow and how to authenticate.
 *
 * <p>Accepted URLs: {@code https://host/path}, {@code http://host/path} (anonymous only),
 * {@code ssh://[user@]host[:port]/path}, scp-like {@code user@host:path}, {@code git://host/path}
 * (anonymous, read-only), {@code file:///path} and a local path. Rules, checked here so that a bad
 * configuration fails at load time instead of at the first poll:
 * <ul>
 *   <li>no password in the URL: URLs are logged and shown in status; secrets come from {@link GitAuth};</li>
 *   <li>HTTPS credentials only over {@code https://} (never in clear text over {@code http://});</li>
 *   <li>an SSH URL needs {@link GitAuth.SshKey}, because that is where the {@code known_hosts} file that
 *       pins the server's host key is configured; an SSH key is only for an SSH URL.</li>
 * </ul>
 *
 * @param url  as written by the operator (a local path is made absolute)
 * @param ref  which revision to follow
 * @param auth how to authenticate
 */
public record RepoSource(String url, RefSelector ref, GitAuth auth) {
    /** The transport a URL uses. */
    public enum Scheme { HTTPS, HTTP, SSH, GIT, FILE }

    public RepoSource {
        Objects.requireNonNull(ref, "ref");
        Objects.requireNonNull(auth, "auth");
        if (url == null || url.isBlank()) {
            throw new IllegalArgumentException("repository URL is empty");
        }
        url = url.trim();
        URIish uri = parse(url);
        Scheme scheme = schemeOf(uri);
        if (scheme == Scheme.FILE && uri.getScheme() == null) {
            url = Path.of(uri.getPath()).toAbsolutePath().normalize().toString();
        }
        checkAuth(scheme, auth);
    }

    /** Follows {@code main}, anonymously. */
    public static RepoSource of(String url) {
        return new RepoSource(url, RefSelector.defaultBranch(), GitAuth.NONE);
    }

    public RepoSource withRef(RefSelector newRef) {
        return new RepoSource(url, newRef, auth);
    }

    public RepoSource withAuth(GitAuth newAuth) {
        return new RepoSource(url, ref, newAuth);
    }

    public URIish uri() {
        return parse(url);
    }

    public Scheme scheme() {
        return schemeOf(uri());
    }

    private static URIish parse(String url) {
        try {
            return new URIish(url);
        } catch (URISyntaxException e) {
            // URISyntaxException quotes its input; the input cannot hold a password we have not yet rejected
            throw new IllegalArgumentException("not a Git URL: " + e.getReason());
        }
    }

    private static Scheme schemeOf(URIish uri) {
        if (uri.getPass() != null) {
            throw new IllegalArgumentException("the repository URL contains a password; configure a token or password "
                    + "file (or environment variable) as auth instead, URLs are logged");
        }
        String scheme = uri.getScheme() == null ? null : uri.getScheme().toLowerCase(Locale.ROOT);
        if (scheme == null) {
            return uri.getHost() == null ? Scheme.FILE : Scheme.SSH; // local path, or scp-like user@host:path
        }
        switch (scheme) {
            case "https":
                return Scheme.HTTPS;
            case "http":
                return Scheme.HTTP;
            case "ssh":
            case "git+ssh":
            case "ssh+git":
                return Scheme.SSH;
            case "git":
                return Scheme.GIT;
            case "file":
                return Scheme.FILE;
            default:
                throw new IllegalArgumentException("unsupported URL scheme \"" + scheme
                        + "\" (use https://, ssh://, user@host:path, git://, file:// or a local path)");
        }
    }

    private static void checkAuth(Scheme scheme, GitAuth auth) {
        boolean https = auth instanceof GitAuth.HttpsBasic || auth instanceof GitAuth.HttpsToken;
        if (https && scheme != Scheme.HTTPS) {
            throw new IllegalArgumentException(scheme == Scheme.HTTP
                    ? "HTTPS credentials over plain http:// would travel in clear text; use https://"
                    : "HTTPS credentials need an https:// URL, not " + scheme.name().toLowerCase(Locale.ROOT));
        }
        if (auth instanceof GitAuth.SshKey && scheme != Scheme.SSH) {
            throw new IllegalArgumentException("an SSH key needs an ssh:// or user@host:path URL");
        }
        if (scheme == Scheme.SSH && !(auth instanceof GitAuth.SshKey)) {
            throw new IllegalArgumentException("an SSH URL needs an SSH key and a known_hosts file "
                    + "(nkd does not use ~/.ssh or an agent, and never trusts an unknown host key)");
        }
    }

    @Override
    public String toString() {
        return url + " (" + ref.describe() + ", " + auth.describe() + ")";
    }
}
