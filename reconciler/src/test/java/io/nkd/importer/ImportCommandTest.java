package io.nkd.importer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code nkd import nkd-config FILE [--out DIR] [--state-dir DIR] [--force]}. */
class ImportCommandTest {
    @TempDir
    Path dir;

    private Path repo() throws Exception {
        Path repo = dir.resolve("repo");
        Fixtures.copyImages(repo);
        return repo;
    }

    private static void assertNoStackTrace(CliHarness.Run r) {
        assertFalse(r.err().contains("\tat ") || r.err().contains("Exception"), r.err());
    }

    @Test
    void writesTheClusterPrintsTheItemsAndWhatValidationSays() throws Exception {
        Path repo = repo();
        CliHarness.Run r = CliHarness.run("import", "nkd-config", Fixtures.file(Fixtures.LIBVIRT).toString(), "--out", repo.toString());
        assertEquals(0, r.exit(), r.err());
        Path cluster = repo.resolve("clusters/lab/cluster.yaml");
        assertTrue(Files.isRegularFile(cluster));
        assertTrue(r.out().contains("wrote " + cluster), r.out());
        int wrote = r.out().indexOf("wrote ");
        int items = r.out().indexOf("Not carried over (");
        assertTrue(wrote >= 0 && items > wrote, "files first, then the items:\n" + r.out());
        assertTrue(r.out().contains("  - kubernetes.token: a secret, so it is not copied"), r.out());
        assertTrue(r.out().contains("nkd validate: cluster lab is valid."), r.out());
        assertTrue(Files.readString(cluster).contains("image: nestos-24.03-k8s-1.30"), "the --out repository's catalog is used");
        for (String secret : Fixtures.SECRETS) {
            assertFalse(r.out().contains(secret) || r.err().contains(secret), secret);
            assertFalse(Files.readString(cluster).contains(secret), secret);
        }
    }

    @Test
    void refusesToOverwriteUnlessForced() throws Exception {
        Path repo = repo();
        String file = Fixtures.file(Fixtures.OPENSTACK).toString();
        assertEquals(0, CliHarness.run("import", "nkd-config", file, "--out", repo.toString()).exit());
        Files.writeString(repo.resolve("clusters/prod-os/cluster.yaml"), "# edited\n");
        CliHarness.Run again = CliHarness.run("import", "nkd-config", file, "--out", repo.toString());
        assertEquals(1, again.exit());
        assertTrue(again.err().startsWith("Error: " + repo.resolve("clusters/prod-os") + " already exists"), again.err());
        assertTrue(again.err().contains("--force"), again.err());
        assertEquals("# edited\n", Files.readString(repo.resolve("clusters/prod-os/cluster.yaml")), "untouched");
        CliHarness.Run forced = CliHarness.run("import", "nkd-config", file, "--out", repo.toString(), "--force");
        assertEquals(0, forced.exit(), forced.err());
        assertTrue(Files.readString(repo.resolve("clusters/prod-os/cluster.yaml")).startsWith("# Imported from"));
        assertTrue(Files.isRegularFile(repo.resolve("images/prod-os-imported.yaml")));
    }

    @Test
    void tagOnlyImageImportsAndShowsTheValidationProblem() throws Exception {
        CliHarness.Run r = CliHarness.run("import", "nkd-config", Fixtures.file(Fixtures.SNAKE).toString(), "--out", repo().toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("pin the OS image by digest") || r.out().contains("Pin the OS image by digest"), r.out());
        assertTrue(r.out().contains("error: osImageURL must be pinned by digest"), r.out());
    }

    @Test
    void malformedInputExitsOneWithALocatedMessage() throws Exception {
        Path bad = Files.writeString(dir.resolve("cluster_config.yaml"), "clusterID: lab\nmaster:\n  - hostname: [a\n");
        CliHarness.Run r = CliHarness.run("import", "nkd-config", bad.toString(), "--out", dir.resolve("repo").toString());
        assertEquals(1, r.exit());
        assertTrue(r.err().startsWith("Error: cannot import " + bad + ":\n" + bad + ":"), r.err());
        assertTrue(r.err().matches("(?s).*" + java.util.regex.Pattern.quote(bad.toString()) + ":\\d+:\\d+: error: invalid YAML.*"), r.err());
        assertNoStackTrace(r);
        assertFalse(Files.exists(dir.resolve("repo/clusters")), "nothing written");
    }

