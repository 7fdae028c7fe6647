package io.nkd.state;

import static io.nkd.state.StateTesting.CLOCK;
import static io.nkd.state.StateTesting.mode;
import static io.nkd.state.StateTesting.utf8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Modes of the state directory, its directories and files. */
class PermissionsTest {
    @TempDir
    Path tmp;

    @Test
    void directoriesAre0700SecretsAre0600OthersAre0644() throws IOException {
        LocalStateStore store = new LocalStateStore(tmp.resolve("state"), CLOCK);
        try (ClusterState state = store.open("demo")) {
            state.write("pki/etcd/ca.key", utf8("KEY"), Sensitivity.SECRET);
            state.write("pki/etcd/ca.crt", utf8("CERT"), Sensitivity.PUBLIC);
        }
        Path root = store.root();
        Path demo = root.resolve("clusters/demo");
        for (Path dir : List.of(root, root.resolve("clusters"), demo, demo.resolve("pki"), demo.resolve("pki/etcd"))) {
            assertEquals("rwx------", mode(dir), dir.toString());
        }
        assertEquals("rw-------", mode(demo.resolve("pki/etcd/ca.key")));
        assertEquals("rw-r--r--", mode(demo.resolve("pki/etcd/ca.crt")));
    }

    @Test
    void rewritingAFileGivesItTheModeOfTheNewSensitivity() {
        LocalStateStore store = new LocalStateStore(tmp.resolve("state"), CLOCK);
        Path file = store.root().resolve("clusters/demo/token");
        try (ClusterState state = store.open("demo")) {
            state.write("token", utf8("a"), Sensitivity.PUBLIC);
            assertEquals("rw-r--r--", mode(file));
            state.write("token", utf8("b"), Sensitivity.SECRET);
            assertEquals("rw-------", mode(file));
            state.writeJson("token", List.of(1), Sensitivity.PUBLIC);
            assertEquals("rw-r--r--", mode(file));
        }
    }

    /** The temporary file has its final mode before the rename: a secret is never readable by others. */
    @Test
    void theTemporaryFileHasItsFinalModeAndContentBeforeTheRename() throws IOException {
        record Seen(String name, String mode, byte[] content, boolean targetExisted, List<String> dirListing) {
        }
        List<Seen> seen = new ArrayList<>();
        LocalStateStore store = new LocalStateStore(tmp.resolve("state"), CLOCK, (temp, target) -> {
            try (Stream<Path> entries = Files.list(temp.getParent())) {
                seen.add(new Seen(temp.getFileName().toString(), mode(temp), Files.readAllBytes(temp),
                        Files.exists(target), entries.map(p -> p.getFileName().toString()).sorted().toList()));
            }
        });
        try (ClusterState state = store.open("demo")) {
            state.write("pki/sa.key", utf8("SECRET"), Sensitivity.SECRET);
            state.write("status.json", utf8("{}"), Sensitivity.PUBLIC);
        }
        assertEquals(2, seen.size());
        Seen secret = seen.get(0);
        assertTrue(secret.name().matches("\\.sa\\.key\\.tmp-[0-9a-f]{16}"), secret.name());
        assertEquals("rw-------", secret.mode());
        assertArrayEquals(utf8("SECRET"), secret.content());
        assertFalse(secret.targetExisted());
        assertEquals(List.of(secret.name()), secret.dirListing()); // the temp sits beside its target
        assertEquals("rw-r--r--", seen.get(1).mode());
        // After the rename no temporary file is left.
        try (Stream<Path> entries = Files.list(store.root().resolve("clusters/demo/pki"))) {
            assertEquals(List.of("sa.key"), entries.map(p -> p.getFileName().toString()).toList());
        }
    }

