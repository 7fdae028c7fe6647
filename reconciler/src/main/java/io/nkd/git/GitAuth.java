package io.nkd.git;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * How nkd authenticates to the config repository's server. Secrets are {@link SecretSource}s (a file or
 * an environment variable), never literal values, so a configuration object can be logged as it is.
 */
public sealed interface GitAuth {
    /** Anonymous: public HTTPS, {@code git://}, a local path. */
    record None() implements GitAuth {
        @Override
        public String describe() {
            return "anonymous";
        }
    }

    /** HTTP basic authentication over HTTPS with a user name and a password (or an app password). */
    record HttpsBasic(String username, SecretSource password) implements GitAuth {
        public HttpsBasic {
            if (username == null || username.isBlank() || username.contains(":")) {
                throw new IllegalArgumentException("HTTPS user name must be non-empty and without ':'");
            }
            Objects.requireNonNull(password, "password");
        }

        @Override
        public String describe() {
            return "HTTPS user " + username + " with password from " + password.describe();
        }
    }

    /**
     * An access token over HTTPS, sent as the basic-auth password. The user name defaults to
     * {@value #TOKEN_USER}, which GitHub requires for app installation tokens and which GitHub personal
     * tokens, GitLab personal/project/deploy tokens and Gitea/Forgejo tokens accept as any user name.
     */
    record HttpsToken(SecretSource token, String username) implements GitAuth {
        public static final String TOKEN_USER = "x-access-token";

        public HttpsToken {
            Objects.requireNonNull(token, "token");
            username = username == null || username.isBlank() ? TOKEN_USER : username;
            if (username.contains(":")) {
                throw new IllegalArgumentException("HTTPS user name must not contain ':'");
            }
        }

        public HttpsToken(SecretSource token) {
            this(token, TOKEN_USER);
        }

        @Override
        public String describe() {
            return "HTTPS token from " + token.describe();
        }
    }

    /**
     * An SSH private key (OpenSSH or PEM format) with the server's host key checked against a
     * {@code known_hosts} file: unknown hosts are refused, never added (no trust on first use).
     *
     * @param passphrase for an encrypted key; empty for an unencrypted one
     */
    record SshKey(Path privateKey, Path knownHosts, Optional<SecretSource> passphrase) implements GitAuth {
        public SshKey {
            privateKey = privateKey.toAbsolutePath().normalize();
            knownHosts = knownHosts.toAbsolutePath().normalize();
            passphrase = Objects.requireNonNull(passphrase, "passphrase");
        }

        public SshKey(Path privateKey, Path knownHosts) {
            this(privateKey, knownHosts, Optional.empty());
        }

        @Override
        public String describe() {
            return "SSH key " + privateKey + " (known hosts " + knownHosts + ")";
        }
    }

    GitAuth NONE = new None();

    /** For messages and status; names sources, never values. */
    String describe();
}
