package io.nkd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The API token: generated once, private, stable across restarts, compared exactly, never shown. */
class ApiTokenTest {
    @TempDir
    Path dir;

    @Test
    void generatedOnceIntoTheStateDirectoryWithMode0600() throws IOException {
        ApiToken first = ApiToken.ensure(dir, ServerFixture.seeded(1));
        Path file = ApiToken.fileIn(dir);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        String token = ApiToken.readForStateDir(dir).orElseThrow();
        assertEquals(43, token.length(), "256 bits, URL-safe base64");
        assertTrue(first.matches(token));
        ApiToken.ensure(dir, ServerFixture.seeded(2));
        assertEquals(token, ApiToken.readForStateDir(dir).orElseThrow(), "a restart keeps the token");
        assertFalse(first.toString().contains(token));
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "no temporary file left behind");
        }
    }

    @Test
    void matchesOnlyTheExactToken() {
        ApiToken t = ApiToken.of("0123456789abcdef-token");
        assertTrue(t.matches("0123456789abcdef-token"));
        assertFalse(t.matches("0123456789abcdef-toke"));
        assertFalse(t.matches("0123456789abcdef-token "));
        assertFalse(t.matches(""));
        assertFalse(t.matches(null));
    }

    @Test
    void aTooShortOrMultiWordTokenFileIsRefusedNamingTheFile() throws IOException {
        Path file = Files.writeString(dir.resolve("token"), "short\n");
        IOException e = assertThrows(IOException.class, () -> ApiToken.fromFile(file));
        assertTrue(e.getMessage().contains(file.toString()) && !e.getMessage().contains("short\n"), e.getMessage());
        Files.writeString(file, "two words that are long enough\n");
        assertThrows(IOException.class, () -> ApiToken.fromFile(file));
        assertTrue(ApiToken.readForStateDir(dir.resolve("nothing-here")).isEmpty());
    }
}
