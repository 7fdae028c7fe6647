package io.nkd.cli;

import io.nkd.render.Scaffold;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.lib.PersonIdent;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code nkd init DIR}: a new config repository with one sandbox cluster and an image catalog, committed. */
@Command(name = "init",
        mixinStandardHelpOptions = true,
        description = {"Create a new config repository: git init, one sandbox cluster, an image catalog, a README "
                + "and a .gitignore, committed on branch main.", "DIR must not exist or be empty."},
        footer = {"", "Examples:", "  nkd init my-clusters", "  nkd init --cluster lab my-clusters && nkd validate --repo my-clusters"})
final class InitCommand implements Callable<Integer> {
    @Parameters(paramLabel = "DIR", description = "Directory to create the repository in.")
    Path dir;

    @Option(names = "--cluster", defaultValue = "demo", description = "Name of the first cluster (default: demo).")
    String cluster;

    @Override
    public Integer call() throws IOException {
        if (!cluster.matches("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")) {
            throw new UserException("cluster name \"" + cluster + "\" must be a DNS label: lowercase letters, digits and '-'");
        }
        if (Files.exists(dir) && (!Files.isDirectory(dir) || Files.list(dir).findAny().isPresent())) {
            throw new UserException(dir + " already exists and is not an empty directory; choose a new one");
        }
        Map<String, String> files = Scaffold.files(cluster);
        for (var e : files.entrySet()) {
            Path p = dir.resolve(e.getKey());
            Files.createDirectories(p.getParent());
            Files.writeString(p, e.getValue(), StandardCharsets.UTF_8);
        }
        try (Git git = Git.init().setDirectory(dir.toFile()).setInitialBranch("main").call()) {
            git.add().addFilepattern(".").call();
            PersonIdent who = new PersonIdent("nkd init", "nkd@localhost");
            git.commit().setMessage("Start a config repository with cluster " + cluster + " (nkd init)")
                    .setAuthor(who).setCommitter(who).setSign(false).call();
        } catch (GitAPIException e) {
            throw new UserException("git init in " + dir + " failed: " + Failures.describe(e));
        }
        System.out.println("Created config repository " + dir + " with cluster " + cluster + " (branch main).");
        System.out.println("Next: nkd validate --repo " + dir + "; nkd render --repo " + dir + " --out " + dir.resolve("rendered"));
        return 0;
    }
}
