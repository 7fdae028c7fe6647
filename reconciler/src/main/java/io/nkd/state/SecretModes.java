package io.nkd.state;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which files of a cluster are secrets, so that a secret whose mode was widened by hand ({@code chmod 644
 * ca.key}, a careless restore) is set back to 0600 with a warning naming it. A secret's mode cannot be told from
 * a public file's once widened, so the store keeps the list itself in {@value #FILE} (a dot-file: the store's own,
 * never listed): a path joins it when written {@link Sensitivity#SECRET} and leaves it when written public or when
 * it no longer exists.
 *
 * <p>nkd fixes the mode rather than refusing to run: the state directory is nkd's alone (0700 all the way down,
 * so the widened file was not readable by others through it), and refusing would stop every reconcile of the
 * cluster over something nkd can repair. The warning tells the operator to find out who changed it.
 */
final class SecretModes {
    private static final Logger log = LoggerFactory.getLogger(SecretModes.class);
    static final String FILE = ".secret-files.json";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<PosixFilePermission> SECRET = Sensitivity.SECRET.permissions();

    private final Path dir;
    private final AtomicFiles files;
    private final TreeSet<String> secrets;

    private SecretModes(Path dir, AtomicFiles files, TreeSet<String> secrets) {
        this.dir = dir;
        this.files = files;
        this.secrets = secrets;
    }

    /**
     * Loads the list of a cluster's secrets (seeding it, for state written before the list existed, with the
     * files that are 0600 now), sets every listed secret back to 0600 with a warning, and forgets the ones that
     * are gone. Run when the cluster is opened, under its lock.
     */
    static SecretModes enforce(Path dir, AtomicFiles files) throws IOException {
        Path list = dir.resolve(FILE);
        TreeSet<String> secrets = new TreeSet<>();
        boolean changed = false;
        try {
            secrets.addAll(List.of(JSON.readValue(Files.readAllBytes(list), String[].class)));
        } catch (NoSuchFileException e) {
            secrets.addAll(filesWithMode(dir, SECRET));
            changed = !secrets.isEmpty();
        } catch (IOException e) {
            log.warn("{} is unreadable ({}); rebuilding it from the files that are 0600 now", list, e.getClass().getSimpleName());
            secrets.addAll(filesWithMode(dir, SECRET));
            changed = true;
        }
        for (String path : List.copyOf(secrets)) {
            Path file = dir.resolve(path);
            Set<PosixFilePermission> mode;
            try {
                mode = Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS);
            } catch (NoSuchFileException e) {
                secrets.remove(path);
                changed = true;
                continue;
            }
            if (!mode.equals(SECRET)) {
                log.warn("state file {} holds a secret but had mode {}; set it back to rw------- (nkd writes secrets 0600:"
                        + " find out who changed it, and whether it was copied while it was open)", file,
                        PosixFilePermissions.toString(mode));
                Files.setPosixFilePermissions(file, SECRET);
            }
        }
        SecretModes modes = new SecretModes(dir, files, secrets);
        if (changed) {
            modes.save();
        }
        return modes;
    }

    /** Notes how {@code path} was just written. */
    /** Whether the cluster's list names {@code path} (a '/'-separated state path) as a secret. */
    synchronized boolean isSecret(String path) {
        return secrets.contains(path);
    }

    synchronized void written(String path, Sensitivity sensitivity) throws IOException {
        boolean changed = sensitivity == Sensitivity.SECRET ? secrets.add(path) : secrets.remove(path);
        if (changed) {
            save();
        }
    }

    private void save() throws IOException {
        // not through the store's writer: its test hooks count and crash the writes of state, and this is not state
        AtomicFiles.replace(dir.resolve(FILE), JSON.writeValueAsBytes(secrets), Sensitivity.PUBLIC);
    }

    private static List<String> filesWithMode(Path top, Set<PosixFilePermission> wanted) throws IOException {
        List<String> out = new java.util.ArrayList<>();
        Files.walkFileTree(top, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                String name = file.getFileName().toString();
                if (attrs.isRegularFile() && !name.startsWith(".")
                        && Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS).equals(wanted)) {
                    out.add(top.relativize(file).toString());
                }
                return FileVisitResult.CONTINUE;
            }
        });
        return out;
    }
}
