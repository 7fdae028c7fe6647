package io.nkd.git;

import java.io.IOException;
import java.util.Collection;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.Repository;

/** Resolves a {@link RefSelector} against the remote's ref advertisement ({@code git ls-remote}). */
final class RefAdvertisement {
    /**
     * @param object the advertised object (a commit, or an annotated tag)
     * @param commit the commit it peels to
     */
    record Advertised(String ref, ObjectId object, ObjectId commit) {
    }

    private final RemoteAccess remote;
    private final Repository repo;

    RefAdvertisement(RemoteAccess remote, Repository repo) {
        this.remote = remote;
        this.repo = repo;
    }

    Optional<Advertised> resolve() throws GitException {
        RefSelector selector = remote.source().ref();
        String url = remote.source().url();
        if (selector instanceof RefSelector.Commit c) {
            return Optional.of(new Advertised(c.id().name(), c.id(), c.id()));
        }
        if (selector instanceof RefSelector.Branch b) {
            Ref ref = list(true, false).get(b.refName());
            if (ref == null) {
                throw new GitException.RefNotFound("branch " + b.name() + " does not exist in " + url);
            }
            return Optional.of(advertised(ref));
        }
        if (selector instanceof RefSelector.Tag t) {
            Ref ref = list(false, true).get(t.refName());
            if (ref == null) {
                throw new GitException.RefNotFound("tag " + t.name() + " does not exist in " + url);
            }
            return Optional.of(advertised(ref));
        }
        if (selector instanceof RefSelector.Semver s) {
            return highest(list(false, true).values(), s.range()).map(this::advertised);
        }
        throw new IllegalStateException("unknown selector " + selector);
    }

    /**
     * The tag with the highest version in the range; between tags of equal precedence ({@code v1.2.0} and
     * {@code 1.2.0}, or build metadata) the name that sorts first, so the choice never flips between polls.
     */
    static Optional<Ref> highest(Collection<Ref> tags, VersionRange range) {
        Comparator<Map.Entry<SemVer, Ref>> order = Map.Entry.<SemVer, Ref>comparingByKey()
                .thenComparing(e -> e.getValue().getName(), Comparator.reverseOrder());
        return tags.stream()
                .filter(r -> r.getName().startsWith(Constants.R_TAGS))
                .flatMap(r -> SemVer.parse(r.getName().substring(Constants.R_TAGS.length()))
                        .filter(range::matches).map(v -> Map.entry(v, r)).stream())
                .max(order)
                .map(Map.Entry::getValue);
    }

    private Map<String, Ref> list(boolean heads, boolean tags) throws GitException {
        // through the clone, so that its configuration (http.*, protocol.version) applies as to fetches
        return remote.run("list refs of", configure -> configure.apply(Git.wrap(repo).lsRemote())
                .setRemote(remote.source().url())
                .setHeads(heads)
                .setTags(tags)
                .callAsMap());
    }

    private Advertised advertised(Ref ref) {
        ObjectId object = ref.getObjectId();
        ObjectId commit = ref.getPeeledObjectId();
        if (commit == null) {
            // the server did not peel it: a commit, or a tag we may already have; the fetch peels it otherwise
            commit = peelLocally(object);
        }
        return new Advertised(ref.getName(), object, commit);
    }

    private ObjectId peelLocally(ObjectId object) {
        try {
            ObjectId c = repo.getObjectDatabase().has(object) ? repo.resolve(object.name() + "^{commit}") : null;
            return c == null ? object : c;
        } catch (IOException e) {
            return object;
        }
    }
}
