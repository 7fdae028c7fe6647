package io.nkd.butane.it;

import io.nkd.testsupport.IgnitionTools;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Applies nkd's output for it/apply/node.bu with the real Ignition (stages fetch then files, platform
 * "file", into a scratch root) and checks what it wrote, byte for byte and mode for mode. This is the
 * end-to-end proof that the data URLs, modes, compression and unit sections nkd emits mean to Ignition
 * what the Butane config says.
 */
class IgnitionApplyTest {
    @TempDir
    static Path tmp;
    static Path root;
    static String log;

    /**
     * Checked before each test, not in {@link #applyWithIgnition}: an assumption failing in a {@code @BeforeAll}
     * makes Maven Surefire report the class as zero tests, neither run nor skipped.
     */
    @BeforeEach
    void requireIgnitionAndRoot() {
        IgnitionTools.assumeIgnition();
        // The files stage chowns every node and runs groupadd/useradd --root (which chroots): root only.
        IgnitionTools.assumeRootAndUseradd(tmp);
        assertNotNull(root, "Ignition did not run in applyWithIgnition");
    }

    @BeforeAll
    static void applyWithIgnition() throws IOException {
        if (!Files.isExecutable(IgnitionTools.IGNITION) || !IgnitionTools.isRoot(tmp)) {
            return; // each test reports it (requireIgnitionAndRoot)
        }

        Path filesDir = Fixtures.filesDir(tmp);
        Path config = IgnitionTools.translateToFile(Fixtures.resource("apply/node.bu"), filesDir, true,
                tmp.resolve("node.ign"));
        root = IgnitionTools.applyFilesStage(config, tmp);
        log = Files.readString(tmp.resolve("ignition.log"));
    }

    /** Removes the mask link first: JUnit warns when cleaning up a link that points outside the temp dir. */
    @AfterAll
    static void dropMaskLink() throws IOException {
        if (root != null) {
            Files.deleteIfExists(root.resolve("etc/systemd/system/docker.service"));
        }
    }

    @Test
    void filesHaveExactContentsAndModes() {
        assertAll(
                // inline, percent-encoded (spaces, %, non-ASCII); no mode in Butane means 0644
                () -> assertFile("etc/nkd/inline.conf",
                        "# written by nkd\nkey = \"value with spaces, % and ünïcödé\"\n", "rw-r--r--"),
                () -> assertFile("etc/nkd/secret", "s3cr3t", "rw-------"),
                () -> assertFile("usr/local/bin/nkd-hook", "#!/bin/sh\nexec true\n", "rwxr-xr-x"),
                // local: read from the files dir at translation time
                () -> assertFile("etc/nkd/motd", Fixtures.MOTD, "rw-r--r--"),
                // local gzip with compression: gzip: embedded as is, Ignition decompresses it
                () -> assertFile("etc/nkd/payload", Fixtures.PAYLOAD, "rw-r--r--"),
                () -> assertFile("etc/nkd/appended", "first line\nsecond line\n", "rw-r--r--"),
                () -> assertArrayEquals(new byte[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, (byte) 0xff},
                        Files.readAllBytes(root.resolve("etc/nkd/binary"))),
                () -> assertEquals("rw-r-----", mode("etc/nkd/binary")));
    }

    /** Long repetitive inline text: nkd picks gzip+base64 for it, and Ignition must give back the text. */
    @Test
    void largeInlineFileRoundTripsThroughGzip() throws IOException {
        String line = "This paragraph is repeated so that gzip wins and the data URL is compressed and base64-encoded.\n";
        assertFile("etc/nkd/large", line.repeat(4), "rw-r--r--");
        // Proof that this file really took the gzip path, or the test would not cover it.
        JsonNode contents = null;
        for (JsonNode f : new ObjectMapper().readTree(tmp.resolve("node.ign").toFile()).path("storage").path("files")) {
            if (f.path("path").asText().equals("/etc/nkd/large")) {
                contents = f.path("contents");
            }
        }
        assertTrue(contents != null && contents.path("compression").asText().equals("gzip")
                && contents.path("source").asText().startsWith("data:;base64,H4sI"), String.valueOf(contents));
    }

    @Test
    void directoriesAndLinks() throws IOException {
        assertAll(
                () -> assertTrue(Files.isDirectory(root.resolve("etc/nkd"), LinkOption.NOFOLLOW_LINKS)),
                () -> assertEquals("rwxr-x---", mode("etc/nkd")),
                // a directory without mode gets 0755
                () -> assertEquals("rwxr-xr-x", mode("var/lib/nkd")),
                () -> assertLink("etc/nkd/current", "/etc/nkd/inline.conf"),
                () -> assertLink("usr/local/bin/hook", "nkd-hook"));
    }

