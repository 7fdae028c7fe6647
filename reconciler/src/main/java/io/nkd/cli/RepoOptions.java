package io.nkd.cli;

import io.nkd.config.Snapshot;
import io.nkd.git.Snapshots;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --repo DIR [--rev REV]}: which snapshot of the config repository a command reads. */
final class RepoOptions {
    @Option(names = "--repo", paramLabel = "DIR", defaultValue = ".",
            description = "The config repository (default: the current directory).")
    Path repo;

    @Option(names = "--rev", paramLabel = "REV",
            description = "Read this Git revision (branch, tag, commit) instead of the working tree.")
    String rev;

    /**
     * The snapshot, which must look like a config repository: one with neither clusters/ nor images/ is
     * almost always the wrong directory, and "valid: 0 clusters" would hide that.
     */
    Snapshot snapshot() {
        Snapshot s = read();
        boolean layout = s.exists(io.nkd.config.ConfigLoader.CLUSTERS) || s.exists(io.nkd.config.ConfigLoader.IMAGES)
                || rev == null && Files.isDirectory(repo.resolve(io.nkd.config.ConfigLoader.CLUSTERS));
        if (!layout) {
            throw new UserException((repo.toString().equals(".") ? "the current directory" : repo.toString())
                    + (rev == null ? "" : " at " + rev) + " is not an nkd config repository: it has no clusters/ or images/ "
                    + "directory. Give the repository with --repo DIR, or create one with 'nkd init DIR'");
        }
        return s;
    }

    private Snapshot read() {
        if (!Files.isDirectory(repo)) {
            throw new UserException("config repository " + repo + " does not exist or is not a directory");
        }
        if (rev == null) {
            return Snapshots.fromDirectory(repo);
        }
        try {
            return Snapshots.fromGit(repo, rev);
        } catch (org.eclipse.jgit.errors.RepositoryNotFoundException e) {
            throw new UserException(repo + " is not a Git repository; --rev needs one (or drop --rev to read the files)");
        } catch (IOException e) {
            throw new UserException("--rev " + rev + ": " + Failures.describe(e));
        }
    }
}
