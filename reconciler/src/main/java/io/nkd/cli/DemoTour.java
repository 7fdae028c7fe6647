package io.nkd.cli;

import io.nkd.git.Snapshots;
import io.nkd.housekeeper.api.NodeUpdateState;
import io.nkd.housekeeper.api.RolloutPhase;
import io.nkd.plan.Action;
import io.nkd.plan.Plan;
import io.nkd.plan.Planner;
import io.nkd.status.ClusterStatus;
import io.nkd.status.MachinePhase;
import io.nkd.status.RolloutStatus;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.revwalk.RevCommit;

/**
 * {@code nkd demo --tour}: the life of the demo cluster, driven only by commits to the demo's repository, as a user
 * would make them. Each step commits, prints what {@code nkd plan} says the commit will do, asks the daemon to
 * reconcile (as a webhook would) and then prints what nkd's own status ({@code GET /api/v1/clusters/sandbox-demo}, the
 * same document {@code nkd status} shows) says as it changes: machines joining, each node's way from the current to
 * the target image, the rollback after {@code git revert}, and workers scaled out and drained away again.
 */
final class DemoTour {
    static final String CLUSTER = "sandbox-demo";
    static final String FROM_IMAGE = "nestos-24.09-k8s-1.31";
    static final String TO_IMAGE = "nestos-24.09.2-k8s-1.31";
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneId.systemDefault());

    private final Path repo;
    private final ApiClient api;
    /** How the commands the tour suggests reach this nkd: {@code --state-dir DIR}. */
    private final String where;
    private final PrintStream out;
    /** How often the tour reads the status (and asks for a reconcile while it waits). */
    private final Duration poll;
    /** How long one step may take before the tour gives up and says what it waited for. */
    private final Duration patience;

    DemoTour(Path repo, String where, ApiClient api, PrintStream out, Duration poll, Duration patience) {
        this.repo = repo;
        this.where = where;
        this.api = api;
        this.out = out;
        this.poll = poll;
        this.patience = patience;
    }

    /** Thrown when a step did not happen in time: says what the tour waited for. */
    static final class Stuck extends Exception {
        Stuck(String message) {
            super(message);
        }
    }

    /** Runs every step; false (after saying why) when one did not happen. */
    boolean run() throws InterruptedException {
        try {
            ready();
            String upgrade = rollout("2/4 an OS image change, rolled out node by node",
                    "Upgrade " + CLUSTER + " to NestOS 24.09.2", this::changeImage);
            rollout("3/4 git revert: the nodes roll back to the image before",
                    null, git -> revert(git, upgrade));
            scale();
            heading("tour complete");
            say("Every step above was a commit in " + repo + ": see them with git -C " + repo + " log --oneline,");
            say("and nkd's record of them with ./nkd history " + CLUSTER + " " + where);
            return true;
        } catch (Stuck e) {
            heading("tour stopped");
            say(e.getMessage());
            return false;
        } catch (IOException | RuntimeException e) {
            heading("tour stopped");
            say(e.getClass().getSimpleName() + ": " + Failures.describe(e));
            return false;
        }
    }

    // ---- step 1 ---------------------------------------------------------------------------------------------------

    private void ready() throws InterruptedException, Stuck {
        heading("1/4 the cluster comes up: machines boot, fetch their Ignition, join, turn Ready");
        Map<String, MachinePhase> seen = new HashMap<>();
        ClusterStatus s = await("the cluster to be Ready", st -> {
            for (ClusterStatus.NodeStatus n : st.nodes()) {
                if (n.phase() != null && seen.put(n.name(), n.phase()) != n.phase()) {
                    say(String.format("%-30s %s", n.name(), n.phase().toString().toLowerCase(java.util.Locale.ROOT)));
                }
            }
            return st.phase() == ClusterStatus.Phase.READY;
        });
        var k = s.kubernetes();
        say(CLUSTER + " is Ready at commit " + shortId(s.appliedRevision())
                + (k == null ? "" : ": API up, " + k.nodesReady() + " of " + k.nodesExpected() + " nodes Ready"));
    }

    // ---- steps 2 and 3 --------------------------------------------------------------------------------------------

    @FunctionalInterface
    private interface Commit {
        RevCommit make(Git git) throws Exception;
    }

    /** Commits, prints the plan, and watches the rollout of that commit until it completes; returns the commit. */
    private String rollout(String title, String message, Commit commit) throws InterruptedException, Stuck, IOException {
        heading(title);
        String head;
        String base;
        try (Git git = Git.open(repo.toFile())) {
            base = git.getRepository().resolve("HEAD").name();
            head = commit.make(git).name();
        } catch (IOException | Stuck e) {
            throw e;
        } catch (Exception e) {
            throw new IOException("cannot commit to " + repo + ": " + e.getMessage(), e);
        }
        plan(base, head);
        reconcile();
        Map<String, String> last = new HashMap<>();
        await("the rollout of " + shortId(head) + " to complete", st -> {
            RolloutStatus r = st.rollout();
            if (r == null || !head.equals(r.revision())) {
                return false;
            }
            for (RolloutStatus.Node n : r.nodes()) {
                String line = String.format("%-30s %s → %s  %s%s", n.name(), shortImage(n.currentImage()),
                        shortImage(r.targetImage()), state(n.state()), n.message() == null ? "" : ": " + shortImages(n.message()));
                // a node that stays Updated or Pending is shown once; an updating one at each step
                String key = n.state() + " " + n.currentImage() + (n.state() == NodeUpdateState.UPDATING ? " " + n.message() : "");
                if (!key.equals(last.put(n.name(), key))) {
                    say(line + (n.since() == null ? "" : "  (since " + TIME.format(n.since()) + ")"));
                }
            }
            return r.phase() == RolloutPhase.COMPLETED && r.nodes().stream().allMatch(n -> n.state() == NodeUpdateState.UPDATED);
        });
        RolloutStatus done = status().rollout();
        say("Update " + (done == null ? "?" : done.update()) + " completed: every node runs "
                + shortImage(done == null ? null : done.targetImage()) + " (revision " + shortId(head) + ")");
        return head;
    }

    private RevCommit changeImage(Git git) throws Exception {
        Path file = clusterFile();
        String before = Files.readString(file, StandardCharsets.UTF_8);
        String after = before.replace("image: " + FROM_IMAGE, "image: " + TO_IMAGE);
        if (after.equals(before)) {
            // a tour stopped half-way (Ctrl-C, a crash) left its commits: the demo continues, the tour cannot start over
            throw new Stuck(file + " does not name the image " + FROM_IMAGE + " any more (a tour ran on this demo before):"
                    + " the tour runs once per demo directory. Run ./nkd demo --dir " + repo.getParent() + " without --tour to"
                    + " continue by hand, or give --tour a new --dir (or delete this one)");
        }
        Files.writeString(file, after, StandardCharsets.UTF_8);
        command("sed -i 's/image: " + FROM_IMAGE + "/image: " + TO_IMAGE + "/' " + file);
        return commit(git, "Upgrade " + CLUSTER + " to NestOS 24.09.2 (" + TO_IMAGE + ")");
    }

    private RevCommit revert(Git git, String commit) throws Exception {
        command("git -C " + repo + " revert --no-edit " + shortId(commit));
        RevCommit reverted = git.revert().include(git.getRepository().resolve(commit)).call();
        if (reverted == null) {
            throw new IOException("git revert of " + shortId(commit) + " in " + repo + " did not apply cleanly");
        }
        return reverted;
    }

    // ---- step 4 ---------------------------------------------------------------------------------------------------

    private void scale() throws InterruptedException, Stuck, IOException {
        heading("4/4 scaling: the workers 2 → 3 (a new node joins), then 3 → 2 (drained, then deleted)");
        String added = CLUSTER + "-workers-3";
        replicas(2, 3, "Scale workers to 3");
        Map<String, String> seen = new HashMap<>();
        await(added + " to join and be Ready", st -> {
            phases(st, seen, added);
            return st.nodes().stream().anyMatch(n -> n.name().equals(added) && n.phase() == MachinePhase.READY)
                    && st.phase() == ClusterStatus.Phase.READY;
        });
        replicas(3, 2, "Scale workers back to 2");
        await(added + " to be drained and deleted", st -> {
            phases(st, seen, added);
            boolean gone = st.nodes().stream().noneMatch(n -> n.name().equals(added));
            return gone && st.phase() == ClusterStatus.Phase.READY;
        });
        say(String.format("%-30s %s", added, "deleted"));
        ClusterStatus s = status();
        say(CLUSTER + " is Ready with " + s.nodes().size() + " nodes again");
    }

    /** Prints the node's phase and nkd's words about it whenever either changes (a drain shows in the message). */
    private void phases(ClusterStatus st, Map<String, String> seen, String node) {
        st.nodes().stream().filter(n -> n.name().equals(node) && n.phase() != null).findFirst().ifPresent(n -> {
            String key = n.phase() + " " + n.message();
            if (!key.equals(seen.put(n.name(), key))) {
                say(String.format("%-30s %s%s", n.name(), n.phase().toString().toLowerCase(java.util.Locale.ROOT),
                        n.message() == null ? "" : ": " + n.message()));
            }
        });
    }

    private void replicas(int from, int to, String message) throws IOException, InterruptedException, Stuck {
        String base;
        String head;
        Path file = clusterFile();
        try (Git git = Git.open(repo.toFile())) {
            base = git.getRepository().resolve("HEAD").name();
            String before = Files.readString(file, StandardCharsets.UTF_8);
            String marker = "- name: workers\n      role: worker\n      replicas: " + from + "\n";
            if (!before.contains(marker)) {
                throw new IOException(file + " does not set the workers pool's replicas to " + from + ": run the tour on a"
                        + " fresh demo (delete the demo's directory)");
            }
            Files.writeString(file, before.replace(marker, marker.replace("replicas: " + from, "replicas: " + to)),
                    StandardCharsets.UTF_8);
            command("# set the workers pool's replicas: " + from + " → " + to + " in " + file);
            head = commit(git, message).name();
        } catch (IOException | Stuck e) {
            throw e;
        } catch (Exception e) {
            throw new IOException("cannot commit to " + repo + ": " + e.getMessage(), e);
        }
        plan(base, head);
        reconcile();
    }

    // ---- helpers --------------------------------------------------------------------------------------------------

    private Path clusterFile() {
        return repo.resolve("clusters/" + CLUSTER + "/cluster.yaml");
    }

    private RevCommit commit(Git git, String message) throws Exception {
        command("git -C " + repo + " commit -qam '" + message + "'");
        PersonIdent who = new PersonIdent("nkd demo", "nkd@localhost");
        git.add().addFilepattern(".").call();
        return git.commit().setMessage(message).setAuthor(who).setCommitter(who).setSign(false).call();
    }

    /** What {@code nkd plan} says of the commit: one line per action, with whether the daemon carries it out. */
    private void plan(String base, String head) throws IOException {
        command("./nkd plan --repo " + repo + " --base " + shortId(base) + " --head " + shortId(head));
        Plan plan = Planner.plan(Snapshots.fromGit(repo, base), Snapshots.fromGit(repo, head));
        for (Action a : plan.actions()) {
            say("  plan: " + a.summary() + " [" + a.effect() + "]");
        }
    }

    /** Asks the daemon to fetch and reconcile now, as a webhook would (nkd reconcile). */
    private void reconcile() {
        api.post(ApiClient.clusterPath(CLUSTER, "/reconcile"));
    }

    private ClusterStatus status() {
        return api.get(ApiClient.clusterPath(CLUSTER, ""), ClusterStatus.class);
    }

    /** Reads the status until {@code done} holds, asking for a reconcile now and then; gives up after the patience. */
    private ClusterStatus await(String what, Predicate<ClusterStatus> done) throws InterruptedException, Stuck {
        Instant deadline = Instant.now().plus(patience);
        long polls = 0;
        ClusterStatus s = null;
        while (Instant.now().isBefore(deadline)) {
            s = status();
            if (done.test(s)) {
                return s;
            }
            if (++polls % 2 == 0) {
                reconcile(); // nkd reconciles on its own too; this only makes the tour quicker to watch
            }
            Thread.sleep(poll.toMillis());
        }
        throw new Stuck("waited " + patience.toSeconds() + " s for " + what + "; nkd's status says: phase "
                + (s == null ? "unknown" : s.phase() + (s.lastError() == null ? "" : ", last error: " + s.lastError().message()))
                + ". See ./nkd status " + CLUSTER + " " + where);
    }

    private static String state(NodeUpdateState s) {
        return s == null ? "?" : switch (s) {
            case PENDING -> "Pending";
            case UPDATING -> "Updating";
            case UPDATED -> "Updated";
            case FAILED -> "Failed";
        };
    }

    private static final java.util.regex.Pattern IMAGE = java.util.regex.Pattern.compile("[\\w.-]+(?::\\d+)?(?:/[\\w.-]+)+@sha256:[0-9a-f]{64}");

    /** A sentence of nkd's with every pinned image in it shortened as {@link #shortImage} does. */
    static String shortImages(String text) {
        return IMAGE.matcher(text).replaceAll(m -> java.util.regex.Matcher.quoteReplacement(shortImage(m.group())));
    }

    /** {@code nestos@sha256:eaf4487c7733}: enough of an image to tell two apart on one line. */
    static String shortImage(String image) {
        if (image == null) {
            return "?";
        }
        String name = image;
        String digest = "";
        int at = image.indexOf('@');
        if (at >= 0) {
            name = image.substring(0, at);
            digest = image.substring(at);
            int colon = digest.indexOf(':');
            digest = digest.substring(0, Math.min(digest.length(), colon + 13));
        }
        return name.substring(name.lastIndexOf('/') + 1) + digest;
    }

    private static String shortId(String commit) {
        return commit == null ? "none" : commit.substring(0, Math.min(7, commit.length()));
    }

    private void heading(String text) {
        out.println();
        out.println("== " + text);
        out.flush();
    }

    private void command(String text) {
        say("$ " + text);
    }

    private void say(String text) {
        out.println("   " + Objects.requireNonNull(text));
        out.flush();
    }

}
