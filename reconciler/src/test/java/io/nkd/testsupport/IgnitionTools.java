package io.nkd.testsupport;

import io.nkd.testkit.Ci;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nkd.butane.Butane;
import io.nkd.ignition.spec.ButaneVersion;
import io.nkd.json.JsonOutput;
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
public final class IgnitionTools {
    /** Where Debian installs the Ignition binary (it is meant to run from the initramfs, so it is not on PATH). */
    public static final Path IGNITION = Path.of("/usr/lib/dracut/modules.d/30ignition/ignition");

    private static final Map<String, Boolean> KNOWN_SPECS = new HashMap<>();

    private IgnitionTools() {
    }

    public record Run(int exit, String output) {
    }

    public static Optional<Path> ignitionValidate() {
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        return Stream.of(path.split(":"))
                .filter(d -> !d.isEmpty())
                .map(d -> Path.of(d, "ignition-validate"))
                .filter(Files::isExecutable)
                .findFirst();
    }

    /** ignition-validate; without it the calling test fails under CI (.ci/run installs it) and is skipped elsewhere. */
    public static Path assumeIgnitionValidate() {
        Optional<Path> v = ignitionValidate();
        Ci.require(v.isPresent(), "ignition-validate is not on PATH: apt-get install ignition to run this test");
        return v.orElseThrow();
    }

    /** For a test factory: the one test that reports ignition-validate missing (see {@link Ci#missing}), if it is. */
    public static Optional<java.util.stream.Stream<org.junit.jupiter.api.DynamicTest>> ignitionValidateMissing() {
        return ignitionValidate().isPresent() ? Optional.empty()
                : Optional.of(Ci.missing("ignition-validate is missing",
                        "ignition-validate is not on PATH: apt-get install ignition to run this test"));
    }

    /** The Ignition binary; without it the calling test fails under CI and is skipped elsewhere. */
    public static void assumeIgnition() {
        Ci.require(Files.isExecutable(IGNITION), IGNITION + " is missing: apt-get install ignition to run this test");
    }

    /**
     * Root and useradd, which Ignition's files stage needs (it chowns and runs {@code useradd --root}); CI runs as
     * root, so there a non-root run fails instead of skipping.
     */
    public static void assumeRootAndUseradd(Path scratch) {
        Ci.require(isRoot(scratch), "Ignition's files stage needs root (chown, useradd --root): run the tests as root");
        Ci.require(Files.isExecutable(Path.of("/usr/sbin/useradd")), "/usr/sbin/useradd is missing: apt-get install passwd");
    }

