package io.nkd.butane.it;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.nkd.butane.Butane;
import io.nkd.cli.JsonOutput;
import io.nkd.ignition.spec.ButaneVersion;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** Finds and runs the real Ignition binaries (Debian package {@code ignition}) for the integration tests. */
final class IgnitionTools {
    /** Where Debian installs the Ignition binary (it is meant to run from the initramfs, so it is not on PATH). */
    static final Path IGNITION = Path.of("/usr/lib/dracut/modules.d/30ignition/ignition");

    private static final Map<String, Boolean> KNOWN_SPECS = new HashMap<>();

    private IgnitionTools() {
    }

    record Run(int exit, String output) {
    }

    static Optional<Path> ignitionValidate() {
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        return Stream.of(path.split(":"))
                .filter(d -> !d.isEmpty())
                .map(d -> Path.of(d, "ignition-validate"))
                .filter(Files::isExecutable)
                .findFirst();
    }

    /** Skips the calling test (CI installs the tools; a developer machine may not have them). */
    static Path assumeIgnitionValidate() {
        Optional<Path> v = ignitionValidate();
        assumeTrue(v.isPresent(), "ignition-validate is not on PATH: apt-get install ignition to run this test");
        return v.get();
    }

    static void assumeIgnition() {
        assumeTrue(Files.isExecutable(IGNITION), IGNITION + " is missing: apt-get install ignition to run this test");
    }

    /** Runs a command with stderr merged into stdout; fails the test if it does not finish in time. */
    static Run run(List<String> command, Map<String, String> env, int timeoutSeconds) {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().putAll(env);
        try {
            Process p = pb.start();
            p.getOutputStream().close();
            // Read on another thread: a full pipe would otherwise block the child until the timeout.
            var out = new java.util.concurrent.CompletableFuture<String>();
            Thread reader = new Thread(() -> {
                try (InputStream in = p.getInputStream()) {
                    out.complete(new String(in.readAllBytes(), StandardCharsets.UTF_8));
                } catch (IOException e) {
                    out.completeExceptionally(e);
                }
            });
            reader.setDaemon(true);
            reader.start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(command + " did not finish within " + timeoutSeconds + " s");
            }
            return new Run(p.exitValue(), out.get(10, TimeUnit.SECONDS));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (Exception e) {
            throw new IllegalStateException("running " + command, e);
        }
    }

    static Run validate(Path file) {
        return run(List.of(assumeIgnitionValidate().toString(), file.toString()), Map.of(), 60);
    }

    /**
     * Whether the installed ignition-validate reads this spec version: asked once per version with an
     * empty config, so the tests follow whatever Ignition the machine has (Debian's 2.14 stops at 3.3.0).
     */
    static synchronized boolean validateKnows(String ignitionVersion) {
        return KNOWN_SPECS.computeIfAbsent(ignitionVersion, v -> {
            try {
                Path f = Files.createTempFile("nkd-probe-", ".ign");
                try {
                    Files.writeString(f, "{\"ignition\":{\"version\":\"" + v + "\"}}");
                    return validate(f).exit() == 0;
                } finally {
                    Files.deleteIfExists(f);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** The fcos versions whose Ignition output the installed ignition-validate reads; never empty. */
    static List<ButaneVersion> versionsIgnitionReads() {
        List<ButaneVersion> out = new ArrayList<>();
        for (ButaneVersion v : ButaneVersion.values()) {
            if (validateKnows(v.ignition().text())) {
                out.add(v);
            }
        }
        assertTrue(!out.isEmpty(), "ignition-validate accepts none of nkd's Ignition versions; is it broken?");
        return out;
    }

    /** Translates, insists on a clean result, and writes the JSON the way {@code nkd butane -p} does. */
    static Path translateToFile(String yaml, Path filesDir, boolean strict, Path out) {
        Butane.Result result = Butane.translate(yaml, new Butane.Options(filesDir));
        assertTrue(result.ok(strict), () -> "nkd rejected the config:\n" + result.report());
        try {
            Files.writeString(out, JsonOutput.write(result.config(), true) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }
}
