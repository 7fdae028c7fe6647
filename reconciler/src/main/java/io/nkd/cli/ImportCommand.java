package io.nkd.cli;

import io.nkd.config.ConfigLoader;
import io.nkd.config.ImageCatalog;
import io.nkd.config.LoadedCluster;
import io.nkd.config.Snapshot;
import io.nkd.git.Snapshots;
import io.nkd.importer.ImportException;
import io.nkd.importer.ImportResult;
import io.nkd.importer.NkdConfigImporter;
import io.nkd.importer.NotCarriedOver;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code nkd import}: bring clusters described for other tools into the config repository. */
@Command(name = "import",
        mixinStandardHelpOptions = true,
        description = {"Import clusters described for other tools into the config repository."},
        subcommands = {ImportCommand.NkdConfig.class},
        footer = {"", "Examples:",
            "  nkd import nkd-config cluster_config.yaml --out .",
            "  nkd import nkd-config /etc/nkd/cluster_config.yaml --state-dir /var/lib/nkd"})
public final class ImportCommand implements Runnable {
    /** Stores imported CA files in nkd's state directory (a seam tests replace). */
    interface CaSink {
        void store(String cluster, SortedMap<String, byte[]> kubeadmPathToPem, Path stateDir);
    }

    /** Imported CAs go where nkd's PKI generation finds them, and are used instead of generating new ones. */
    static CaSink caSink = (cluster, files, stateDir) ->
            StateDirs.call(() -> {
                io.nkd.secrets.ClusterSecrets.importAuthorities(StateDirs.open(stateDir), cluster, files);
                return null;
            });

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** {@code nkd import nkd-config FILE}: a NestOS-Kubernetes-Deployer cluster_config.yaml. */
    @Command(name = "nkd-config",
            mixinStandardHelpOptions = true,
            description = {
                "Import NKD's (NestOS-Kubernetes-Deployer) cluster_config.yaml as an nkd cluster.",
                "Writes clusters/<clusterID>/cluster.yaml into the config repository (and "
                        + "images/<clusterID>-imported.yaml when NKD's release image becomes a catalog "
                        + "entry), then lists every NKD setting that was not carried over and what to do.",
                "Passwords, tokens and keys are never copied into the repository.",
                "With --state-dir, the CA files of NKD's certAsset are stored for the cluster."
            },
            footer = {"", "Examples:",
                "  nkd import nkd-config cluster_config.yaml",
                "  nkd import nkd-config cluster_config.yaml --out ~/repo --force",
                "  nkd import nkd-config cluster_config.yaml --state-dir /var/lib/nkd"})
    static final class NkdConfig implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "FILE", description = "NKD's cluster config (cluster_config.yaml).")
        Path file;

        @Option(names = "--out", paramLabel = "DIR", defaultValue = ".",
                description = "The config repository root to write into (default: the current directory).")
        Path out;

        @Option(names = "--state-dir", paramLabel = "DIR",
                description = "nkd's state directory: also import the CA files certAsset names (relative paths are "
                        + "read from the current directory, as NKD did).")
        Path stateDir;

        @Option(names = "--force", description = "Overwrite the cluster's files if they exist.")
        boolean force;

        @Override
        public Integer call() {
            String text = readSource(file);
            if (Files.exists(out) && !Files.isDirectory(out)) {
                throw new UserException("--out " + out + " is not a directory; give the config repository's root");
            }
            NkdConfigImporter.Options options = NkdConfigImporter.Options.defaults()
                    .withCatalog(catalog(out))
                    .withPublicKeyFiles(p -> readText(expandHome(p)));
            ImportResult result;
            try {
                result = NkdConfigImporter.convert(text, file.toString(), options);
            } catch (ImportException e) {
                throw new UserException("cannot import " + file + ":\n" + Failures.describe(e));
            }
            refuseOverwrite(result);
            if (stateDir != null && !result.caFiles().isEmpty()) {
                // before touching the repository: a failure here leaves nothing half-imported
                caSink.store(result.cluster(), readCaFiles(result), stateDir);
            }
            for (Map.Entry<String, String> f : result.files().entrySet()) {
                Path target = out.resolve(f.getKey());
                try {
                    Files.createDirectories(target.getParent());
                    Files.writeString(target, f.getValue(), StandardCharsets.UTF_8);
                } catch (IOException e) {
                    throw new UserException("cannot write " + target + ": " + Failures.describe(e));
                }
                System.out.println("wrote " + target);
            }
            if (stateDir != null && !result.caFiles().isEmpty()) {
                System.out.println("stored " + result.caFiles().size() + " CA file(s) for " + result.cluster() + " in " + stateDir);
            } else if (stateDir != null) {
                System.out.println("no CA files to store: certAsset names none, so nkd generates the cluster's CAs");
            } else if (!result.caFiles().isEmpty()) {
                System.out.println("not imported: the CA files of certAsset (" + String.join(", ", result.caKeys().values())
                        + "); run again with --state-dir DIR --force, or nkd generates a new CA that the old nodes do not trust");
            }
            printItems(result);
            printValidation(result);
            return 0;
        }

        private static String readSource(Path file) {
            if (Files.isDirectory(file)) {
                throw new UserException(file + " is a directory; give NKD's cluster config file");
            }
            try {
                // strict decoding: a binary or Latin-1 file is an error, not mojibake in cluster.yaml
                String text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(Files.readAllBytes(file))).toString();
                return text.startsWith("\uFEFF") ? text.substring(1) : text;
            } catch (NoSuchFileException e) {
                throw new UserException("cannot read " + file + ": no such file");
            } catch (CharacterCodingException e) {
                throw new UserException("cannot read " + file + ": it is not UTF-8 text (is it a binary file?)");
            } catch (IOException e) {
                throw new UserException("cannot read " + file + ": " + Failures.describe(e));
            }
        }

        private void refuseOverwrite(ImportResult result) {
            if (force) {
                return;
            }
            Path clusterDir = out.resolve("clusters").resolve(result.cluster());
            if (Files.exists(clusterDir)) {
                throw new UserException(clusterDir + " already exists; import into another repository, or use --force "
                        + "to overwrite its cluster.yaml");
            }
            for (String f : result.files().keySet()) {
                if (Files.exists(out.resolve(f))) {
                    throw new UserException(out.resolve(f) + " already exists; use --force to overwrite it");
                }
            }
        }

        /** Every CA file, or a clear error naming the certAsset key and path. Contents are never printed. */
        private static SortedMap<String, byte[]> readCaFiles(ImportResult result) {
            SortedMap<String, byte[]> pem = new TreeMap<>();
            for (Map.Entry<String, String> e : result.caFiles().entrySet()) {
                String key = result.caKeys().get(e.getKey());
                Path source = expandHome(e.getValue());
                byte[] bytes;
                try {
                    bytes = Files.readAllBytes(source);
                } catch (NoSuchFileException x) {
                    throw new UserException(key + ": cannot read " + source + ": no such file");
                } catch (IOException x) {
                    throw new UserException(key + ": cannot read " + source + ": " + Failures.describe(x));
                }
                if (!new String(bytes, StandardCharsets.US_ASCII).contains("-----BEGIN ")) {
                    throw new UserException(key + ": " + source + " is not a PEM file (no -----BEGIN line)");
                }
                pem.put(e.getKey(), bytes);
            }
            return pem;
        }

        private static void printItems(ImportResult result) {
            if (result.notCarriedOver().isEmpty()) {
                System.out.println("Everything was carried over.");
                return;
            }
            System.out.println();
            System.out.println("Not carried over (" + result.notCarriedOver().size() + "); review each before applying:");
            for (NotCarriedOver item : result.notCarriedOver()) {
                System.out.println("  - " + item);
            }
        }

        /** What nkd validate will say about the imported cluster, so the to-dos are visible right away. */
        private void printValidation(ImportResult result) {
            Optional<LoadedCluster> cluster = ConfigLoader.load(Snapshots.fromDirectory(out)).cluster(result.cluster());
            System.out.println();
            if (cluster.isEmpty() || cluster.get().report().isEmpty()) {
                System.out.println("nkd validate: cluster " + result.cluster() + " is valid.");
            } else {
                System.out.println("nkd validate reports for cluster " + result.cluster() + ":");
                cluster.get().report().entries().forEach(e -> System.out.println("  " + e));
            }
            System.out.println("Next: review the files, then run 'nkd validate --repo " + out + "' and commit.");
        }

        /** Releases of the target repository's image catalogs, so an existing release is reused. */
        private static Map<String, ImageCatalog.Release> catalog(Path repo) {
            Path images = repo.resolve(ConfigLoader.IMAGES);
            if (!Files.isDirectory(images)) {
                return Map.of();
            }
            TreeMap<String, byte[]> files = new TreeMap<>();
            try (Stream<Path> list = Files.list(images)) {
                for (Path f : list.filter(Files::isRegularFile).toList()) {
                    files.put(ConfigLoader.IMAGES + "/" + f.getFileName(), Files.readAllBytes(f));
                }
            } catch (IOException e) {
                throw new UserException("cannot read " + images + ": " + Failures.describe(e));
            }
            return ConfigLoader.load(new Snapshot("image catalogs of " + repo, files)).images();
        }

        private static Optional<String> readText(Path p) {
            try {
                return Optional.of(Files.readString(p, StandardCharsets.UTF_8));
            } catch (IOException | RuntimeException e) {
                return Optional.empty();
            }
        }

        private static Path expandHome(String path) {
            return path.startsWith("~/") ? Path.of(System.getProperty("user.home"), path.substring(2)) : Path.of(path);
        }
    }
}