    @Test
    void treeFilesExecutablesAndSymlinks() {
        assertAll(
                () -> assertFile("opt/tree/etc-file.conf", Fixtures.TREE_CONF, "rw-r--r--"),
                // an executable in the tree keeps an execute bit: 0755
                () -> assertFile("opt/tree/bin/run.sh", Fixtures.TREE_SCRIPT, "rwxr-xr-x"),
                () -> assertFile("opt/tree/sub/nested.txt", Fixtures.TREE_NESTED, "rw-r--r--"),
                () -> assertLink("opt/tree/sub/link", Fixtures.TREE_LINK_TARGET));
    }

    @Test
    void systemdUnitsDropinsMasksAndPresets() {
        assertAll(
                () -> assertFile("etc/systemd/system/nkd-agent.service", """
                        [Unit]
                        Description=nkd agent

                        [Service]
                        ExecStart=/usr/local/bin/nkd-hook

                        [Install]
                        WantedBy=multi-user.target
                        """, "rw-r--r--"),
                () -> assertFile("etc/systemd/system/nkd-agent.service.d/10-env.conf",
                        "[Service]\nEnvironment=NKD_MODE=node\n", "rw-r--r--"),
                () -> assertFile("etc/systemd/system/zincati.service.d/50-off.conf",
                        "[Unit]\nConditionPathExists=!/etc/nkd/no-zincati\n", "rw-r--r--"),
                // zincati has only a drop-in: Ignition must not invent a unit file for it
                () -> assertTrue(Files.notExists(root.resolve("etc/systemd/system/zincati.service"),
                        LinkOption.NOFOLLOW_LINKS)),
                // mask: a symlink to /dev/null
                () -> assertLink("etc/systemd/system/docker.service", "/dev/null"),
                // enabled: true / false become presets (Ignition does not run systemctl); Ignition writes them in
                // Go map order, which varies from run to run, so compare the set of lines
                () -> assertEquals(java.util.Set.of("enable nkd-agent.service", "disable zincati.service"),
                        java.util.Set.copyOf(Files.readAllLines(root.resolve("etc/systemd/system-preset/20-ignition.preset")))),
                () -> assertEquals("rw-r--r--", mode("etc/systemd/system-preset/20-ignition.preset")));
    }

    @Test
    void usersGroupsAndSshKeys() throws IOException {
        String passwd = Files.readString(root.resolve("etc/passwd"));
        String group = Files.readString(root.resolve("etc/group"));
        String shadow = Files.readString(root.resolve("etc/shadow"));
        assertAll(
                // every field given in Butane: the whole line is determined by the config
                () -> assertTrue(passwd.lines().anyMatch("ops:x:1500:1600:Operations:/var/home/ops:/bin/sh"::equals),
                        passwd),
                () -> assertTrue(passwd.lines().anyMatch(l -> l.matches("core:x:\\d+:\\d+::/home/core:.*")), passwd),
                () -> assertTrue(group.lines().anyMatch("ops:x:1600:"::equals), group),
                () -> assertTrue(group.lines().anyMatch("wheel:x:10:ops"::equals), group),
                () -> assertTrue(shadow.lines().anyMatch(l -> l.startsWith("ops:$6$saltsalt$0123456789abcdef:")), shadow),
                // a user without password_hash gets a locked password
                () -> assertTrue(shadow.lines().anyMatch(l -> l.startsWith("core:*:")), shadow),
                () -> assertTrue(Files.isDirectory(root.resolve("var/home/ops"))));
        // Ignition 2.14 writes the keys to a fragment under authorized_keys.d, owned by the user, 0600
        Path keys = root.resolve("home/core/.ssh/authorized_keys.d/ignition");
        assertFile("home/core/.ssh/authorized_keys.d/ignition", """
                ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE0Tf7W9o7LQ3eUgl3o2gYt3oLJx8X2q6lz4Vr8gT2hQ core@nkd
                ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7 admin@nkd
                """, "rw-------");
        int coreUid = Integer.parseInt(passwd.lines().filter(l -> l.startsWith("core:")).findFirst().orElseThrow()
                .split(":")[2]);
        assertEquals(coreUid, Files.getAttribute(keys, "unix:uid"));
        assertEquals("rwx------", mode("home/core/.ssh"));
    }

    private static void assertFile(String rel, String contents, String mode) throws IOException {
        Path p = root.resolve(rel);
        assertTrue(Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS), rel + " is not a regular file; Ignition log:\n" + log);
        assertEquals(contents, Files.readString(p), rel);
        if (mode != null) {
            assertEquals(mode, mode(rel), rel);
        }
    }

    private static void assertLink(String rel, String target) throws IOException {
        Path p = root.resolve(rel);
        assertTrue(Files.isSymbolicLink(p), rel + " is not a symlink; Ignition log:\n" + log);
        assertEquals(target, Files.readSymbolicLink(p).toString(), rel);
    }

    private static String mode(String rel) {
        try {
            return PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve(rel), LinkOption.NOFOLLOW_LINKS));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
