package io.nkd.housekeeper.agent.host;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs host commands as processes. In the DaemonSet the agent's container shares the host's PID namespace and is
 * privileged, so {@link #nsenter()} runs every command in PID 1's mount, UTS, IPC, network and PID namespaces: the
 * host's own rpm-ostree, systemctl and kubeadm, with the host's file system, as if run from a host shell.
 */
public final class ProcessHostCommands implements HostCommands {
    private static final Logger LOG = LoggerFactory.getLogger(ProcessHostCommands.class);

    /** The prefix that enters the host: PID 1's namespaces (the container runs with hostPID). */
    public static final List<String> NSENTER_PREFIX =
            List.of("nsenter", "--target", "1", "--mount", "--uts", "--ipc", "--net", "--pid", "--");

    private final List<String> prefix;

    private ProcessHostCommands(List<String> prefix) {
        this.prefix = List.copyOf(prefix);
    }

    /** The production form: every command through {@code nsenter --target 1 --mount --uts --ipc --net --pid --}. */
    public static ProcessHostCommands nsenter() {
        return new ProcessHostCommands(NSENTER_PREFIX);
    }

    /** Runs commands directly in the agent's own namespaces (development and tests of the process handling). */
    public static ProcessHostCommands local() {
        return new ProcessHostCommands(List.of());
    }

    /** The argv actually executed for {@code argv}. */
    public List<String> processArgv(List<String> argv) {
        List<String> full = new ArrayList<>(prefix);
        full.addAll(argv);
        return full;
    }

    @Override
    public CommandResult run(List<String> argv, Duration timeout) throws InterruptedException {
        if (argv.isEmpty()) {
            throw new IllegalArgumentException("an empty command line");
        }
        long start = System.nanoTime();
        Process process;
        try {
            process = new ProcessBuilder(processArgv(argv)).redirectInput(ProcessBuilder.Redirect.PIPE).start();
        } catch (IOException e) {
            LOG.warn("cannot start {}: {}", processArgv(argv), e.getMessage());
            return new CommandResult(argv, null, "", "cannot start " + processArgv(argv).get(0) + ": "
                    + e.getMessage(), Duration.ofNanos(System.nanoTime() - start));
        }
        try {
            process.getOutputStream().close();
            CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> drain(process.getInputStream()));
            CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> drain(process.getErrorStream()));
            boolean finished = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!finished) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
            String stdout = get(out);
            String stderr = get(err);
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            if (!finished) {
                return new CommandResult(argv, null, stdout,
                        stderr + "\nkilled after the timeout of " + timeout.toSeconds() + "s", took);
            }
            return new CommandResult(argv, process.exitValue(), stdout, stderr, took);
        } catch (InterruptedException e) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            throw e;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String get(CompletableFuture<String> f) throws InterruptedException {
        try {
            return f.get(10, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            return "(output unreadable: " + e + ")";
        }
    }

    private static String drain(InputStream in) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        byte[] chunk = new byte[8192];
        try (in) {
            int n;
            while ((n = in.read(chunk)) >= 0) {
                // keep reading past the cap so that the process never blocks on a full pipe
                if (buf.size() < OutputTail.MAX_CAPTURE) {
                    buf.write(chunk, 0, Math.min(n, OutputTail.MAX_CAPTURE - buf.size()));
                }
            }
        } catch (IOException e) {
            // the process was killed; what was read so far is the output
        }
        return buf.toString(StandardCharsets.UTF_8);
    }
}
