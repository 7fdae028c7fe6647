package io.nkd.cli;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nkd.config.ConfigLoader;
import io.nkd.config.LoadedCluster;
import io.nkd.config.RepositoryConfig;
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
            "Output: OUT/<cluster>/pools/<pool>.ign, OUT/<cluster>/nodes/<host>.ign, OUT/<cluster>/versions.json."
        },
        footer = {"", "Examples:",
            "  nkd render --repo . --out /tmp/rendered",
            "  nkd render --repo . --rev main --out out --state-dir /var/lib/nkd"})
final class RenderCommand implements Callable<Integer> {
    @Mixin
    RepoOptions repo;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Directory to write into.")
    Path out;

    @Option(names = "--state-dir", paramLabel = "DIR",
            description = "nkd's state directory: render with the clusters' real secrets (generated there on first use).")
    Path stateDir;

    @Option(names = "--cluster", paramLabel = "NAME", description = "Render only this cluster.")
    String only;

    @Override
    public Integer call() throws IOException {
        RepositoryConfig config = ConfigLoader.load(repo.snapshot());
        ClusterSecrets secretsStore = stateDir == null ? null : StateDirs.secrets(stateDir);
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
            write(out.resolve(cluster.name()), rendered);
            System.out.println(cluster.name() + ": " + rendered.versions());
        }
        if (only != null && config.cluster(only).isEmpty()) {
            throw new UserException("no cluster named " + only + " in the repository (clusters: "
                    + String.join(", ", config.clusters().stream().map(LoadedCluster::name).toList()) + ")");
        }
        return exit;
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