    @Test
    void anEmptyOpenRootIsTightened() throws IOException {
        Path root = Files.createDirectory(tmp.resolve("state"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
        new LocalStateStore(root);
        assertEquals("rwx------", mode(root));
    }

    @Test
    void aNonEmptyOpenRootIsRefusedWithTheCommandToRun() throws IOException {
        Path root = Files.createDirectory(tmp.resolve("my state"));
        Files.writeString(root.resolve("something"), "x");
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-x---"));
        InsecureStateDirectoryException e = assertThrows(InsecureStateDirectoryException.class,
                () -> new LocalStateStore(root));
        assertEquals(root.toRealPath(), e.directory());
        assertTrue(e.getMessage().startsWith("state directory " + root.toRealPath() + " has mode rwxr-x---: group or"
                + " others can access it"), e.getMessage());
        assertTrue(e.getMessage().contains("run: chmod 700 '" + root.toRealPath() + "'"), e.getMessage());
        assertEquals("rwxr-x---", mode(root), "left alone");

        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx------"));
        new LocalStateStore(root); // accepted once fixed
    }

    @Test
    void openDirectoriesBelowTheRootAreTightenedWhenTheClusterIsOpened() throws IOException {
        LocalStateStore store = new LocalStateStore(tmp.resolve("state"), CLOCK);
        try (ClusterState state = store.open("demo")) {
            state.write("pki/ca.key", utf8("KEY"), Sensitivity.SECRET);
        }
        Path clusters = store.root().resolve("clusters");
        Path demo = clusters.resolve("demo");
        Files.setPosixFilePermissions(clusters, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(demo, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(demo.resolve("pki"), PosixFilePermissions.fromString("rwxrwxrwx"));

        LocalStateStore reopened = new LocalStateStore(store.root(), CLOCK);
        assertEquals("rwx------", mode(clusters));
        reopened.open("demo").close();
        assertEquals("rwx------", mode(demo));
        assertEquals("rwx------", mode(demo.resolve("pki")));
    }

    @Test
    void aRootThatIsAFileIsRefused() throws IOException {
        Path file = Files.writeString(tmp.resolve("state"), "x");
        InvalidStatePathException e = assertThrows(InvalidStatePathException.class, () -> new LocalStateStore(file));
        assertEquals("state directory " + file + " is not a directory", e.getMessage());
    }

    @Test
    void missingParentsOfTheRootAreCreated() {
        LocalStateStore store = new LocalStateStore(tmp.resolve("a/b/state"));
        assertEquals("rwx------", mode(store.root()));
    }

    /** A secret chmodded 644 by hand is set back to 0600 when its cluster is next opened; public files keep 0644. */
    @Test
    void aSecretWidenedByHandIsSetBackWhenItsClusterIsOpened() throws Exception {
        LocalStateStore store = new LocalStateStore(tmp.resolve("widened"));
        try (ClusterState s = store.open("demo")) {
            s.write("pki/ca.key", StateTesting.utf8("key"), Sensitivity.SECRET);
            s.write("pki/ca.crt", StateTesting.utf8("crt"), Sensitivity.PUBLIC);
        }
        Path key = store.root().resolve("clusters/demo/pki/ca.key");
        Path crt = store.root().resolve("clusters/demo/pki/ca.crt");
        java.nio.file.Files.setPosixFilePermissions(key, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        try (ClusterState s = store.open("demo")) {
            org.junit.jupiter.api.Assertions.assertEquals("rw-------", StateTesting.mode(key));
            org.junit.jupiter.api.Assertions.assertEquals("rw-r--r--", StateTesting.mode(crt));
            // a file that stops being secret leaves the list
            s.write("pki/ca.key", StateTesting.utf8("now public"), Sensitivity.PUBLIC);
        }
        try (ClusterState s = store.open("demo")) {
            org.junit.jupiter.api.Assertions.assertEquals("rw-r--r--", StateTesting.mode(key));
            org.junit.jupiter.api.Assertions.assertEquals(java.util.List.of("pki/"), s.list(""), "the store's list is not state");
        }
    }
}
