package io.nkd.git;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.PushCommand;
import org.eclipse.jgit.lib.CommitBuilder;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.notes.Note;
import org.eclipse.jgit.notes.NoteMap;
import org.eclipse.jgit.notes.NoteMapMerger;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.revwalk.filter.RevFilter;
import org.eclipse.jgit.transport.PushResult;
import org.eclipse.jgit.transport.RefSpec;
import org.eclipse.jgit.transport.RemoteRefUpdate;
import org.eclipse.jgit.transport.TagOpt;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes apply outcomes back to the config repository as Git notes on {@value #NOTES_REF}
 * ({@code git log --notes=nkd} shows them beside each commit), optionally pushing that ref.
 *
 * <p>Before pushing, the remote notes ref is fetched and merged (JGit's note merger concatenates two notes
 * on the same commit), so several nkd instances, or people, can add notes without overwriting each other;
 * a push that loses a race is retried once. Nothing here throws: a failed note must never fail a reconcile.
 */
public final class GitNotes {
    public static final String NOTES_REF = "refs/notes/nkd";
    private static final String REMOTE_NOTES = "refs/nkd/remote-notes";
    private static final Logger LOG = LoggerFactory.getLogger(GitNotes.class);

    private final RepoFollower follower;
    private final String name;
    private final String email;

    public GitNotes(RepoFollower follower) {
        this(follower, "nkd", "nkd@localhost");
    }

    /** Notes commits are authored as {@code name <email>}. */
    public GitNotes(RepoFollower follower, String name, String email) {
        this.follower = follower;
        this.name = name;
        this.email = email;
    }

    /** Sets the note of {@code commit} to {@code text} (replacing nkd's previous note on it). */
    public NoteResult write(ObjectId commit, String text, boolean push) {
        return update(commit, text, false, push);
    }

    /** Adds {@code text} as a new paragraph of the note of {@code commit}. */
    public NoteResult append(ObjectId commit, String text, boolean push) {
        return update(commit, text, true, push);
    }

    /** The note of a commit in nkd's clone. */
    public Optional<String> read(ObjectId commit) {
        Repository repo = follower.repository();
        try (RevWalk walk = new RevWalk(repo)) {
            Ref ref = repo.exactRef(NOTES_REF);
            if (ref == null) {
                return Optional.empty();
            }
            NoteMap map = NoteMap.read(walk.getObjectReader(), walk.parseCommit(ref.getObjectId()));
            ObjectId blob = map.get(commit);
            return blob == null ? Optional.empty()
                    : Optional.of(new String(repo.open(blob).getBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private NoteResult update(ObjectId commit, String text, boolean append, boolean push) {
        synchronized (follower) { // the follower's own lock: no fetch moves the clone meanwhile
            ObjectId notes;
            try {
                if (push) {
                    fetchRemoteNotes();
                }
                notes = addNote(commit, text, append);
            } catch (IOException | GitException | RuntimeException e) {
                LOG.warn("cannot write the nkd note of {}: {}", commit.name(), e.getMessage());
                return new NoteResult.Failed(commit.copy(), e.getMessage());
            }
            if (!push) {
                return new NoteResult.Written(commit.copy(), notes);
            }
            PushStatus status = pushNotes();
            if (status == PushStatus.RACED) {
                try { // someone pushed notes meanwhile: merge theirs and try once more
                    fetchRemoteNotes();
                    notes = repoNotesHead();
                    status = pushNotes();
                } catch (IOException | GitException | RuntimeException e) {
                    status = PushStatus.failed(e.getMessage());
                }
            }
            if (!status.ok()) {
                String reason = status == PushStatus.RACED ? "another writer keeps updating " + NOTES_REF : status.reason();
                LOG.warn("nkd note of {} written locally but not pushed: {}", commit.name(), reason);
                return new NoteResult.PushFailed(commit.copy(), notes, reason);
            }
            return new NoteResult.Pushed(commit.copy(), notes);
        }
    }

    /** Fetches the remote notes ref (if it exists) and merges it into the local one. */
    private void fetchRemoteNotes() throws GitException, IOException {
        RemoteAccess remote = follower.remote();
        Map<String, Ref> refs = remote.run("list notes of", c -> c.apply(Git.wrap(follower.repository()).lsRemote())
                .setRemote(remote.source().url()).callAsMap());
        if (!refs.containsKey(NOTES_REF)) {
            return;
        }
        remote.run("fetch notes from", c -> c.apply(Git.wrap(follower.repository()).fetch())
                .setRemote(remote.source().url())
                .setRefSpecs(new RefSpec("+" + NOTES_REF + ":" + REMOTE_NOTES))
                .setTagOpt(TagOpt.NO_TAGS)
                .call());
        mergeRemoteIntoLocal();
    }

    /** Makes the local notes ref contain the fetched remote notes: fast-forward, or a two-parent merge. */
    private ObjectId mergeRemoteIntoLocal() throws IOException {
        Repository repo = follower.repository();
        Ref localRef = repo.exactRef(NOTES_REF);
        Ref remoteRef = repo.exactRef(REMOTE_NOTES);
        ObjectId local = localRef == null ? null : localRef.getObjectId();
        if (remoteRef == null) {
            return local;
        }
        ObjectId theirs = remoteRef.getObjectId();
        try (RevWalk walk = new RevWalk(repo); ObjectReader reader = repo.newObjectReader();
                ObjectInserter ins = repo.newObjectInserter()) {
            if (local == null || walk.isMergedInto(walk.parseCommit(local), walk.parseCommit(theirs))) {
                setRef(repo, theirs, local);
                return theirs;
            }
            if (walk.isMergedInto(walk.parseCommit(theirs), walk.parseCommit(local))) {
                return local;
            }
            RevCommit ours = walk.parseCommit(local);
            RevCommit other = walk.parseCommit(theirs);
            walk.reset();
            walk.setRevFilter(RevFilter.MERGE_BASE);
            walk.markStart(ours);
            walk.markStart(other);
            RevCommit base = walk.next();
            NoteMap baseMap = base == null ? NoteMap.newEmptyMap() : NoteMap.read(reader, base);
            NoteMap merged = new NoteMapMerger(repo).merge(baseMap, NoteMap.read(reader, ours),
                    NoteMap.read(reader, other));
            ObjectId id = commit(ins, merged.writeTree(ins), "Notes merged by nkd", local, theirs);
            setRef(repo, id, local);
            return id;
        }
    }

    private ObjectId addNote(ObjectId commit, String text, boolean append) throws IOException {
        Repository repo = follower.repository();
        Ref ref = repo.exactRef(NOTES_REF);
        ObjectId parent = ref == null ? null : ref.getObjectId();
        try (RevWalk walk = new RevWalk(repo); ObjectInserter ins = repo.newObjectInserter()) {
            NoteMap map = parent == null ? NoteMap.newEmptyMap() : NoteMap.read(walk.getObjectReader(),
                    walk.parseCommit(parent));
            String content = text.endsWith("\n") ? text : text + "\n";
            Note existing = map.getNote(commit);
            if (append && existing != null) {
                content = new String(repo.open(existing.getData()).getBytes(), StandardCharsets.UTF_8) + "\n" + content;
            }
            map.set(commit, content, ins);
            ObjectId id = commit(ins, map.writeTree(ins), "Notes added by nkd for " + commit.name(),
                    parent == null ? new ObjectId[0] : new ObjectId[] {parent});
            setRef(repo, id, parent);
            return id;
        }
    }

    private ObjectId commit(ObjectInserter ins, ObjectId tree, String message, ObjectId... parents) throws IOException {
        CommitBuilder cb = new CommitBuilder();
        PersonIdent who = new PersonIdent(name, email);
        cb.setTreeId(tree);
        cb.setParentIds(parents);
        cb.setAuthor(who);
        cb.setCommitter(who);
        cb.setMessage(message + "\n");
        ObjectId id = ins.insert(cb);
        ins.flush();
        return id;
    }

    /** Compare-and-set: fails if the ref moved since it was read (another writer in this process). */
    private static void setRef(Repository repo, ObjectId id, ObjectId expected) throws IOException {
        RefUpdate u = repo.updateRef(NOTES_REF);
        u.setExpectedOldObjectId(expected == null ? ObjectId.zeroId() : expected);
        u.setNewObjectId(id);
        u.setForceUpdate(true);
        RefUpdate.Result r = u.update();
        if (r != RefUpdate.Result.NEW && r != RefUpdate.Result.FORCED && r != RefUpdate.Result.FAST_FORWARD
                && r != RefUpdate.Result.NO_CHANGE) {
            throw new IOException("cannot update " + NOTES_REF + ": " + r);
        }
    }

    private ObjectId repoNotesHead() throws IOException {
        Ref ref = follower.repository().exactRef(NOTES_REF);
        return ref == null ? null : ref.getObjectId();
    }

    private record PushStatus(boolean ok, String reason) {
        static final PushStatus OK = new PushStatus(true, null);
        static final PushStatus RACED = new PushStatus(false, "rejected: non-fast-forward");

        static PushStatus failed(String reason) {
            return new PushStatus(false, reason);
        }
    }

    private PushStatus pushNotes() {
        RemoteAccess remote = follower.remote();
        try {
            Iterable<PushResult> results = remote.run("push notes to", c -> {
                PushCommand push = c.apply(Git.wrap(follower.repository()).push())
                        .setRemote(remote.source().url())
                        .setRefSpecs(new RefSpec(NOTES_REF + ":" + NOTES_REF));
                return push.call();
            });
            for (PushResult result : results) {
                RemoteRefUpdate u = result.getRemoteUpdate(NOTES_REF);
                if (u == null) {
                    return PushStatus.failed("the remote did not report on " + NOTES_REF);
                }
                switch (u.getStatus()) {
                    case OK, UP_TO_DATE -> {
                    }
                    case REJECTED_NONFASTFORWARD -> {
                        return PushStatus.RACED;
                    }
                    default -> {
                        return PushStatus.failed("the remote rejected the push of " + NOTES_REF + " ("
                                + u.getStatus().name().toLowerCase(Locale.ROOT).replace('_', ' ')
                                + (u.getMessage() == null ? "" : ": " + u.getMessage()) + ")");
                    }
                }
            }
            return PushStatus.OK;
        } catch (GitException e) {
            return PushStatus.failed(e.getMessage());
        }
    }
}
