package io.nkd.console;

import io.nkd.config.Snapshot;
import io.nkd.git.Snapshots;
import io.nkd.plan.Plan;
import io.nkd.plan.PlanFormat;
import io.nkd.plan.Planner;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.regex.Pattern;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;

/**
 * {@code nkd plan} of two revisions of the daemon's own config repository, for the console's plan view: the same
 * {@link Planner} and the same Markdown printer as the CLI, so the page shows the text {@code nkd plan --format
 * markdown} prints. Read-only: the repository is opened for each request and nothing is fetched.
 *
 * <p>Bounded: one plan is computed at a time (another request meanwhile is answered 503 with Retry-After), and the
 * last few plans are kept by their commit pair, so reloading a page costs nothing. Revisions are branch, tag or
 * commit names of at most 200 characters of a small alphabet; one that does not resolve to a commit is refused
 * with 404 naming it.
 */
final class PlanService {
    static final Pattern REVISION = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._/~^@{}+-]{0,199}");
    static final int MAX_COMMITS = 50;
    private static final int CACHED = 8;
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    /** What the API answers: a status and a JSON-able body. */
    record Answer(int status, Object body) {
        static Answer error(int status, String message) {
            return new Answer(status, Map.of("error", message));
        }
    }

    /**
     * A commit for the revision picker and the cluster list.
     *
     * @param url its web page on a known forge ({@link ForgeLinks}), or null
     */
    record Commit(String id, String shortId, String subject, String author, Instant time, String url) {
    }

    private final Optional<Path> repository;
    /** The repository's URL as {@code --repo} gave it, for links to commits; null when unknown. */
    private final String repositoryUrl;
    private final Semaphore computing = new Semaphore(1);
    private final Map<String, Map<String, Object>> cache = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Map<String, Object>> eldest) {
            return size() > CACHED;
        }
    };

    PlanService(Optional<Path> repository, String repositoryUrl) {
        this.repository = repository;
        this.repositoryUrl = repositoryUrl;
    }

    Answer plan(String base, String head) {
        if (repository.isEmpty()) {
            return Answer.error(404, "this daemon's source has no Git repository to plan from");
        }
        for (String[] r : new String[][] {{"base", base}, {"head", head}}) {
            if (!REVISION.matcher(r[1]).matches()) {
                return Answer.error(400, r[0] + " \"" + abbreviate(r[1]) + "\" is not a revision name (a branch, tag or commit id, "
                        + "or an expression such as main~1; at most 200 characters)");
            }
        }
        if (!computing.tryAcquire()) {
            return Answer.error(503, "another plan is being computed; retry in a moment");
        }
        try (Repository repo = open()) {
            ObjectId b = resolve(repo, base);
            ObjectId h = resolve(repo, head);
            if (b == null || h == null) {
                String which = b == null ? "base" : "head";
                return Answer.error(404, which + " \"" + (b == null ? base : head) + "\" is not a commit of the config repository "
                        + "(the daemon knows the commits it fetched: a branch, tag or commit id)");
            }
            String key = b.name() + ".." + h.name();
            Map<String, Object> hit;
            synchronized (cache) {
                hit = cache.get(key);
            }
            if (hit == null) {
                Snapshot s0 = Snapshots.fromGit(repo, b.name());
                Snapshot s1 = Snapshots.fromGit(repo, h.name());
                Plan plan = Planner.plan(s0, s1);
                hit = new LinkedHashMap<>();
                hit.put("exitCode", plan.exitCode());
                hit.put("markdown", PlanFormat.MARKDOWN.print(plan));
                hit.put("plan", JSON.readTree(PlanFormat.JSON.print(plan)));
                synchronized (cache) {
                    cache.put(key, hit);
                }
            }
            // the cache holds the plan of a commit pair; the names are this request's (main and HEAD@{0} share a plan)
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("base", Map.of("revision", base, "commit", b.name()));
            body.put("head", Map.of("revision", head, "commit", h.name()));
            body.putAll(hit);
            return new Answer(200, body);
        } catch (IOException | RuntimeException e) {
            return Answer.error(422, "cannot plan " + base + " → " + head + ": " + e.getMessage());
        } finally {
            computing.release();
        }
    }

    /** The newest commits reachable from {@code from} (the daemon's current revision), newest first. */
    Answer commits(Optional<String> from) {
        if (repository.isEmpty() || from.isEmpty()) {
            return new Answer(200, List.of());
        }
        try (Repository repo = open(); RevWalk walk = new RevWalk(repo)) {
            walk.markStart(walk.parseCommit(ObjectId.fromString(from.get())));
            List<Commit> out = new ArrayList<>();
            for (RevCommit c : walk) {
                out.add(new Commit(c.name(), Snapshot.shortId(c.name()), c.getShortMessage(), c.getAuthorIdent().getName(),
                        c.getAuthorIdent().getWhenAsInstant(), ForgeLinks.commit(repositoryUrl, c.name()).orElse(null)));
                if (out.size() == MAX_COMMITS) {
                    break;
                }
            }
            return new Answer(200, out);
        } catch (IOException | RuntimeException e) {
            return Answer.error(500, "cannot read the config repository's commits: " + e.getMessage());
        }
    }

    private Repository open() throws IOException {
        Path dir = repository.orElseThrow();
        FileRepositoryBuilder b = new FileRepositoryBuilder().setMustExist(true);
        return (dir.resolve(".git").toFile().exists() || !dir.resolve("objects").toFile().isDirectory()
                ? b.findGitDir(dir.toFile()) : b.setGitDir(dir.toFile())).build();
    }

    /**
     * A revision as Git reads it; in nkd's own clone of a remote repository, where branches and tags are kept
     * only under {@code refs/nkd/scan/} (when the followed ref is a version range), those names too.
     */
    private static ObjectId resolve(Repository repo, String revision) {
        for (String name : new String[] {revision, "refs/nkd/scan/heads/" + revision, "refs/nkd/scan/tags/" + revision}) {
            try {
                ObjectId id = repo.resolve(name + "^{commit}");
                if (id != null) {
                    return id;
                }
            } catch (IOException | RuntimeException e) {
                // a malformed expression or a non-commit: the same answer as an unknown name
            }
        }
        return null;
    }

    private static String abbreviate(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "…" : s;
    }
}
