package io.nkd.reconcile;

import io.nkd.config.Snapshot;
import io.nkd.git.Snapshots;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;

/**
 * Follows a branch of a Git repository on this machine directly (no clone): for trying nkd out (`nkd demo`)
 * and for a repository that another process keeps up to date. Remote repositories go through a follower that
 * clones and fetches.
 */
public final class LocalRepoSource implements RevisionSource {
    private final Path repo;
    private final String ref;

    public LocalRepoSource(Path repo, String ref) {
        this.repo = repo;
        this.ref = ref;
    }

    @Override
    public Optional<Snapshot> poll(String known) throws SourceException {
        try (Repository r = new FileRepositoryBuilder().findGitDir(repo.toFile()).setMustExist(true).build()) {
            ObjectId head = r.resolve(ref + "^{commit}");
            if (head == null) {
                throw new SourceException("RefNotFound", "no branch, tag or commit \"" + ref + "\" in " + repo);
            }
            if (head.name().equals(known)) {
                return Optional.empty();
            }
            return Optional.of(Snapshots.fromGit(r, head.name()));
        } catch (org.eclipse.jgit.errors.RepositoryNotFoundException e) {
            throw new SourceException("NotARepository", repo + " is not a Git repository");
        } catch (IOException e) {
            throw new SourceException("ReadFailed", "cannot read " + repo + ": " + e.getMessage());
        }
    }

    @Override
    public Optional<Path> repository() {
        return Optional.of(repo);
    }

    @Override
    public String describe() {
        return repo + " @ " + ref;
    }
}
