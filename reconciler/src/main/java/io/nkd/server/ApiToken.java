package io.nkd.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bearer token that the API's mutating endpoints require. Read from a file ({@code --api-token-file}), or,
 * without one, from {@value #FILE_NAME} in the state directory, generated there (mode 0600) at the first start.
 * Only a digest is kept in memory, and a presented token is compared with it in constant time; neither the
 * token nor its digest is ever logged or shown.
 */
public final class ApiToken {
    private static final Logger LOG = LoggerFactory.getLogger(ApiToken.class);
    /** The generated token's file in the state directory. */
    public static final String FILE_NAME = "api-token";
    private static final int MIN_LENGTH = 16;
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private final byte[] digest;

    private ApiToken(String token) {
        this.digest = sha256(token);
    }

    /** A token from its text (tests, and callers that hold it already). */
    public static ApiToken of(String token) {
        if (token == null || token.strip().length() < MIN_LENGTH) {
            throw new IllegalArgumentException("an API token needs at least " + MIN_LENGTH + " characters");
        }
        return new ApiToken(token.strip());
    }

    /** The file the daemon keeps its generated token in. */
    public static Path fileIn(Path stateDir) {
        return stateDir.resolve(FILE_NAME);
    }

    /**
     * The token a client (e.g. {@code nkd reconcile}) sends to the daemon of {@code stateDir}: the content of its
     * generated token file, if there is one.
     */
    public static Optional<String> readForStateDir(Path stateDir) throws IOException {
        Path file = fileIn(stateDir);
        return Files.isRegularFile(file) ? Optional.of(read(file)) : Optional.empty();
    }

    /** The token in {@code file} (surrounding whitespace removed); an error names the file, never its content. */
    public static String read(Path file) throws IOException {
        String token = Files.readString(file, StandardCharsets.UTF_8).strip();
        if (token.length() < MIN_LENGTH || token.chars().anyMatch(c -> c <= ' ' || c > '~')) {
            throw new IOException("the API token in " + file + " must be one line of at least " + MIN_LENGTH
                    + " printable characters without spaces");
        }
        return token;
    }

    /** The token in a file given by the user; warns when others may read it. */
    public static ApiToken fromFile(Path file) throws IOException {
        warnIfReadableByOthers(file);
        return new ApiToken(read(file));
    }

    /**
     * The state directory's token, generated (256 random bits, URL-safe base64, mode 0600) when there is none
     * yet. Logs the file's path, never the token.
     */
    public static ApiToken ensure(Path stateDir, SecureRandom random) throws IOException {
        Path file = fileIn(stateDir);
        if (!Files.exists(file)) {
            byte[] bytes = new byte[32];
            random.nextBytes(bytes);
            String token = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
            Path tmp = stateDir.resolve(FILE_NAME + ".tmp");
            Files.deleteIfExists(tmp);
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(OWNER_ONLY)); // private before it holds anything
            Files.writeString(tmp, token + "\n", StandardCharsets.UTF_8);
            try {
                Files.createLink(file, tmp); // fails if another process made one meanwhile: theirs wins
                LOG.info("generated the API token for mutating requests in {} (send it as Authorization: Bearer)", file);
            } catch (FileAlreadyExistsException e) {
                LOG.debug("API token file appeared meanwhile: {}", file);
            } finally {
                Files.deleteIfExists(tmp);
            }
        }
        return fromFile(file);
    }

    /** Whether {@code presented} is this token; the time taken does not depend on where they differ. */
    public boolean matches(String presented) {
        return presented != null && MessageDigest.isEqual(digest, sha256(presented));
    }

    private static void warnIfReadableByOthers(Path file) {
        try {
            Set<PosixFilePermission> p = Files.getPosixFilePermissions(file);
            if (p.contains(PosixFilePermission.GROUP_READ) || p.contains(PosixFilePermission.OTHERS_READ)) {
                LOG.warn("the API token file {} is readable by others (mode {}): run chmod 600 {}", file,
                        PosixFilePermissions.toString(p), file);
            }
        } catch (UnsupportedOperationException | IOException e) {
            LOG.debug("cannot check the mode of {}: {}", file, e.toString());
        }
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }

    @Override
    public String toString() {
        return "ApiToken[<redacted>]";
    }
}
