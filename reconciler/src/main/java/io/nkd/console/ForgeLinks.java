package io.nkd.console;

import java.net.URI;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The web page of a commit, when the config repository is on a forge whose address scheme is known: GitHub,
 * GitLab, Codeberg (Forgejo), Bitbucket and Gitee (where openEuler and NestOS live), on their public hosts.
 * Anything else (a self-hosted server, a local directory) gets no link rather than a guessed one.
 */
final class ForgeLinks {
    /** {@code git@host:owner/repo(.git)} and {@code ssh://git@host/owner/repo(.git)}. */
    private static final Pattern SCP = Pattern.compile("[^@/]+@([^:/]+):(.+?)(?:\\.git)?/?");

    private ForgeLinks() {
    }

    /** The commit's page, for a repository URL as given to {@code --repo} (credentials never appear in it). */
    static Optional<String> commit(String repositoryUrl, String commit) {
        if (repositoryUrl == null || !commit.matches("[0-9a-f]{40}")) {
            return Optional.empty();
        }
        String host;
        String path;
        Matcher scp = SCP.matcher(repositoryUrl);
        if (!repositoryUrl.contains("://") && scp.matches()) {
            host = scp.group(1);
            path = scp.group(2);
        } else {
            try {
                URI u = URI.create(repositoryUrl);
                if (u.getHost() == null || u.getPath() == null) {
                    return Optional.empty();
                }
                host = u.getHost();
                path = u.getPath().replaceFirst("^/", "").replaceFirst("/$", "").replaceFirst("\\.git$", "");
            } catch (IllegalArgumentException e) {
                return Optional.empty();
            }
        }
        if (!path.matches("[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)+")) {
            return Optional.empty();
        }
        String base = "https://" + host.toLowerCase(Locale.ROOT) + "/" + path;
        return switch (host.toLowerCase(Locale.ROOT)) {
            case "github.com", "codeberg.org", "gitee.com" -> Optional.of(base + "/commit/" + commit);
            case "gitlab.com" -> Optional.of(base + "/-/commit/" + commit);
            case "bitbucket.org" -> Optional.of(base + "/commits/" + commit);
            default -> Optional.empty();
        };
    }
}