    /** Runs a command with stderr merged into stdout; fails the test if it does not finish in time. */
    public static Run run(List<String> command, Map<String, String> env, int timeoutSeconds) {
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

    public static Run validate(Path file) {
        return run(List.of(assumeIgnitionValidate().toString(), file.toString()), Map.of(), 60);
    }

    /**
     * Whether the installed ignition-validate reads this spec version: asked once per version with an
     * empty config, so the tests follow whatever Ignition the machine has (Debian's 2.14 stops at 3.3.0).
     */
    public static synchronized boolean validateKnows(String ignitionVersion) {
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
    public static List<ButaneVersion> versionsIgnitionReads() {
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
    public static Path translateToFile(String yaml, Path filesDir, boolean strict, Path out) {
        Butane.Result result = Butane.translate(yaml, new Butane.Options(filesDir));
        assertTrue(result.ok(strict), () -> "nkd rejected the config:\n" + result.report());
        try {
            Files.writeString(out, JsonOutput.write(result.config(), true) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /**
     * Applies a config with the real Ignition, stages fetch then files, platform "file", into a fresh root under
     * {@code workDir} prepared like a NestOS root (SELinux config, account databases) and returns that root.
     * Needs root (Ignition chowns and runs useradd --root); callers call {@link #assumeRootAndUseradd(Path)} first.
     */
    public static Path applyFilesStage(Path config, Path workDir) throws java.io.IOException {
        java.nio.file.attribute.FileAttribute<?>[] none = {};
        java.nio.file.Files.setPosixFilePermissions(workDir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Path root = java.nio.file.Files.createDirectories(workDir.resolve("root"), none);
        java.nio.file.Files.setPosixFilePermissions(root, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Path etc = java.nio.file.Files.createDirectories(root.resolve("etc/selinux"));
        java.nio.file.Files.writeString(etc.resolve("config"), "SELINUX=disabled\nSELINUXTYPE=targeted\n");
        writeMode(root, "etc/passwd", "root:x:0:0:root:/root:/bin/sh\n", "rw-r--r--");
        writeMode(root, "etc/group", "root:x:0:\nwheel:x:10:\n", "rw-r--r--");
        writeMode(root, "etc/shadow", "root:*:19000:0:99999:7:::\n", "rw-------");
        writeMode(root, "etc/gshadow", "root:*::\nwheel:*::\n", "rw-------");
        Path state = java.nio.file.Files.createDirectories(workDir.resolve("state"));
        Path bin = java.nio.file.Files.createDirectories(workDir.resolve("bin"));
        // Ignition relabels what it wrote with setfiles; there is no SELinux policy here, so make it a no-op.
        writeMode(bin, "setfiles", "#!/bin/sh\nexit 0\n", "rwxr-xr-x");
        Map<String, String> env = Map.of(
                "IGNITION_CONFIG_FILE", config.toString(),
                "PATH", bin + ":" + System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"));
        StringBuilder log = new StringBuilder();
        for (String stage : List.of("fetch", "files")) {
            Run run = run(List.of(IGNITION.toString(), "-platform", "file", "-stage", stage, "-root", root.toString(),
                    "-config-cache", state.resolve("config.json").toString(),
                    "-state-file", state.resolve("state").toString(), "-log-to-stdout"), env, 120);
            log.append(run.output());
            if (run.exit() != 0) {
                throw new AssertionError("ignition -stage " + stage + " failed:\n" + run.output());
            }
        }
        java.nio.file.Files.writeString(workDir.resolve("ignition.log"), log);
        return root;
    }

    /** What {@link #fetchStage} gave: Ignition's exit status and log, and the config it cached (when it wrote one). */
    public record Fetched(int exit, String output, Optional<String> cachedConfig) {
    }

    /**
     * Runs the real Ignition's fetch stage, platform "file", on {@code config} the way a booting machine reads
     * its user-data: Ignition follows the config's {@code ignition.config} references over the network and
     * caches the merged result. Everything it writes stays under {@code workDir}. Needs no root.
     */
    public static Fetched fetchStage(Path config, Path workDir, int timeoutSeconds) throws IOException {
        Path root = Files.createDirectories(workDir.resolve("root"));
        Path state = Files.createDirectories(workDir.resolve("state"));
        Path cache = state.resolve("config.json");
        Map<String, String> env = Map.of(
                "IGNITION_CONFIG_FILE", config.toString(),
                // the machine's proxy settings must not route loopback requests elsewhere
                "NO_PROXY", "127.0.0.1,localhost,::1", "no_proxy", "127.0.0.1,localhost,::1");
        Run run = run(List.of(IGNITION.toString(), "-platform", "file", "-stage", "fetch", "-root", root.toString(),
                "-config-cache", cache.toString(), "-state-file", state.resolve("state").toString(), "-log-to-stdout"),
                env, timeoutSeconds);
        Optional<String> cached = Files.isRegularFile(cache) ? Optional.of(Files.readString(cache)) : Optional.empty();
        return new Fetched(run.exit(), run.output(), cached);
    }

    private static void writeMode(Path dir, String rel, String text, String mode) throws java.io.IOException {
        Path p = java.nio.file.Files.writeString(dir.resolve(rel), text);
        java.nio.file.Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString(mode));
    }

    /** Whether this process runs as root (Ignition's files stage needs it). */
    public static boolean isRoot(Path scratch) {
        try {
            Path probe = java.nio.file.Files.createTempFile(scratch, "uid", "");
            return ((Integer) java.nio.file.Files.getAttribute(probe, "unix:uid")) == 0;
        } catch (java.io.IOException | UnsupportedOperationException e) {
            return false;
        }
    }
}
