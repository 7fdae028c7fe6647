package io.nkd.git;

import io.nkd.config.Snapshot;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.eclipse.jgit.api.FetchCommand;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.errors.MissingObjectException;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.lib.StoredConfig;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.transport.RefSpec;
import org.eclipse.jgit.transport.TagOpt;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows one {@link RepoSource} with a bare clone of nkd's own in a work directory under the state
 * directory ({@code DIR/repo.git}, plus {@code DIR/ssh}, an empty home for the SSH client).
 *
 * <p>The daemon polls with {@link #remoteHead()} (one ref advertisement, no objects) and calls
 * {@link #fetch()} when it wants the revision; {@code fetch()} itself transfers nothing when the advertised
 * head is the last fetched one. The last fetched head is kept in the clone ({@value #HEAD_REF}), so a
 * restarted daemon knows it, and its predecessor in {@value #PREVIOUS_REF}, so a force push can be diffed.
 * Fetches are full (not shallow): ancestry decides whether history was rewritten, and signature checks and
 * {@code nkd plan --base} need older commits.
 *
 * <p>One caller at a time per clone (the cluster's reconcile loop); methods are synchronized so a webhook
 * that triggers a poll cannot interleave with the timer's. Two processes must not share a work directory
 * (the state store's cluster lock guarantees that).
 */
public final class RepoFollower implements AutoCloseable {
    /** The last fetched head (the advertised object: a commit, or an annotated tag). */
    public static final String HEAD_REF = "refs/nkd/head";
    /** The head before the last change, kept so a rewritten history stays available for diffs. */
    public static final String PREVIOUS_REF = "refs/nkd/previous";
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    private static final Logger LOG = LoggerFactory.getLogger(RepoFollower.class);
    private static final String SCAN_PREFIX = "refs/nkd/scan/";

    /** The selection on the remote: the ref and the commit it points at (peeled). */
    public record ResolvedRef(String ref, ObjectId commit) {
    }

    private final RemoteAccess remote;
    private final Repository repo;
    private final RefAdvertisement advertisement;
    private final AtomicLong fetches = new AtomicLong();

    private RepoFollower(RemoteAccess remote, Repository repo) {
        this.remote = remote;
        this.repo = repo;
        this.advertisement = new RefAdvertisement(remote, repo);
    }

    public static RepoFollower open(RepoSource source, Path workDir) throws GitException {
        return open(source, workDir, DEFAULT_TIMEOUT, System::getenv);
    }

    /**
     * Opens (creating if needed) the clone in {@code workDir}. A clone made for another URL forgets its
     * heads: the next fetch is an {@link FetchOutcome.Initial}, since ancestry across repositories means nothing.
     */
    public static RepoFollower open(RepoSource source, Path workDir, Duration timeout,
            Function<String, String> environment) throws GitException {
        Path gitDir = workDir.resolve("repo.git");
        Path sshHome = workDir.resolve("ssh");
        Repository repo = null;
        try {
            createPrivateDirectory(workDir);
            createPrivateDirectory(sshHome);
            repo = new FileRepositoryBuilder().setGitDir(gitDir.toFile()).setBare().build();
            if (!repo.getObjectDatabase().exists()) {
                repo.create(true);
            }
            StoredConfig config = repo.getConfig();
            String previousUrl = config.getString("remote", "origin", "url");
            if (previousUrl != null && !previousUrl.equals(source.url())) {
                LOG.warn("repository URL changed from {} to {}: forgetting the last fetched head", previousUrl,
                        source.url());
                deleteRef(repo, HEAD_REF);
                deleteRef(repo, PREVIOUS_REF);
            }
            config.setString("remote", "origin", "url", source.url());
            config.save();
            return new RepoFollower(new RemoteAccess(source, sshHome, timeout, environment), repo);
        } catch (IOException | RuntimeException e) {
            if (repo != null) {
                repo.close();
            }
            throw new GitException.LocalFailure("cannot open the clone in " + workDir + ": " + e.getMessage(), e);
        }
    }

    public RepoSource source() {
        return remote.source();
    }

    /** The bare clone, for reading commits (verification, notes, diffs). Not to be closed by the caller. */
    public Repository repository() {
        return repo;
    }

    /**
     * The selection on the remote now, from one ref advertisement. A pinned commit needs no network and
     * resolves to itself. Empty only for a semver range that no tag matches yet (waiting for the first
     * release is a normal state); a missing branch or tag is {@link GitException.RefNotFound}.
     */
    public synchronized Optional<ResolvedRef> resolve() throws GitException {
        return advertisement.resolve().map(a -> new ResolvedRef(a.ref(), a.commit()));
    }

    /** The commit {@link #resolve()} selects: the cheap poll. */
    public Optional<ObjectId> remoteHead() throws GitException {
        return resolve().map(ResolvedRef::commit);
    }

    /** The commit of the last fetch, from the clone (no network). */
    public synchronized Optional<ObjectId> lastFetched() throws GitException {
        try {
            return Optional.ofNullable(peel(repo.exactRef(HEAD_REF)));
        } catch (IOException e) {
            throw local("cannot read " + HEAD_REF, e);
        }
    }

    /**
     * Brings the selected commit into the clone, transferring objects only when the advertised head differs
     * from the last fetched one, and says how the selection moved.
     */
    public synchronized FetchOutcome fetch() throws GitException {
        RefAdvertisement.Advertised adv = advertisement.resolve().orElseThrow(() -> new GitException.RefNotFound(
                "no tag of " + source().url() + " matches " + source().ref().describe()));
        try {
            Ref head = repo.exactRef(HEAD_REF);
            ObjectId oldObject = head == null ? null : head.getObjectId();
            ObjectId oldCommit = peel(head);
            if (oldCommit != null && adv.object().equals(oldObject)) {
                LOG.debug("{}: {} unchanged at {}", source().url(), adv.ref(), oldCommit.name());
                return new FetchOutcome.Unchanged(oldCommit, adv.ref());
            }
            ObjectId fetched = source().ref() instanceof RefSelector.Commit c ? bringCommit(c.id()) : fetchRef(adv.ref());
            ObjectId newCommit = peelObject(fetched, adv.ref());
            if (oldCommit != null && fetched.equals(oldObject)) {
                return new FetchOutcome.Unchanged(oldCommit, adv.ref()); // the remote moved back meanwhile
            }
            setRef(HEAD_REF, fetched);
            if (oldCommit == null) {
                LOG.info("{}: fetched {} at {}", source().url(), adv.ref(), newCommit.name());
                return new FetchOutcome.Initial(newCommit, adv.ref());
            }
            setRef(PREVIOUS_REF, oldCommit);
            if (isAncestor(oldCommit, newCommit)) {
                LOG.info("{}: {} moved {} -> {}", source().url(), adv.ref(), oldCommit.name(), newCommit.name());
                return new FetchOutcome.FastForward(oldCommit, newCommit, adv.ref());
            }
            LOG.warn("{}: {} was rewritten (force push): {} is not an ancestor of {}", source().url(), adv.ref(),
                    oldCommit.name(), newCommit.name());
            return new FetchOutcome.ForcePushed(oldCommit, newCommit, adv.ref());
        } catch (IOException e) {
            throw local("cannot update the clone", e);
        }
    }

    /** The files of a fetched commit. */
    public synchronized Snapshot snapshot(ObjectId commit) throws GitException {
        try {
            return Snapshots.fromGit(repo, commit.name());
        } catch (IOException e) {
            throw local("cannot read commit " + commit.name() + " (is it fetched?)", e);
        }
    }

    /** Whether {@code older} is reachable from {@code newer} (equal counts); unknown commits are not ancestors. */
    public synchronized boolean isAncestor(ObjectId older, ObjectId newer) throws GitException {
        try (RevWalk walk = new RevWalk(repo)) {
            return walk.isMergedInto(walk.parseCommit(older), walk.parseCommit(newer));
        } catch (MissingObjectException e) {
            return false;
        } catch (IOException e) {
            throw local("cannot walk history", e);
        }
    }

    /** Fetch commands run so far (metrics; tests prove that an unchanged poll fetches nothing). */
    long fetchCount() {
        return fetches.get();
    }

    RemoteAccess remote() {
        return remote;
    }

    /** Fetches into a scratch ref, so that the head moves only once the fetched object is known to be a commit. */
    private ObjectId fetchRef(String remoteRef) throws GitException, IOException {
        runFetch("fetch " + remoteRef + " from", new RefSpec("+" + remoteRef + ":" + HEAD_REF + ".new"));
        ObjectId id = repo.resolve(HEAD_REF + ".new");
        deleteRef(repo, HEAD_REF + ".new");
        if (id == null) {
            throw new GitException.RefNotFound(remoteRef + " disappeared from " + source().url() + " while fetching");
        }
        return id;
    }

    /**
     * A pinned commit: asked for by id first (servers allow that for reachable commits with protocol v2 or
     * {@code uploadpack.allowReachableSHA1InWant}); otherwise all branches and tags are fetched.
     */
    private ObjectId bringCommit(ObjectId id) throws GitException, IOException {
        if (repo.getObjectDatabase().has(id)) {
            return id;
        }
        try {
            runFetch("fetch commit " + id.name() + " from", new RefSpec(id.name() + ":" + HEAD_REF + ".new"));
            deleteRef(repo, HEAD_REF + ".new");
        } catch (GitException.RemoteFailure | GitException.RefNotFound e) {
            LOG.debug("{}: fetching {} by id failed ({}); fetching all branches and tags", source().url(),
                    id.name(), e.getMessage());
            runFetch("fetch all branches and tags from", new RefSpec("+refs/heads/*:" + SCAN_PREFIX + "heads/*"),
                    new RefSpec("+refs/tags/*:" + SCAN_PREFIX + "tags/*"));
            for (Ref r : repo.getRefDatabase().getRefsByPrefix(SCAN_PREFIX)) {
                deleteRef(repo, r.getName());
            }
        }
        if (!repo.getObjectDatabase().has(id)) {
            throw new GitException.RefNotFound("commit " + id.name() + " is not reachable from any branch or tag of "
                    + source().url());
        }
        return id;
    }

    private void runFetch(String what, RefSpec... specs) throws GitException {
        fetches.incrementAndGet();
        remote.run(what, configure -> {
            FetchCommand fetch = configure.apply(Git.wrap(repo).fetch())
                    .setRemote(source().url())
                    .setRefSpecs(specs)
                    .setTagOpt(TagOpt.NO_TAGS)
                    .setRemoveDeletedRefs(false);
            return fetch.call();
        });
    }

    private ObjectId peel(Ref ref) throws IOException {
        if (ref == null || ref.getObjectId() == null) {
            return null;
        }
        return repo.resolve(ref.getObjectId().name() + "^{commit}");
    }

    private ObjectId peelObject(ObjectId object, String ref) throws GitException, IOException {
        ObjectId commit = repo.resolve(object.name() + "^{commit}");
        if (commit == null) {
            throw new GitException.RefNotFound(ref + " of " + source().url() + " does not point at a commit");
        }
        return commit;
    }

    private void setRef(String name, ObjectId id) throws IOException {
        RefUpdate update = repo.updateRef(name);
        update.setNewObjectId(id);
        update.setForceUpdate(true);
        RefUpdate.Result result = update.update();
        if (result != RefUpdate.Result.NEW && result != RefUpdate.Result.FORCED
                && result != RefUpdate.Result.NO_CHANGE && result != RefUpdate.Result.FAST_FORWARD) {
            throw new IOException("cannot set " + name + ": " + result);
        }
    }

    private static void deleteRef(Repository repo, String name) throws IOException {
        if (repo.exactRef(name) != null) {
            RefUpdate update = repo.updateRef(name);
            update.setForceUpdate(true);
            update.delete();
        }
    }

    private static void createPrivateDirectory(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            return;
        }
        if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } else {
            Files.createDirectories(dir);
        }
    }

    private GitException local(String what, IOException e) {
        return new GitException.LocalFailure(what + " in the clone of " + source().url() + ": " + e.getMessage(), e);
    }

    @Override
    public synchronized void close() {
        remote.close();
        repo.close();
    }
}
