package io.nkd.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Reads the sandbox provider's machines as a running {@code nkd serve} keeps them
 * ({@code STATE_DIR/sandbox/<cluster>.json}), to see from outside the process what it is doing.
 */
public final class SandboxMachines {
    private static final ObjectMapper JSON = new ObjectMapper();

    private SandboxMachines() {
    }

    public static Path file(Path stateDir, String cluster) {
        return stateDir.resolve("sandbox").resolve(cluster + ".json");
    }

    public static JsonNode read(Path file) throws IOException {
        return JSON.readTree(file.toFile());
    }

    /** Machines created for {@code revision} that have not booted yet. */
    public static long booting(JsonNode machines, String revision) {
        long n = 0;
        for (JsonNode m : machines) {
            if ("BOOTING".equals(m.path("state").asText()) && revision.equals(m.path("revision").asText())) {
                n++;
            }
        }
        return n;
    }

    /** Waits until a machine of {@code revision} has been created and is still booting: work started, not done. */
    public static void awaitBooting(Path file, String revision, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = null;
        while (System.nanoTime() < deadline) {
            try {
                last = Files.readString(file);
                if (booting(JSON.readTree(last), revision) > 0) {
                    return;
                }
            } catch (IOException e) {
                last = e.toString(); // not written yet (it is replaced atomically once it exists)
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no machine of " + revision + " started booting within " + timeout + "; " + file + ": " + last);
    }
}
