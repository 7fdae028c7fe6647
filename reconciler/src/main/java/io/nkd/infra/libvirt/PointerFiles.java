package io.nkd.infra.libvirt;

import io.nkd.infra.ProviderException;
import io.nkd.state.AtomicFiles;
import io.nkd.state.Sensitivity;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The pointer configs QEMU reads into fw_cfg: {@code STATE_DIR/libvirt/<cluster>/<node>.ign}, 0600 in 0700 directories
 * (each carries the node's token). QEMU opens the file when the domain starts, so the libvirt host must be this host
 * and QEMU's user must be able to read it (nkd's user, or root).
 */
final class PointerFiles {
    private final Path root;

    PointerFiles(Path stateDir) {
        this.root = stateDir.resolve("libvirt");
    }

    Path path(String cluster, String node) {
        return root.resolve(cluster).resolve(node + ".ign");
    }

    void write(String cluster, String node, String pointer) {
        Path file = path(cluster, node);
        try {
            AtomicFiles.createPrivateDirectory(root);
            AtomicFiles.createPrivateDirectory(file.getParent());
            AtomicFiles.replace(file, pointer.getBytes(StandardCharsets.UTF_8), Sensitivity.SECRET);
        } catch (IOException e) {
            throw new ProviderException(ProviderException.Kind.OTHER, "cannot write " + node + "'s pointer config " + file + ": "
                    + e.getMessage(), null, e);
        }
    }

    /** Removes the file (nothing when absent) and the cluster's directory once it is empty. */
    void delete(Path file) {
        try {
            Files.deleteIfExists(file);
            Path dir = file.getParent();
            if (dir != null && dir.startsWith(root) && !dir.equals(root) && Files.isDirectory(dir)) {
                try (Stream<Path> rest = Files.list(dir)) {
                    if (rest.findAny().isEmpty()) {
                        Files.deleteIfExists(dir);
                    }
                }
            }
        } catch (IOException e) {
            throw new ProviderException(ProviderException.Kind.OTHER, "cannot delete the pointer config " + file + ": "
                    + e.getMessage(), null, e);
        }
    }

    /** The cluster's pointer config files. */
    List<Path> of(String cluster) {
        Path dir = root.resolve(cluster);
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (Stream<Path> files = Files.list(dir)) {
            files.filter(p -> p.getFileName().toString().endsWith(".ign")).sorted().forEach(out::add);
        } catch (IOException e) {
            throw new ProviderException(ProviderException.Kind.OTHER, "cannot list the pointer configs in " + dir + ": "
                    + e.getMessage(), null, e);
        }
        return out;
    }
}
