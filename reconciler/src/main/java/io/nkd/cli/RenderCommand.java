package io.nkd.cli;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nkd.config.ConfigLoader;
import io.nkd.config.LoadedCluster;
import io.nkd.config.RepositoryConfig;
import io.nkd.json.JsonOutput;
import io.nkd.render.BootstrapSecrets;
import io.nkd.render.ClusterRenderer;
import io.nkd.render.RenderedCluster;
import io.nkd.render.RenderedConfig;
import io.nkd.secrets.ClusterSecrets;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code nkd render}: the Ignition every node of every cluster would get, written to a directory. */
@Command(name = "render",
        mixinStandardHelpOptions = true,
        description = {
            "Render the Ignition config of every node pool (and each node's overlay) of every cluster.",
            "Without --state-dir, secrets are placeholders: the output is for review and is safe to share.",
            "Writes OUT/<cluster>/pools/<pool>.ign, OUT/<cluster>/nodes/<host>.ign and OUT/<cluster>/versions.json, "
                    + "then prints a summary: each cluster's pools, rendered versions and nodes, and the files written.",
            "With --out -, prints one JSON document with every rendered config instead and writes no files."
        },
        footer = {"", "Examples:",
            "  nkd render --repo . --out /tmp/rendered",
            "  nkd render --repo . --rev main --out out --state-dir /var/lib/nkd",
            "  nkd render --repo . --cluster sandbox-demo --out - > rendered.json",
            "  nkd render --repo . --out /tmp/rendered -o json"})
final class RenderCommand implements Callable<Integer> {
    @Mixin
    RepoOptions repo;

    @Option(names = "--out", required = true, paramLabel = "DIR",
            description = "Directory to write into, or - for one JSON document of all rendered configs on standard output.")
    String out;

    @picocli.CommandLine.Mixin
    OutputOption output;

    @Option(names = "--state-dir", paramLabel = "DIR",
            description = "nkd's state directory: render with the clusters' real secrets (generated there on first use).")
    Path stateDir;

    @Option(names = "--cluster", paramLabel = "NAME", description = "Render only this cluster.")
    String only;

    @Override
    public Integer call() {
        boolean toStdout = out.equals("-");
        if (toStdout && output.json()) {
            throw new UserException("--out - already prints JSON; drop -o json (or give --out DIR for files and a JSON summary)");
        }
        if (only != null && !only.matches("[a-z0-9-]+")) {
            throw new UserException("--cluster " + only + " is not a cluster name");
        }
        RepositoryConfig config = ConfigLoader.load(repo.snapshot());
        if (only != null && config.cluster(only).isEmpty()) {
            throw new UserException("no cluster named " + only + " in the repository (clusters: "
                    + String.join(", ", config.clusters().stream().map(LoadedCluster::name).toList()) + ")");
        }
        ClusterSecrets secretsStore = stateDir == null ? null : StateDirs.secrets(stateDir);
        java.util.List<Summary> summaries = new java.util.ArrayList<>();
        ObjectNode document = JsonNodeFactory.instance.objectNode();
        ObjectNode documentClusters = document.putObject("clusters");
        int exit = 0;
        for (LoadedCluster cluster : config.clusters()) {
            if (only != null && !only.equals(cluster.name())) {
                continue;
            }
            if (!cluster.valid()) {
                cluster.report().entries().forEach(System.err::println);
                System.err.println("Error: cluster " + cluster.name() + " is invalid and was not rendered");
                exit = 1;
                continue;
            }
            BootstrapSecrets secrets = secretsStore == null ? BootstrapSecrets.placeholders()
                    : StateDirs.call(() -> secretsStore.ensure(cluster));
            RenderedCluster rendered = ClusterRenderer.render(cluster, config.images(), secrets);
            rendered.report().entries().forEach(System.err::println);
            if (!rendered.ok()) {
                System.err.println("Error: cluster " + cluster.name() + " was not rendered; fix the problems above");
                exit = 1;
                continue;
            }
            if (toStdout) {
                documentClusters.set(cluster.name(), asJson(rendered));
            } else {
                Path dir = Path.of(out).resolve(cluster.name());
                try {
                    write(dir, rendered);
                } catch (IOException e) {
                    throw new UserException("cannot write " + dir + ": " + Failures.describe(e));
                }
                summaries.add(Summary.of(cluster, rendered, dir));
            }
        }
        if (toStdout) {
            document.put("revision", config.revision());
            System.out.println(JsonOutput.write(document, true));
        } else if (output.json()) {
            System.out.println(JsonOutput.write(summaries));
        } else {
            summaries.forEach(Summary::print);
        }
        return exit;
    }

