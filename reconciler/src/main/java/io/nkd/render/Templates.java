package io.nkd.render;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** nkd's templates, read once from the classpath ({@code templates/} of the repository, packaged in the jar). */
final class Templates {
    /** File templates handed to the Butane skeletons, by model name (dots and dashes become '_'). */
    static final List<String> FILES = List.of("containerd-config.toml", "crio.conf",
            "isulad-daemon.json", "kubeadm-init.yaml", "kubeadm-join.yaml", "nkd-bootstrap.sh", "nkd-os-rebase.sh", "nm-keyfile");

    private static final Map<String, Template> CACHE = new ConcurrentHashMap<>();

    private Templates() {
    }

    static Template butane(String name) {
        return load("templates/butane/" + name + ".bu");
    }

    static Template init(String name) {
        return load("templates/init/" + name);
    }

    static Template file(String name) {
        return load("templates/files/" + name);
    }

    static String modelName(String file) {
        return file.replace('.', '_').replace('-', '_');
    }

    private static Template load(String resource) {
        return CACHE.computeIfAbsent(resource, r -> {
            try (InputStream in = Templates.class.getClassLoader().getResourceAsStream(r)) {
                if (in == null) {
                    throw new IllegalStateException("template " + r + " is missing from the nkd build");
                }
                return Template.parse(r, new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }
}
