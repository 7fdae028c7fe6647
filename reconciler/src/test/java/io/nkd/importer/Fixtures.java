package io.nkd.importer;

import io.nkd.config.ConfigLoader;
import io.nkd.config.ImageCatalog;
import io.nkd.config.RepositoryConfig;
import io.nkd.git.Snapshots;
import io.nkd.testsupport.RepoPaths;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/** The NKD configs under src/test/resources/importer/, and a scratch config repository to import them into. */
final class Fixtures {
    static final String LIBVIRT = "libvirt-3m2w.yaml";
    static final String OPENSTACK = "openstack.yaml";
    static final String SNAKE = "snake-case.yaml";
    static final String PXE = "pxe-certasset.yaml";

    /** Secret values the fixtures contain: none may appear in any output. */
    static final String[] SECRETS = {
        "$6$labsalt$LABPASSWORDHASH", "labtokensecret0001", "labcertkey000000",
        "OpenStackPassw0rd!secret", "prodtokensecret01",
        "LEGACYHASHsecretvalue", "legacytokensecret", "legacycertkey1111",
        "METALHASHsecretvalue", "metalcertkey0000",
    };

    /** The public key the libvirt fixture's sshKey file holds (tests supply it through the options). */
    static final String LAB_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILabKeyMaterialForImportTests000000000000 lab@example";

    private Fixtures() {
    }

    static String text(String name) {
        try (InputStream in = Fixtures.class.getResourceAsStream("/importer/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no fixture " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path file(String name) {
        return RepoPaths.repoRoot().resolve("reconciler/src/test/resources/importer").resolve(name);
    }

    static Path exampleImages() {
        return RepoPaths.repoRoot().resolve("repo-layout/example/images");
    }

    /** The example repository's image catalog (what a real target repository would have). */
    static Map<String, ImageCatalog.Release> exampleCatalog() {
        return ConfigLoader.load(Snapshots.fromDirectory(RepoPaths.repoRoot().resolve("repo-layout/example"))).images();
    }

    static NkdConfigImporter.Options options() {
        return NkdConfigImporter.Options.defaults().withCatalog(exampleCatalog())
                .withPublicKeyFiles(p -> p.equals("/root/.ssh/id_ed25519.pub") ? Optional.of(LAB_KEY + "\n") : Optional.empty());
    }

    static ImportResult convert(String name) {
        return NkdConfigImporter.convert(text(name), name, options());
    }

    /** A repository with a copy of the example's images/ and the import's files. */
    static Path writeRepo(Path dir, ImportResult result) throws IOException {
        copyImages(dir);
        for (var e : result.files().entrySet()) {
            Path f = dir.resolve(e.getKey());
            Files.createDirectories(f.getParent());
            Files.writeString(f, e.getValue(), StandardCharsets.UTF_8);
        }
        return dir;
    }

    static void copyImages(Path dir) throws IOException {
        Files.createDirectories(dir.resolve("images"));
        try (Stream<Path> files = Files.list(exampleImages())) {
            for (Path f : files.toList()) {
                Files.copy(f, dir.resolve("images").resolve(f.getFileName()));
            }
        }
    }

    static RepositoryConfig load(Path repo) {
        return ConfigLoader.load(Snapshots.fromDirectory(repo));
    }
}