    /** What {@code nkd render} tells the user about one cluster. */
    record Summary(String cluster, java.util.List<Pool> pools, java.util.List<Node> nodes, String directory, int filesWritten) {
        record Pool(String name, String version, int nodes) {
        }

        record Node(String name, String pool, String version) {
        }

        static Summary of(LoadedCluster cluster, RenderedCluster rendered, Path dir) {
            java.util.Map<String, String> poolOf = new java.util.HashMap<>();
            io.nkd.config.Topology.nodes(cluster.name(), cluster.spec()).forEach(n -> poolOf.put(n.name(), n.pool().name()));
            java.util.List<Node> nodes = rendered.nodes().stream()
                    .map(n -> new Node(n.name(), poolOf.get(n.name()), n.version())).toList();
            java.util.List<Pool> pools = rendered.pools().stream()
                    .map(p -> new Pool(p.name(), p.version(), (int) nodes.stream().filter(n -> p.name().equals(n.pool())).count()))
                    .toList();
            return new Summary(rendered.cluster(), pools, nodes, dir.toString(), pools.size() + nodes.size() + 1);
        }

        void print() {
            System.out.println(cluster + ": " + pools.size() + " pool(s), " + nodes.size() + " node(s); wrote " + filesWritten
                    + " files to " + directory);
            for (Pool p : pools) {
                System.out.printf("  pool %-20s %-40s %d node(s)%n", p.name(), p.version(), p.nodes());
            }
            for (Node n : nodes) {
                System.out.printf("  node %-32s %-16s %s%n", n.name(), n.pool(), n.version());
            }
        }
    }

    /** One cluster in the {@code --out -} document: each pool's and node's version and Ignition config. */
    private static ObjectNode asJson(RenderedCluster rendered) {
        ObjectNode c = JsonNodeFactory.instance.objectNode();
        ObjectNode pools = c.putObject("pools");
        for (RenderedConfig p : rendered.pools()) {
            pools.putObject(p.name()).put("version", p.version()).set("config", p.config());
        }
        ObjectNode nodes = c.putObject("nodes");
        for (RenderedConfig n : rendered.nodes()) {
            nodes.putObject(n.name()).put("version", n.version()).set("config", n.config());
        }
        return c;
    }

    private static void write(Path dir, RenderedCluster rendered) throws IOException {
        Files.createDirectories(dir.resolve("pools"));
        Files.createDirectories(dir.resolve("nodes"));
        ObjectNode versions = JsonNodeFactory.instance.objectNode();
        versions.put("cluster", rendered.cluster());
        ObjectNode pools = versions.putObject("pools");
        for (RenderedConfig p : rendered.pools()) {
            pools.put(p.name(), p.version());
            writeJson(dir.resolve("pools").resolve(p.name() + ".ign"), p);
        }
        ObjectNode nodes = versions.putObject("nodes");
        for (RenderedConfig n : rendered.nodes()) {
            nodes.put(n.name(), n.version());
            writeJson(dir.resolve("nodes").resolve(n.name() + ".ign"), n);
        }
        Files.writeString(dir.resolve("versions.json"), JsonOutput.write(versions, true) + "\n", StandardCharsets.UTF_8);
    }

    private static void writeJson(Path file, RenderedConfig c) throws IOException {
        Files.writeString(file, JsonOutput.write(c.config(), true) + "\n", StandardCharsets.UTF_8);
    }
}