    @Test
    void missingOrBinaryFilesAreOneLine() throws Exception {
        CliHarness.Run missing = CliHarness.run("import", "nkd-config", dir.resolve("nope.yaml").toString());
        assertEquals(1, missing.exit());
        assertEquals("Error: cannot read " + dir.resolve("nope.yaml") + ": no such file", missing.err().strip());
        Path binary = Files.write(dir.resolve("bin.yaml"), new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1});
        CliHarness.Run bin = CliHarness.run("import", "nkd-config", binary.toString());
        assertEquals(1, bin.exit());
        assertTrue(bin.err().contains("is not UTF-8 text"), bin.err());
        assertNoStackTrace(bin);
    }

    @Test
    void stateDirReadsTheCaFilesAndHandsThemToTheStore() throws Exception {
        Path pki = pkiFiles();
        Path config = Files.writeString(dir.resolve("metal.yaml"), Fixtures.text(Fixtures.PXE).replace("/etc/nkd/metal/pki", pki.toString()));
        List<Object[]> calls = new ArrayList<>();
        CliHarness.Run[] run = new CliHarness.Run[1];
        CliHarness.withCaSink(calls::add, () -> run[0] = CliHarness.run("import", "nkd-config", config.toString(),
                "--out", dir.resolve("repo").toString(), "--state-dir", dir.resolve("state").toString()));
        assertEquals(0, run[0].exit(), run[0].err());
        assertEquals(1, calls.size());
        assertEquals("metal", calls.get(0)[0]);
        @SuppressWarnings("unchecked")
        SortedMap<String, byte[]> files = (SortedMap<String, byte[]>) calls.get(0)[1];
        assertEquals(List.of("pki/ca.crt", "pki/ca.key", "pki/etcd/ca.crt", "pki/etcd/ca.key", "pki/front-proxy-ca.crt",
                "pki/front-proxy-ca.key", "pki/sa.key", "pki/sa.pub"), List.copyOf(files.keySet()));
        assertArrayEquals(Files.readAllBytes(pki.resolve("etcd/ca.key")), files.get("pki/etcd/ca.key"));
        assertEquals(dir.resolve("state"), calls.get(0)[2]);
        assertTrue(run[0].out().contains("stored 8 CA file(s) for metal"), run[0].out());
        assertFalse(run[0].out().contains("PRIVATE KEY"), "contents are never printed");
    }

    @Test
    void stateDirStoresTheCasWherePkiGenerationFindsThem() throws Exception {
        Path pki = pkiFiles();
        Path config = Files.writeString(dir.resolve("metal.yaml"), Fixtures.text(Fixtures.PXE).replace("/etc/nkd/metal/pki", pki.toString()));
        CliHarness.Run r = CliHarness.run("import", "nkd-config", config.toString(), "--out", dir.resolve("repo").toString(),
                "--state-dir", dir.resolve("state").toString());
        assertEquals(0, r.exit(), r.err());
        Path stored = dir.resolve("state/clusters/metal/kubernetes/pki");
        assertEquals(Files.readString(pki.resolve("ca.key")), Files.readString(stored.resolve("ca.key")));
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(stored.resolve("ca.key"))));
        assertTrue(Files.exists(stored.resolve("etcd/ca.crt")) && Files.exists(stored.resolve("sa.pub")));
        assertTrue(Files.exists(dir.resolve("repo/clusters/metal/cluster.yaml")));
    }

    @Test
    void aMissingCaFileNamesTheKeyAndPath() throws Exception {
        Path pki = pkiFiles();
        Files.delete(pki.resolve("front-proxy-ca.key"));
        Path config = Files.writeString(dir.resolve("metal.yaml"), Fixtures.text(Fixtures.PXE).replace("/etc/nkd/metal/pki", pki.toString()));
        CliHarness.Run r = CliHarness.run("import", "nkd-config", config.toString(), "--out", dir.resolve("repo").toString(),
                "--state-dir", dir.resolve("state").toString());
        assertEquals(1, r.exit());
        assertEquals("Error: certAsset.frontProxyCAKeyPath: cannot read " + pki.resolve("front-proxy-ca.key") + ": no such file",
                r.err().strip());
        Files.writeString(pki.resolve("front-proxy-ca.key"), "not pem");
        CliHarness.Run notPem = CliHarness.run("import", "nkd-config", config.toString(), "--out", dir.resolve("repo").toString(),
                "--state-dir", dir.resolve("state").toString());
        assertTrue(notPem.err().contains("certAsset.frontProxyCAKeyPath: " + pki.resolve("front-proxy-ca.key") + " is not a PEM file"),
                notPem.err());
    }

    @Test
    void withoutStateDirTheCaFilesAreAToDo() throws Exception {
        CliHarness.Run r = CliHarness.run("import", "nkd-config", Fixtures.file(Fixtures.PXE).toString(), "--out", repo().toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("not imported: the CA files of certAsset (certAsset.rootCACertPath"), r.out());
    }

    @Test
    void outMustBeADirectory() throws Exception {
        Path file = Files.writeString(dir.resolve("not-a-dir"), "x");
        CliHarness.Run r = CliHarness.run("import", "nkd-config", Fixtures.file(Fixtures.OPENSTACK).toString(), "--out", file.toString());
        assertEquals(1, r.exit());
        assertEquals("Error: --out " + file + " is not a directory; give the config repository's root", r.err().strip());
    }

    @Test
    void helpHasExamples() {
        CliHarness.Run r = CliHarness.run("import", "nkd-config", "--help");
        assertEquals(0, r.exit());
        assertTrue(r.out().contains("--state-dir") && r.out().contains("--force") && r.out().contains("Examples:"), r.out());
        CliHarness.Run group = CliHarness.run("import");
        assertEquals(0, group.exit());
        assertTrue(group.out().contains("nkd-config"), group.out());
    }

    private Path pkiFiles() throws Exception {
        Path pki = dir.resolve("pki");
        Files.createDirectories(pki.resolve("etcd"));
        for (String f : List.of("ca.crt", "front-proxy-ca.crt", "etcd/ca.crt")) {
            Files.writeString(pki.resolve(f), "-----BEGIN CERTIFICATE-----\nMIIB" + f + "\n-----END CERTIFICATE-----\n");
        }
        for (String f : List.of("ca.key", "front-proxy-ca.key", "etcd/ca.key", "sa.key")) {
            Files.writeString(pki.resolve(f), "-----BEGIN RSA PRIVATE KEY-----\nMIIE" + f + "\n-----END RSA PRIVATE KEY-----\n");
        }
        Files.writeString(pki.resolve("sa.pub"), "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----\n", StandardCharsets.US_ASCII);
        return pki;
    }
}
