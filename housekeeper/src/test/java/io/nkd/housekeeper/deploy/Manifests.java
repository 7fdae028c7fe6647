package io.nkd.housekeeper.deploy;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/** The manifests in templates/housekeeper, in the order {@code kubectl apply -f templates/housekeeper} reads them. */
final class Manifests {
    static final String NAMESPACE = "housekeeper-system";

    private Manifests() {
    }

    static List<Path> files() {
        try (Stream<Path> s = Files.list(RepoFiles.path(RepoFiles.TEMPLATES))) {
            return s.filter(p -> p.getFileName().toString().endsWith(".yaml")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every object of every file; {@code client} only parses (fabric8's serialization), it calls no server. */
    static List<HasMetadata> load(KubernetesClient client) {
        List<HasMetadata> all = new ArrayList<>();
        for (Path f : files()) {
            try (InputStream in = Files.newInputStream(f)) {
                List<HasMetadata> items = client.load(in).items();
                if (items.isEmpty()) {
                    throw new AssertionError(f + " holds no Kubernetes object");
                }
                all.addAll(items);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return all;
    }

    static <T extends HasMetadata> List<T> ofKind(List<HasMetadata> all, Class<T> type) {
        return all.stream().filter(type::isInstance).map(type::cast).toList();
    }

    static <T extends HasMetadata> T one(List<HasMetadata> all, Class<T> type, String name) {
        return find(all, type, name).orElseThrow(() -> new AssertionError("templates/housekeeper has no "
                + type.getSimpleName() + " named " + name));
    }

    static <T extends HasMetadata> Optional<T> find(List<HasMetadata> all, Class<T> type, String name) {
        return ofKind(all, type).stream().filter(o -> o.getMetadata().getName().equals(name)).findFirst();
    }
}
