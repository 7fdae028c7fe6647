package io.nkd.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * {@link NodeTokens#authenticate} on every request, without re-reading an unchanged registry: each answer is
 * kept with the identity of the registry file it came from (file key, modification time, size), and reused
 * only while a {@code stat} of that file still shows the same identity. Any write of the registry (an issue, a
 * revocation, by this process or another) replaces the file, so the next request asks {@link NodeTokens}
 * again: a revocation applies at once, as without this. The stat is taken before asking, so an answer is never
 * kept under an identity older than the file it was read from. Without a file (another store, or none at that
 * path) every request asks {@link NodeTokens}. Errors (a corrupt registry) are never kept. Tokens are kept
 * only as SHA-256 digests.
 */
final class TokenChecks {
    private static final int MAX_ENTRIES = 10_000;

    private record Key(String cluster, Digest token) {
    }

    /** A byte array with value equality. */
    private record Digest(byte[] bytes) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Digest d && Arrays.equals(bytes, d.bytes);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(bytes);
        }
    }

    private record Stamp(Object fileKey, FileTime modified, long size) {
    }

    private record Entry(Stamp stamp, Optional<TokenGrant> grant) {
    }

    private final NodeTokens tokens;
    private final Function<String, Path> registryFile;
    private final ConcurrentHashMap<Key, Entry> answers = new ConcurrentHashMap<>();

    /** @param registryFile the file {@code tokens} reads for a cluster, or null to ask {@code tokens} every time */
    TokenChecks(NodeTokens tokens, Function<String, Path> registryFile) {
        this.tokens = tokens;
        this.registryFile = registryFile;
    }

    Optional<TokenGrant> authenticate(String cluster, String token) {
        if (registryFile == null) {
            return tokens.authenticate(cluster, token);
        }
        Stamp stamp = stamp(registryFile.apply(cluster));
        if (stamp == null) {
            return tokens.authenticate(cluster, token);
        }
        Key key = new Key(cluster, new Digest(sha256(token)));
        Entry kept = answers.get(key);
        if (kept != null && kept.stamp().equals(stamp)) {
            return kept.grant();
        }
        Optional<TokenGrant> grant = tokens.authenticate(cluster, token);
        if (answers.size() >= MAX_ENTRIES) {
            answers.clear(); // a flood of unknown tokens: start over rather than grow
        }
        answers.put(key, new Entry(stamp, grant));
        return grant;
    }

    private static Stamp stamp(Path file) {
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (!a.isRegularFile() || a.fileKey() == null) {
                return null;
            }
            return new Stamp(a.fileKey(), a.lastModifiedTime(), a.size());
        } catch (IOException | UnsupportedOperationException e) {
            return null;
        }
    }

    private static byte[] sha256(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }
}
