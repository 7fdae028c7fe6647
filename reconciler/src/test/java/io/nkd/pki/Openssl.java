package io.nkd.pki;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the real openssl binary (Debian package openssl) in a directory. */
final class Openssl {
    static final Path BINARY = Path.of("/usr/bin/openssl");

    record Result(int exit, String output) {
    }

    private final Path dir;

    Openssl(Path dir) {
        io.nkd.testkit.Ci.require(Files.isExecutable(BINARY), BINARY + " is missing: apt-get install openssl to run this test");
        this.dir = dir;
    }

    /** {@code openssl args...}, stdout and stderr together. */
    Result run(String... args) {
        List<String> command = new ArrayList<>();
        command.add(BINARY.toString());
        command.addAll(List.of(args));
        return exec(command);
    }

    /** A shell pipeline, for the documented openssl | openssl | sha256sum recipes. */
    Result shell(String pipeline) {
        return exec(List.of("/bin/sh", "-c", "set -e; " + pipeline));
    }

    private Result exec(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("timed out: " + command);
            }
            return new Result(p.exitValue(), out);
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
