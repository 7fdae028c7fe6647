package io.nkd.state;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Where the state store lives, as the {@code --state} flag says it: a local directory ({@code local:DIR} or a plain
 * path) or a Kubernetes namespace ({@code kubernetes}, {@code kubernetes:NAMESPACE}). Parsing reads nothing but, for a
 * bare {@code kubernetes}, the pod's own namespace file (in a pod, the state goes where nkd runs).
 */
public sealed interface StateLocation {
    /** The namespace of a bare {@code kubernetes} outside a pod. */
    String DEFAULT_NAMESPACE = "nkd-system";
    /** Where Kubernetes mounts a pod's namespace (with its ServiceAccount token). */
    Path POD_NAMESPACE_FILE = Path.of("/var/run/secrets/kubernetes.io/serviceaccount/namespace");

    /** A state directory. */
    record Local(Path dir) implements StateLocation {
        public Local {
            Objects.requireNonNull(dir, "dir");
        }

        @Override
        public String toString() {
            return "local:" + dir;
        }
    }

    /** A namespace of the Kubernetes cluster nkd's kubeconfig (or its pod) points at. */
    record Kubernetes(String namespace) implements StateLocation {
        public Kubernetes {
            Objects.requireNonNull(namespace, "namespace");
        }

        @Override
        public String toString() {
            return "kubernetes:" + namespace;
        }
    }

    /** DNS-1123 label: what Kubernetes accepts as a namespace name. */
    Pattern NAMESPACE = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");

    /**
     * Parses a {@code --state} value; a bare {@code kubernetes} means the pod's namespace when nkd runs in a pod, else
     * {@value #DEFAULT_NAMESPACE}.
     *
     * @throws IllegalArgumentException with a message starting "--state: " that says what is accepted
     */
    static StateLocation parse(String value) {
        return parse(value, podNamespace(POD_NAMESPACE_FILE));
    }

    /** As {@link #parse(String)}, with the pod's namespace given (empty: not in a pod). */
    static StateLocation parse(String value, Optional<String> podNamespace) {
        Objects.requireNonNull(value, "value");
        if (value.isBlank()) {
            throw invalid("the value is empty");
        }
        if (value.equals("kubernetes")) {
            return new Kubernetes(podNamespace.filter(ns -> NAMESPACE.matcher(ns).matches()).orElse(DEFAULT_NAMESPACE));
        }
        if (value.startsWith("kubernetes:")) {
            String ns = value.substring("kubernetes:".length());
            if (ns.isEmpty()) {
                throw invalid("\"kubernetes:\" names no namespace; write kubernetes:NAMESPACE, or kubernetes alone for "
                        + DEFAULT_NAMESPACE + " (the pod's own namespace in a pod)");
            }
            if (ns.length() > 63 || !NAMESPACE.matcher(ns).matches()) {
                throw invalid("namespace " + StateNames.quote(ns) + " is not a Kubernetes namespace name (lowercase"
                        + " letters, digits and '-', starting and ending with a letter or digit, at most 63 characters)");
            }
            return new Kubernetes(ns);
        }
        if (value.startsWith("local:")) {
            String dir = value.substring("local:".length());
            if (dir.isEmpty()) {
                throw invalid("\"local:\" names no directory; write local:DIR or just DIR");
            }
            return new Local(Path.of(dir));
        }
        String lower = value.toLowerCase(java.util.Locale.ROOT);
        if (!value.equals(lower) && (lower.equals("kubernetes") || lower.startsWith("kubernetes:") || lower.startsWith("local:"))) {
            // "Kubernetes" would otherwise be a directory of that name: almost certainly not what was meant
            throw invalid(StateNames.quote(value) + " is not a kind of store; the kinds are lowercase: kubernetes,"
                    + " kubernetes:NAMESPACE or local:DIR (for a directory of that name write local:" + value + " or ./" + value + ")");
        }
        int colon = value.indexOf(':');
        if (colon > 0 && value.substring(0, colon).matches("[a-z0-9]+") && !value.contains("/")) {
            throw invalid("unknown kind of store " + StateNames.quote(value.substring(0, colon)) + "; use local:DIR, a"
                    + " directory, kubernetes or kubernetes:NAMESPACE (for a directory with ':' in its name write"
                    + " local:" + value + ")");
        }
        return new Local(Path.of(value));
    }

    private static IllegalArgumentException invalid(String why) {
        return new IllegalArgumentException("--state: " + why);
    }

    /** The pod's namespace from its ServiceAccount mount, or empty outside a pod (or if unreadable). */
    static Optional<String> podNamespace(Path file) {
        try {
            return Optional.of(Files.readString(file, StandardCharsets.UTF_8).trim()).filter(s -> !s.isEmpty());
        } catch (IOException | SecurityException e) {
            return Optional.empty();
        }
    }
}
