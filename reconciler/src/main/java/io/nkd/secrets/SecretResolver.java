package io.nkd.secrets;

import io.nkd.config.SecretRef;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Resolves {@link SecretRef}s: {@code {name: X}} is the file {@code STATE_DIR/secrets/X}, {@code {env: VAR}} an
 * environment variable of the nkd process. A missing secret is a {@link MissingSecretException} whose message
 * says how to provide it; values never appear in messages.
 */
public final class SecretResolver {
    private final Path secretsDir;
    private final Map<String, String> environment;

    public SecretResolver(Path stateDir, Map<String, String> environment) {
        this.secretsDir = stateDir.resolve("secrets");
        this.environment = environment;
    }

    /** A secret's value, without a trailing newline (files are usually written with one). */
    public String resolve(SecretRef ref) {
        if (ref.env() != null) {
            String v = environment.get(ref.env());
            if (v == null) {
                throw new MissingSecretException(ref + " is not set; set it in nkd's environment");
            }
            return v.strip();
        }
        Path file = secretsDir.resolve(ref.name());
        try {
            return Files.readString(file, StandardCharsets.UTF_8).strip();
        } catch (NoSuchFileException e) {
            throw new MissingSecretException(ref + " does not exist; create " + file + " (mode 0600)");
        } catch (IOException e) {
            throw new MissingSecretException("cannot read " + ref + " at " + file + ": " + e.getClass().getSimpleName());
        }
    }

    /** A referenced secret that is not there. */
    public static final class MissingSecretException extends RuntimeException {
        public MissingSecretException(String message) {
            super(message, null, false, false);
        }
    }
}
