package io.nkd.testkit;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Finds the test API server of {@code testenv/kube-apiserver.sh} and checks that it answers. Where it looks, in order:
 * <ol>
 *   <li>{@code KUBECONFIG}, but only together with {@code NKD_KUBE_APISERVER} (both printed by the script's
 *       {@code env}) and only when the kubeconfig's server is that URL: a developer's own {@code KUBECONFIG} may name a
 *       real cluster, and the tests create and delete Nodes;</li>
 *   <li>the script's state directory ({@code NKD_KUBE_DIR}, default {@code /var/lib/nkd-testenv/kube}), where
 *       {@code up} writes {@code kubeconfig};</li>
 *   <li>the output of {@code testenv/kube-apiserver.sh env}, the script found in the working directory or a parent.</li>
 * </ol>
 */
final class TestServerLocator {
    static final String SCRIPT = "testenv/kube-apiserver.sh";
    static final String START_HINT = "start it with: sudo " + SCRIPT + " up && eval \"$(sudo " + SCRIPT + " env)\"";
    private static final Path DEFAULT_STATE_DIR = Path.of("/var/lib/nkd-testenv/kube");

    /** What the search found: a server that answered, or why there is none. */
    sealed interface Result permits Found, Missing {
    }

    /** A server that answered {@code /readyz}; {@code source} says which kubeconfig named it. */
    record Found(Config config, String source) implements Result {
    }

    /** No usable server; {@code reason} names what was tried and how to start one. */
    record Missing(String reason) implements Result {
    }

    private TestServerLocator() {
    }

    static Result locate() {
        return locate(System.getenv(), Path.of("").toAbsolutePath());
    }

    static Result locate(Map<String, String> env, Path workingDir) {
        List<String> tried = new ArrayList<>();
        String expectedUrl = env.get("NKD_KUBE_APISERVER");
        String kubeconfigVariable = env.get("KUBECONFIG");
        if (expectedUrl != null && !expectedUrl.isBlank() && kubeconfigVariable != null && !kubeconfigVariable.isBlank()) {
            Path file = Path.of(kubeconfigVariable.split(":")[0]);
            Optional<Result> r = tryKubeconfig(file, "KUBECONFIG=" + file, expectedUrl, tried);
            if (r.isPresent()) {
                return r.get();
            }
        } else if (kubeconfigVariable != null && !kubeconfigVariable.isBlank()) {
            tried.add("KUBECONFIG is set but NKD_KUBE_APISERVER is not, so KUBECONFIG was not used (it may name a real"
                    + " cluster)");
        }
        String stateDirVariable = env.get("NKD_KUBE_DIR");
        Path stateDir = stateDirVariable == null || stateDirVariable.isBlank() ? DEFAULT_STATE_DIR : Path.of(stateDirVariable);
        Path stateKubeconfig = stateDir.resolve("kubeconfig");
        Optional<Result> r = tryKubeconfig(stateKubeconfig, stateKubeconfig.toString(), null, tried);
        if (r.isPresent()) {
            return r.get();
        }
        Optional<Path> script = findScript(workingDir);
        if (script.isPresent()) {
            Optional<Path> fromScript = kubeconfigFromScript(script.get(), tried);
            if (fromScript.isPresent() && !fromScript.get().equals(stateKubeconfig)) {
                r = tryKubeconfig(fromScript.get(), script.get() + " env", null, tried);
                if (r.isPresent()) {
                    return r.get();
                }
            }
        } else {
            tried.add(SCRIPT + " not found in " + workingDir + " or its parents");
        }
        return new Missing("no test kube-apiserver answers (" + String.join("; ", tried) + "); " + START_HINT);
    }

    /** Empty when the file is missing or unreadable (noted in {@code tried}); a result when it names a server. */
    private static Optional<Result> tryKubeconfig(Path file, String source, String expectedUrl, List<String> tried) {
        if (!Files.isReadable(file)) {
            tried.add(source + ": " + (Files.exists(file)
                    ? "not readable by this user (eval \"$(sudo " + SCRIPT + " env)\" gives you a copy of your own)"
                    : "missing"));
            return Optional.empty();
        }
        Config config;
        try {
            config = Config.fromKubeconfig(null, file.toFile());
        } catch (RuntimeException e) {
            tried.add(source + ": not a usable kubeconfig (" + e.getMessage() + ")");
            return Optional.empty();
        }
        if (expectedUrl != null && !stripSlash(config.getMasterUrl()).equals(stripSlash(expectedUrl))) {
            tried.add(source + ": names server " + config.getMasterUrl() + ", not NKD_KUBE_APISERVER=" + expectedUrl);
            return Optional.empty();
        }
        String problem = probe(config);
        if (problem != null) {
            tried.add(source + ": server " + stripSlash(config.getMasterUrl()) + " " + problem);
            return Optional.empty();
        }
        return Optional.of(new Found(config, source));
    }

    /** Null when {@code /readyz} answers "ok"; otherwise what went wrong. Short timeouts, no retries. */
    private static String probe(Config config) {
        Config quick = new ConfigBuilder(config)
                .withRequestRetryBackoffLimit(0)
                .withConnectionTimeout(3_000)
                .withRequestTimeout(5_000)
                .build();
        try (KubernetesClient client = new KubernetesClientBuilder().withConfig(quick).build()) {
            String body = client.raw(stripSlash(config.getMasterUrl()) + "/readyz");
            return body != null && body.strip().equals("ok") ? null : "is not ready (/readyz: " + body + ")";
        } catch (KubernetesClientException e) {
            return "does not answer (" + rootMessage(e) + ")";
        }
    }

    private static Optional<Path> findScript(Path dir) {
        for (Path d = dir; d != null; d = d.getParent()) {
            Path candidate = d.resolve(SCRIPT);
            if (Files.isRegularFile(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** The KUBECONFIG path that {@code SCRIPT env} prints, if it runs and prints one within 15 s. */
    private static Optional<Path> kubeconfigFromScript(Path script, List<String> tried) {
        try {
            Process p = new ProcessBuilder("bash", script.toString(), "env").redirectErrorStream(true).start();
            p.getOutputStream().close();
            if (!p.waitFor(15, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                tried.add(script + " env: no answer within 15 s");
                return Optional.empty();
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                tried.add(script + " env: exit " + p.exitValue() + ": " + out.strip());
                return Optional.empty();
            }
            return out.lines()
                    .filter(l -> l.startsWith("export KUBECONFIG="))
                    .map(l -> unquote(l.substring("export KUBECONFIG=".length())))
                    .map(Path::of)
                    .findFirst();
        } catch (IOException e) {
            tried.add(script + " env: " + e.getMessage());
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /** The script prints paths with bash's printf %q: plain paths come out as they are, others single-quoted. */
    private static String unquote(String s) {
        String t = s.strip();
        if (t.length() >= 2 && t.startsWith("'") && t.endsWith("'")) {
            return t.substring(1, t.length() - 1);
        }
        return t.replace("\\", "");
    }

    private static String stripSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + ": " + t.getMessage();
    }
}
