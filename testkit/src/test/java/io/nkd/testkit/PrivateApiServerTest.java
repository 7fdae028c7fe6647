package io.nkd.testkit;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@link PrivateApiServer} says when it cannot start. (Starting with a good PKI is exercised by the reconciler's
 * tests, which serve the PKI nkd generates: KubeWorkloadClusterTest, BootstrapEndToEndTest.)
 */
class PrivateApiServerTest {
    @TempDir
    Path tmp;

    @Test
    void aPkiDirectoryWithoutTheServingCertificateIsRefusedNamingTheFile() throws Exception {
        Path pki = Files.createDirectories(tmp.resolve("pki"));
        Files.writeString(pki.resolve("ca.crt"), "x");
        PrivateApiServer.Binaries bin = new PrivateApiServer.Binaries(java.util.Optional.of(tmp), "");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PrivateApiServer.start(presentOr(bin), pki, PrivateApiServer.freePort(), "10.96.0.0/12"));
        assertTrue(e.getMessage().contains(pki + " has no apiserver.crt"), e.getMessage());
    }

    @Test
    void aServerThatCannotStartNamesItsLogFileAndKeepsIt() throws Exception {
        PrivateApiServer.Binaries bin = PrivateApiServer.binaries();
        Ci.require(bin.present(), bin.missing());
        Path pki = Files.createDirectories(tmp.resolve("pki"));
        for (String f : new String[] {"ca.crt", "apiserver.crt", "apiserver.key", "sa.key", "sa.pub"}) {
            Files.writeString(pki.resolve(f), "not PEM\n");
        }
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> PrivateApiServer.start(bin, pki, PrivateApiServer.freePort(), "10.96.0.0/12"));
        Matcher log = Pattern.compile("see (\\S+/kube-apiserver\\.log)").matcher(e.getMessage());
        assertTrue(log.find(), e.getMessage());
        Path file = Path.of(log.group(1));
        assertTrue(Files.isRegularFile(file), "the log is kept for the reader: " + file);
        assertTrue(e.getMessage().startsWith("kube-apiserver exited with"), e.getMessage());
        // the kept directory is the test's to remove
        try (var walk = Files.walk(file.getParent())) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** Validation of the PKI directory comes before anything runs, whatever binaries there are. */
    private static PrivateApiServer.Binaries presentOr(PrivateApiServer.Binaries fake) {
        PrivateApiServer.Binaries real = PrivateApiServer.binaries();
        return real.present() ? real : fake;
    }
}
