package io.nkd.state;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.LinkOption;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Reads of one cluster's directory; no lock (files are replaced atomically). */
class LocalClusterView implements ClusterView {
    private final String cluster;
    private final Path dir;

    LocalClusterView(String cluster, Path dir) {
        this.cluster = cluster;
        this.dir = dir;
    }

    @Override
    public String cluster() {
        return cluster;
    }

    @Override
    public Optional<byte[]> read(String path) {
        Path file = resolve(StateNames.path(path, false));
        try {
            return Optional.of(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            if (Files.isDirectory(file)) {
                throw new InvalidStatePathException("state path " + StateNames.quote(path) + " of cluster "
                        + cluster + " is a directory, not a file");
            }
            if (!Files.exists(file)) {
                return Optional.empty(); // e.g. a parent is a file: nothing there
            }
            throw new StateIOException("cannot read " + file, e);
        }
    }

    /** The file's inode, modification time and size: a replaced file (every write replaces one) has a new inode. */
    @Override
    public Optional<Object> version(String path) {
        Path file = resolve(StateNames.path(path, false));
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            return a.isRegularFile() && a.fileKey() != null
                    ? Optional.of(List.of(a.fileKey(), a.lastModifiedTime(), a.size())) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Without the lock: by the file's mode (secrets are 0600; the handle, under the lock, also asks the list). */
    @Override
    public Optional<Sensitivity> sensitivity(String path) {
        Path file = resolve(StateNames.path(path, false));
        try {
            if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                return Optional.empty();
            }
            return Optional.of(Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS)
                    .equals(Sensitivity.SECRET.permissions()) ? Sensitivity.SECRET : Sensitivity.PUBLIC);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    @Override
    public <T> Optional<T> readJson(String path, Class<T> type, Recovery recovery) {
        return read(path).map(bytes -> JsonCodec.read(bytes, type, resolve(StateNames.path(path, false)), recovery));
    }

    @Override
    public List<String> list(String path) {
        Path d = resolve(StateNames.path(path, true));
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(d)) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                // The store's own files (.lock, leftovers) and names no caller could have written stay hidden.
                if (StateNames.isStateName(name)) {
                    names.add(Files.isDirectory(entry) ? name + "/" : name);
                }
            }
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (NotDirectoryException e) {
            throw new InvalidStatePathException("state path " + StateNames.quote(path) + " of cluster " + cluster
                    + " is a file, not a directory");
        } catch (IOException e) {
            throw new StateIOException("cannot list " + d, e);
        }
        names.sort(null);
        return List.copyOf(names);
    }

    @Override
    public boolean exists(String path) {
        return Files.exists(resolve(StateNames.path(path, true)));
    }

    @Override
    public String location() {
        return dir.toString();
    }

    /** The cluster's directory. */
    final Path dir() {
        return dir;
    }

    /** Safe because the segments are validated: none is '..', empty or absolute. */
    final Path resolve(List<String> segments) {
        Path p = dir;
        for (String s : segments) {
            p = p.resolve(s);
        }
        return p;
    }

    @Override
    public String toString() {
        return "state of cluster " + cluster + " (" + dir + ")";
    }
}
