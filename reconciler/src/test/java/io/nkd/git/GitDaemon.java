package io.nkd.git;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code git daemon} on loopback serving the bare repositories of a directory, with receive-pack
 * enabled so tests push over {@code git://}, and the git CLI for the pushing side.
 */
public final class GitDaemon implements AutoCloseable {
    private final Path base;
    private final Process process;
    private final int port;

    private GitDaemon(Path base, Process process, int port) {
        this.base = base;
        this.process = process;
        this.port = port;
    }

    public static GitDaemon start(Path base) throws IOException, InterruptedException {
        Files.createDirectories(base);
        IOException last = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            int port = freePort();
            Process p = new ProcessBuilder("git", "daemon", "--reuseaddr", "--base-path=" + base, "--export-all",
                    "--enable=receive-pack", "--port=" + port, "--listen=127.0.0.1", "--informative-errors",
                    base.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(base.resolveSibling("git-daemon-" + port + ".log").toFile())
                    .start();
            try {
                awaitPort(p, port);
                return new GitDaemon(base, p, port);
            } catch (IOException e) {
                p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                last = e; // port taken between probing and binding: try another
            }
        }
        throw last;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void awaitPort(Process p, int port) throws IOException, InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(15));
        while (Instant.now().isBefore(deadline)) {
            if (!p.isAlive()) {
                throw new IOException("git daemon exited with " + p.exitValue());
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException e) {
                Thread.sleep(50);
            }
        }
        throw new IOException("git daemon did not listen on " + port);
    }

    int port() {
        return port;
    }

    /** A new empty bare repository served as {@code git://127.0.0.1:PORT/NAME.git}. */
    public String createRepo(String name) throws IOException, InterruptedException {
        Path dir = base.resolve(name + ".git");
        git(base, "init", "--bare", "--initial-branch=main", dir.toString());
        return url(name);
    }

    String url(String name) {
        return "git://127.0.0.1:" + port + "/" + name + ".git";
    }

    Path repoDir(String name) {
        return base.resolve(name + ".git");
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }

    /** Runs the git CLI isolated from the user's and the system's configuration; returns trimmed stdout. */
    static String git(Path dir, String... args) throws IOException, InterruptedException {
        return git(dir, Map.of(), args);
    }

    /** As {@link #git(Path, String...)} with extra environment variables (GNUPGHOME for signing). */
    static String git(Path dir, Map<String, String> extraEnv, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("git", "-c", "protocol.version=2", "-c", "commit.gpgsign=false",
                "-c", "tag.gpgsign=false"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.put("GIT_CONFIG_NOSYSTEM", "1");
        env.put("GIT_CONFIG_GLOBAL", "/dev/null");
        env.put("HOME", dir.toString());
        env.put("GIT_AUTHOR_NAME", "Test Author");
        env.put("GIT_AUTHOR_EMAIL", "author@example.org");
        env.put("GIT_COMMITTER_NAME", "Test Author");
        env.put("GIT_COMMITTER_EMAIL", "author@example.org");
        env.put("GIT_TERMINAL_PROMPT", "0");
        env.putAll(extraEnv);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("git " + String.join(" ", args) + " failed: " + out);
        }
        return out.trim();
    }

    /** A working clone to commit and push from. */
    public static final class Work {
        public final Path dir;

        public Work(Path dir, String url) throws IOException, InterruptedException {
            this.dir = dir;
            Files.createDirectories(dir);
            GitDaemon.git(dir, "init", "--initial-branch=main", ".");
            GitDaemon.git(dir, "remote", "add", "origin", url);
        }

        /** Writes a file and commits it; returns the commit id. */
        public String commit(String path, String content) throws IOException, InterruptedException {
            Path file = dir.resolve(path);
            Files.createDirectories(file.getParent());
            Files.writeString(file, content);
            git("add", path);
            git("commit", "-q", "-m", "change " + path);
            return git("rev-parse", "HEAD");
        }

        public String git(String... args) throws IOException, InterruptedException {
            return GitDaemon.git(dir, args);
        }

        public void push(String... refspecs) throws IOException, InterruptedException {
            List<String> args = new ArrayList<>(List.of("push", "-q", "origin"));
            args.addAll(List.of(refspecs));
            git(args.toArray(String[]::new));
        }
    }
}
