package io.nkd.state;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** Reads and writes of one cluster's directory under its lock. */
final class LocalClusterState extends LocalClusterView implements ClusterState {
    private final AtomicFiles files;
    private final ClusterLock lock;
    private final SecretModes secrets;

    LocalClusterState(String cluster, Path dir, AtomicFiles files, ClusterLock lock, SecretModes secrets) {
        super(cluster, dir);
        this.files = files;
        this.lock = lock;
        this.secrets = secrets;
    }

    @Override
    public void write(String path, byte[] content, Sensitivity sensitivity) {
        Objects.requireNonNull(content, "content");
        Objects.requireNonNull(sensitivity, "sensitivity");
        checkOpen();
        List<String> segments = StateNames.path(path, false);
        createParents(path, segments);
        Path target = resolve(segments);
        if (Files.isDirectory(target)) {
            throw new InvalidStatePathException("state path " + StateNames.quote(path) + " of cluster " + cluster()
                    + " is a directory, not a file");
        }
        try {
            files.write(target, content, sensitivity.permissions());
        } catch (IOException e) {
            throw new StateIOException("cannot write " + target, e);
        }
        try {
            secrets.written(String.join("/", segments), sensitivity);
        } catch (IOException e) {
            throw new StateIOException("wrote " + target + " but cannot record it in " + dir().resolve(SecretModes.FILE), e);
        }
    }

    @Override
    public void writeJson(String path, Object value, Sensitivity sensitivity) {
        Objects.requireNonNull(value, "value");
        write(path, JsonCodec.write(value), sensitivity);
    }

    @Override
    public boolean delete(String path) {
        checkOpen();
        Path target = resolve(StateNames.path(path, false));
        try {
            return files.delete(target);
        } catch (IOException e) {
            throw new StateIOException("cannot delete " + target, e);
        }
    }

    @Override
    public Optional<byte[]> read(String path) {
        checkOpen();
        return super.read(path);
    }

    /** The store's list of secrets decides (a secret widened by hand was set back to 0600 when the cluster was opened). */
    @Override
    public Optional<Sensitivity> sensitivity(String path) {
        checkOpen();
        List<String> segments = StateNames.path(path, false);
        return super.sensitivity(path).map(mode -> secrets.isSecret(String.join("/", segments)) ? Sensitivity.SECRET : mode);
    }

    @Override
    public <T> Optional<T> readJson(String path, Class<T> type, Recovery recovery) {
        checkOpen();
        return super.readJson(path, type, recovery);
    }

    @Override
    public List<String> list(String dir) {
        checkOpen();
        return super.list(dir);
    }

    @Override
    public boolean exists(String path) {
        checkOpen();
        return super.exists(path);
    }

    @Override
    public void close() {
        lock.close();
    }

    private void createParents(String path, List<String> segments) {
        Path d = dir();
        for (String s : segments.subList(0, segments.size() - 1)) {
            d = d.resolve(s);
            try {
                AtomicFiles.createPrivateDirectory(d);
            } catch (NotDirectoryException e) {
                throw new InvalidStatePathException("state path " + StateNames.quote(path) + " of cluster " + cluster()
                        + " goes through " + dir().relativize(d) + ", which is a file, not a directory");
            } catch (IOException e) {
                throw new StateIOException("cannot create directory " + d, e);
            }
        }
    }

    /**
     * Writes without the lock could interleave with another nkd's, so a handle whose lock is gone refuses
     * them; reads too, so that a use-after-close is found at once rather than at the next write.
     */
    private void checkOpen() {
        if (!lock.isValid()) {
            throw new IllegalStateException("the state handle of cluster " + cluster()
                    + " is closed (its lock is released); open the cluster again");
        }
    }
}
