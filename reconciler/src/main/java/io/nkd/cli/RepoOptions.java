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

    Snapshot snapshot() {
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
            throw new UserException(e.getMessage());
        }
    }
}
