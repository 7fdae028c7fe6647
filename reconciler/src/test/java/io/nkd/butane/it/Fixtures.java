package io.nkd.butane.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.zip.GZIPOutputStream;

/**
 * The {@code --files-dir} content the it/ configs refer to. Built at test time rather than kept under
 * resources: Git and resource copying do not reliably keep symlinks, exec bits or binary files (the shared
 * conformance copy lost exactly those).
 */
final class Fixtures {
    static final String MOTD = "Welcome to nkd\n";
    static final String PAYLOAD = "compressed payload\n";
    static final String TREE_CONF = "a = 1\n";
    static final String TREE_SCRIPT = "#!/bin/sh\ntrue\n";
    static final String TREE_NESTED = "nested\n";
    static final String TREE_LINK_TARGET = "../etc-file.conf";

    private Fixtures() {
    }

    /** Creates the files directory under {@code dir} and returns it. */
    static Path filesDir(Path dir) {
        try {
            Path d = Files.createDirectories(dir.resolve("files"));
            Files.writeString(d.resolve("motd.txt"), MOTD);
            Files.write(d.resolve("payload.gz"), gzip(PAYLOAD.getBytes(StandardCharsets.UTF_8)));
            Files.writeString(d.resolve("ca.pem"), "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
            Path tree = d.resolve("tree");
            Files.createDirectories(tree.resolve("bin"));
            Files.createDirectories(tree.resolve("sub"));
            Files.writeString(tree.resolve("etc-file.conf"), TREE_CONF);
            Path script = Files.writeString(tree.resolve("bin/run.sh"), TREE_SCRIPT);
            Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.writeString(tree.resolve("sub/nested.txt"), TREE_NESTED);
            Files.createSymbolicLink(tree.resolve("sub/link"), Path.of(TREE_LINK_TARGET));
            return d;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
            gz.write(data);
        }
        return bytes.toByteArray();
    }

    /** A test resource as text (UTF-8). */
    static String resource(String name) {
        try (InputStream in = Fixtures.class.getResourceAsStream("/it/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no test resource it/" + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
